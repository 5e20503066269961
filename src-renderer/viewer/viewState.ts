/**
 * View state of the viewer's tiles, read and set through the rendering engine: cameras and windows
 * kept across a layout change, the default window, window presets, corner-text info, jumping to a
 * point and page ↔ world coordinates. ReviewViewer calls these with its engine and current tiles.
 */
import { cache, type RenderingEngine, type Types } from '@cornerstonejs/core';
import {
  orientationMarkers,
  presetRange,
  sliceOf,
  windowOf,
  type WindowPreset,
} from '../lib/viewGeometry.ts';
import type { TileSpec, ViewInfo } from './viewerTypes.ts';

/** A window as Cornerstone's VOI range. */
export type VoiRange = { lower: number; upper: number };

/**
 * Cameras (slice, zoom, pan) and windows of the old tiles that `tiles` shows again with the same
 * element and volume; the window too: a pane's W/L survives another series loading (the viewports
 * are remade).
 */
export function keptViews(
  engine: RenderingEngine,
  oldTiles: readonly TileSpec[],
  tiles: readonly TileSpec[],
): { kept: Map<string, Types.ICamera>; keptWindow: Map<string, VoiRange> } {
  const kept = new Map<string, Types.ICamera>();
  const keptWindow = new Map<string, VoiRange>();
  for (const t of tiles) {
    const old = oldTiles.find(
      (o) => o.viewportId === t.viewportId && o.element === t.element && o.volumeId === t.volumeId,
    );
    const vp = old && engine.getViewport(t.viewportId);
    if (vp) kept.set(t.viewportId, vp.getCamera());
    const voi = (vp as Types.IVolumeViewport | undefined)?.getProperties()?.voiRange;
    if (voi) keptWindow.set(t.viewportId, { lower: voi.lower, upper: voi.upper });
  }
  return { kept, keptWindow };
}

/**
 * Slice, window and orientation of a tile's viewport. The slice is counted in the tile's own
 * series (its grid), not Cornerstone's, which counted the synchronised partners' slices (issue 11:
 * "slice 21/40" on a 26-slice series).
 */
export function viewInfoOf(engine: RenderingEngine, tile: TileSpec): ViewInfo | null {
  const vp = engine.getViewport(tile.viewportId) as Types.IVolumeViewport | undefined;
  if (!vp) return null;
  const cam = vp.getCamera();
  const normal = (cam.viewPlaneNormal ?? [0, 0, 1]) as [number, number, number];
  const up = (cam.viewUp ?? [0, -1, 0]) as [number, number, number];
  const focal = (cam.focalPoint ?? [0, 0, 0]) as [number, number, number];
  const voi = vp.getProperties()?.voiRange;
  return {
    volumeId: tile.volumeId,
    slice: sliceOf(tile.geometry, focal, normal),
    window: voi ? windowOf(voi) : null,
    markers: orientationMarkers(up, normal),
  };
}

/** Sets the window of every tile to a preset, computed once per volume from its voxels. */
export function applyWindowPreset(
  engine: RenderingEngine,
  tiles: readonly TileSpec[],
  preset: WindowPreset,
): void {
  const ranges = new Map<string, VoiRange>();
  for (const t of tiles) {
    let range = ranges.get(t.volumeId);
    if (!range) {
      const vol = cache.getVolume(t.volumeId);
      const data = vol?.voxelManager?.getCompleteScalarDataArray?.() as
        ArrayLike<number> | undefined;
      if (!data) continue;
      range = presetRange(data, preset);
      ranges.set(t.volumeId, range);
    }
    const vp = engine.getViewport(t.viewportId) as Types.IVolumeViewport | undefined;
    vp?.setProperties({ voiRange: range });
  }
}

/**
 * Sets a tile's window to `range`, else to the series' suggested window (the api's robust
 * percentile window, kept in the volume's metadata). Cornerstone ignores that metadata for a
 * local volume and showed 0–1024 (W 1024 L 512) after import and after a reset.
 */
export function setDefaultWindow(engine: RenderingEngine, tile: TileSpec, range?: VoiRange): void {
  const vp = engine.getViewport(tile.viewportId) as Types.IVolumeViewport | undefined;
  const meta = cache.getVolume(tile.volumeId)?.metadata as
    { voiLut?: { windowCenter: number; windowWidth: number }[] } | undefined;
  const lut = meta?.voiLut?.[0];
  const voiRange =
    range ??
    (lut && lut.windowWidth > 0
      ? {
          lower: lut.windowCenter - lut.windowWidth / 2,
          upper: lut.windowCenter + lut.windowWidth / 2,
        }
      : undefined);
  if (vp && voiRange) vp.setProperties({ voiRange });
}

/** Moves every given viewport to show the LPS point (centres the slice on it). */
export function jumpTo(
  engine: RenderingEngine,
  viewportIds: readonly string[],
  world: readonly [number, number, number],
): void {
  for (const id of viewportIds) {
    const vp = engine.getViewport(id) as Types.IVolumeViewport | undefined;
    if (!vp) continue;
    const cam = vp.getCamera();
    const fp = cam.focalPoint as Types.Point3;
    const n = cam.viewPlaneNormal as Types.Point3;
    const d = (world[0] - fp[0]) * n[0] + (world[1] - fp[1]) * n[1] + (world[2] - fp[2]) * n[2];
    const shift = [n[0] * d, n[1] * d, n[2] * d];
    const pos = cam.position as Types.Point3;
    vp.setCamera({
      focalPoint: [fp[0] + shift[0], fp[1] + shift[1], fp[2] + shift[2]],
      position: [pos[0] + shift[0], pos[1] + shift[1], pos[2] + shift[2]],
    });
  }
}

/** Page coordinates (CSS px) of an LPS point in a tile's viewport. */
export function worldToPage(
  engine: RenderingEngine,
  tile: TileSpec,
  world: readonly [number, number, number],
): [number, number] {
  const c = engine.getViewport(tile.viewportId).worldToCanvas([world[0], world[1], world[2]]);
  const rect = tile.element.getBoundingClientRect();
  return [rect.left + c[0], rect.top + c[1]];
}

/** The LPS point under page coordinates (CSS px) in a tile's viewport: the inverse of worldToPage. */
export function pageToWorld(
  engine: RenderingEngine,
  tile: TileSpec,
  x: number,
  y: number,
): [number, number, number] {
  const rect = tile.element.getBoundingClientRect();
  const w = engine.getViewport(tile.viewportId).canvasToWorld([x - rect.left, y - rect.top]);
  return [w[0], w[1], w[2]];
}
