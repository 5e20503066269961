/**
 * The viewer facade (STYLE.md §8): components hand it plain data and DOM elements; all Cornerstone3D
 * objects stay in here. One rendering engine, one tool group, a camera synchroniser for the 2×2
 * grid (same plane: scrolling, zoom and pan move together) and crosshairs for the 1×3 MPR.
 */
import {
  Enums,
  RenderingEngine,
  getRenderingEngine,
  setVolumesForViewports,
  type Types,
} from '@cornerstonejs/core';
import { ToolGroupManager, synchronizers, SynchronizerManager } from '@cornerstonejs/tools';
import { ensureCornerstone } from './cornerstoneSetup.ts';
import {
  addTumourSegmentation,
  applyOverlayStyle,
  labelmapChanged,
  removeTumourSegmentation,
  showSegmentation,
  type OverlayStyle,
} from './overlay.ts';
import { PointerInput } from './pointerInput.ts';
import { bindPrimaryTool, createViewerToolGroup } from './toolBindings.ts';
import * as viewState from './viewState.ts';
import type { WindowPreset } from '../lib/viewGeometry.ts';
import type { BrushListener, Plane, PrimaryTool, TileSpec, ViewInfo } from './viewerTypes.ts';

export type { BrushListener, Plane, PrimaryTool, TileSpec, ViewInfo } from './viewerTypes.ts';

const ENGINE_ID = 'metakd-engine';
const TOOL_GROUP_ID = 'metakd-tools';
const CAMERA_SYNC_ID = 'metakd-camera-sync';
const SEGMENTATION_ID = 'metakd-tumour';

/** Delay of the last redraw after a layout change (ms). */
const REDRAW_DELAY_MS = 120;

const ORIENTATION: Readonly<Record<Plane, Enums.OrientationAxis>> = {
  axial: Enums.OrientationAxis.AXIAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
  coronal: Enums.OrientationAxis.CORONAL,
};

/** The review viewer. Create with `ReviewViewer.create()`; `destroy()` on teardown. */
export class ReviewViewer {
  readonly #engine: RenderingEngine;
  #tiles: readonly TileSpec[] = [];
  #labelmapVolumeId: string | null = null;
  #overlay: OverlayStyle = { visible: true, opacity: 0.5, outlineOnly: false, labels: {} };
  #primary: PrimaryTool = 'windowLevel';
  /** Pick and brush: the viewer's own pointer tools. */
  readonly #pointer: PointerInput;
  readonly #cameraHandlers = new Map<HTMLDivElement, () => void>();
  #viewListener: ((viewportId: string, info: ViewInfo) => void) | null = null;
  /** setTiles calls run one after another: overlapping ones left a pane black (issue 11). */
  #tilesQueue: Promise<void> = Promise.resolve();
  #firstRender: (() => void) | null = null;
  /** Called after each layout change is on screen (the preparation check re-attaches). */
  #tilesSet: (() => void) | null = null;

  private constructor(engine: RenderingEngine) {
    this.#engine = engine;
    this.#pointer = new PointerInput(engine);
  }

  /** Starts Cornerstone (once) and makes the rendering engine and tool group. */
  static async create(): Promise<ReviewViewer> {
    await ensureCornerstone();
    getRenderingEngine(ENGINE_ID)?.destroy();
    const engine = new RenderingEngine(ENGINE_ID);
    createViewerToolGroup(TOOL_GROUP_ID);
    return new ReviewViewer(engine);
  }

  /** Viewport ids currently shown. */
  get viewportIds(): string[] {
    return this.#tiles.map((t) => t.viewportId);
  }

  /**
   * Shows `tiles` (replacing the previous layout) and re-attaches overlay and tools. Calls are
   * queued: each layout is complete before the next starts. Tiles whose element and volume are
   * unchanged keep their camera (slice, zoom, pan).
   */
  setTiles(tiles: readonly TileSpec[]): Promise<void> {
    const next = this.#tilesQueue.then(() => this.#setTilesNow(tiles));
    this.#tilesQueue = next.catch(() => undefined);
    return next;
  }

  async #setTilesNow(tiles: readonly TileSpec[]): Promise<void> {
    const { kept, keptWindow } = viewState.keptViews(this.#engine, this.#tiles, tiles);
    this.#pointer.detachPick();
    this.#pointer.detachBrush();
    const group = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
    for (const t of this.#tiles) group?.removeViewports(ENGINE_ID, t.viewportId);
    SynchronizerManager.destroySynchronizer(CAMERA_SYNC_ID);
    this.#tiles = tiles;
    this.#engine.setViewports(
      tiles.map((t) => ({
        viewportId: t.viewportId,
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element: t.element,
        defaultOptions: {
          orientation: ORIENTATION[t.plane],
          background: [0, 0, 0] as Types.Point3,
        },
      })),
    );
    await Promise.all(
      tiles.map((t) =>
        setVolumesForViewports(this.#engine, [{ volumeId: t.volumeId }], [t.viewportId]),
      ),
    );
    for (const t of tiles) group?.addViewport(t.viewportId, ENGINE_ID);
    for (const [id, camera] of kept) this.#engine.getViewport(id)?.setCamera(camera);
    for (const t of tiles)
      viewState.setDefaultWindow(this.#engine, t, keptWindow.get(t.viewportId));
    this.#watchCameras();
    const samePlane = new Set(tiles.map((t) => t.plane)).size === 1;
    if (samePlane && tiles.length > 1) {
      const sync = synchronizers.createCameraPositionSynchronizer(CAMERA_SYNC_ID);
      for (const t of tiles) sync.add({ renderingEngineId: ENGINE_ID, viewportId: t.viewportId });
    }
    if (this.#labelmapVolumeId) await showSegmentation(SEGMENTATION_ID, this.viewportIds);
    this.setPrimaryTool(
      this.#primary === 'crosshairs' && samePlane ? 'windowLevel' : this.#primary,
    );
    this.#applyOverlay();
    this.#engine.renderViewports(this.viewportIds);
    // A volume first set on a viewport is drawn black until a later render (its texture is
    // uploaded by the first one): the last pane to load stayed black "until touched" (issue 11).
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    this.#engine.renderViewports(this.viewportIds);
    await new Promise<void>((resolve) => setTimeout(resolve, REDRAW_DELAY_MS));
    this.#engine.renderViewports(this.viewportIds);
    this.#tilesSet?.();
  }

  /** Called after every layout change (setTiles) is on screen. */
  onTilesSet(listener: (() => void) | null): void {
    this.#tilesSet = listener;
  }

  /** Viewports showing `volumeId`, with their elements (the preparation check draws over them). */
  tilesShowing(volumeId: string): { viewportId: string; element: HTMLDivElement }[] {
    return this.#tiles
      .filter((t) => t.volumeId === volumeId)
      .map((t) => ({ viewportId: t.viewportId, element: t.element }));
  }

  /** Canvas point (CSS px from the element's top left) → LPS world, or null. */
  canvasToWorld(viewportId: string, x: number, y: number): [number, number, number] | null {
    if (!this.#tiles.some((t) => t.viewportId === viewportId)) return null;
    const w = this.#engine.getViewport(viewportId)?.canvasToWorld([x, y]);
    return w ? [w[0], w[1], w[2]] : null;
  }

  /** Shows a labelmap volume (already in the cache) as the tumour overlay on every tile. */
  async setLabelmap(labelmapVolumeId: string | null): Promise<void> {
    removeTumourSegmentation(SEGMENTATION_ID);
    this.#labelmapVolumeId = labelmapVolumeId;
    if (!labelmapVolumeId) {
      this.#engine.renderViewports(this.viewportIds);
      return;
    }
    addTumourSegmentation(SEGMENTATION_ID, labelmapVolumeId);
    await showSegmentation(SEGMENTATION_ID, this.viewportIds);
    this.#applyOverlay();
    this.#engine.renderViewports(this.viewportIds);
  }

  /** The labelmap volume id on screen (the brush paints its preview there). */
  get labelmapVolumeId(): string | null {
    return this.#labelmapVolumeId;
  }

  /** Re-renders after the labelmap voxels were replaced in place. */
  labelmapEdited(): void {
    labelmapChanged(SEGMENTATION_ID);
    this.#engine.renderViewports(this.viewportIds);
  }

  /** Changes visibility, opacity, outline mode and per-label visibility of the overlay. */
  setOverlayStyle(style: OverlayStyle): void {
    this.#overlay = style;
    this.#applyOverlay();
    this.#engine.renderViewports(this.viewportIds);
  }

  #applyOverlay(): void {
    if (!this.#labelmapVolumeId) return;
    applyOverlayStyle(SEGMENTATION_ID, this.viewportIds, this.#overlay);
  }

  /** Binds the primary button; middle pans, right zooms, the wheel scrolls slices — always. */
  setPrimaryTool(tool: PrimaryTool): void {
    const group = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
    if (!group) return;
    this.#primary = tool;
    bindPrimaryTool(group, tool);
    if (tool === 'pick') this.#pointer.attachPick(this.#tiles);
    else this.#pointer.detachPick();
    if (tool === 'brush') this.#pointer.attachBrush(this.#tiles);
    else this.#pointer.detachBrush();
  }

  /** Called with the positions of a primary-button drag while the brush is active. */
  onBrush(listener: BrushListener | null): void {
    this.#pointer.onBrush(listener);
  }

  /** Called with the LPS point under a primary click while the pick tool is active. */
  onPick(listener: ((world: [number, number, number], viewportId: string) => void) | null): void {
    this.#pointer.onPick(listener);
  }

  /** Called with a viewport's slice, window and orientation whenever its view changes. */
  onViewChange(listener: ((viewportId: string, info: ViewInfo) => void) | null): void {
    this.#viewListener = listener;
  }

  /** Resolves when any tile has rendered an image (first-image timing, benchmarks). */
  onFirstRender(listener: () => void): void {
    this.#firstRender = listener;
  }

  #watchCameras(): void {
    for (const [el, h] of this.#cameraHandlers) {
      el.removeEventListener(Enums.Events.CAMERA_MODIFIED, h);
      el.removeEventListener(Enums.Events.IMAGE_RENDERED, h);
      el.removeEventListener(Enums.Events.VOI_MODIFIED, h);
    }
    this.#cameraHandlers.clear();
    for (const t of this.#tiles) {
      const handler = () => {
        if (this.#firstRender) {
          const f = this.#firstRender;
          this.#firstRender = null;
          f();
        }
        const info = this.viewInfo(t.viewportId);
        if (info) this.#viewListener?.(t.viewportId, info);
      };
      t.element.addEventListener(Enums.Events.CAMERA_MODIFIED, handler);
      t.element.addEventListener(Enums.Events.IMAGE_RENDERED, handler);
      t.element.addEventListener(Enums.Events.VOI_MODIFIED, handler);
      this.#cameraHandlers.set(t.element, handler);
    }
  }

  /** Scrolls the given viewport (and, through the sync, its partners) by `delta` slices. */
  scroll(viewportId: string, delta: number): void {
    const vp = this.#engine.getViewport(viewportId) as Types.IVolumeViewport | undefined;
    if (!vp) return;
    vp.scroll(delta);
  }

  /**
   * Slice, window and orientation of a viewport. The slice is counted in the tile's own series
   * (its grid), not Cornerstone's, which counted the synchronised partners' slices (issue 11:
   * "slice 21/40" on a 26-slice series).
   */
  viewInfo(viewportId: string): ViewInfo | null {
    const tile = this.#tiles.find((t) => t.viewportId === viewportId);
    return tile ? viewState.viewInfoOf(this.#engine, tile) : null;
  }

  /** Sets the window of every tile to a preset. */
  applyWindowPreset(preset: WindowPreset): void {
    viewState.applyWindowPreset(this.#engine, this.#tiles, preset);
    this.#engine.renderViewports(this.viewportIds);
  }

  /** Sets a numeric window (width, level) on one viewport. */
  setWindow(viewportId: string, width: number, level: number): void {
    const vp = this.#engine.getViewport(viewportId) as Types.IVolumeViewport | undefined;
    if (!vp || !(width > 0)) return;
    vp.setProperties({ voiRange: { lower: level - width / 2, upper: level + width / 2 } });
    vp.render();
  }

  /** Resets zoom, pan and window of every tile (the slice goes to `centre` when given). */
  resetView(centre?: readonly [number, number, number]): void {
    for (const id of this.viewportIds) {
      const vp = this.#engine.getViewport(id) as Types.IVolumeViewport | undefined;
      vp?.resetCamera();
      vp?.resetProperties();
      const tile = this.#tiles.find((t) => t.viewportId === id);
      if (tile) viewState.setDefaultWindow(this.#engine, tile);
    }
    if (centre) this.jumpTo(centre);
    this.#engine.renderViewports(this.viewportIds);
  }

  /** Moves every viewport to show the LPS point (centres the slice on it). */
  jumpTo(world: readonly [number, number, number]): void {
    viewState.jumpTo(this.#engine, this.viewportIds, world);
    this.#engine.renderViewports(this.viewportIds);
  }

  /** Page coordinates (CSS px) of an LPS point in a viewport: lets tests read overlay pixels. */
  worldToPage(
    viewportId: string,
    world: readonly [number, number, number],
  ): [number, number] | null {
    const tile = this.#tiles.find((t) => t.viewportId === viewportId);
    return tile ? viewState.worldToPage(this.#engine, tile, world) : null;
  }

  /** The LPS point under page coordinates (CSS px) in a viewport: the inverse of worldToPage. */
  pageToWorld(viewportId: string, x: number, y: number): [number, number, number] | null {
    const tile = this.#tiles.find((t) => t.viewportId === viewportId);
    return tile ? viewState.pageToWorld(this.#engine, tile, x, y) : null;
  }

  /** Redraws every tile (after annotations changed). */
  render(): void {
    this.#engine.renderViewports(this.viewportIds);
  }

  /** Re-fits the canvases after the layout changed size, keeping each camera (slice, zoom). */
  resize(): void {
    this.#engine.resize(true, true);
  }

  /** Frees the engine, the tool group and the synchroniser. */
  destroy(): void {
    this.#pointer.detachPick();
    this.#pointer.detachBrush();
    removeTumourSegmentation(SEGMENTATION_ID);
    SynchronizerManager.destroySynchronizer(CAMERA_SYNC_ID);
    ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
    this.#engine.destroy();
  }
}
