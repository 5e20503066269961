/**
 * The viewer facade (STYLE.md §8): components hand it plain data and DOM elements; all Cornerstone3D
 * objects stay in here. One rendering engine, one tool group, a camera synchroniser for the 2×2
 * grid (same plane: scrolling, zoom and pan move together) and crosshairs for the 1×3 MPR.
 */
import {
  cache,
  Enums,
  RenderingEngine,
  getRenderingEngine,
  setVolumesForViewports,
  type Types,
} from '@cornerstonejs/core';
import {
  CrosshairsTool,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  Enums as ToolEnums,
  synchronizers,
  SynchronizerManager,
} from '@cornerstonejs/tools';
import { ensureCornerstone } from './cornerstoneSetup.ts';
import { MEASUREMENT_TOOLS, MEASUREMENT_TOOL_NAME } from './measurements.ts';
import {
  addTumourSegmentation,
  applyOverlayStyle,
  labelmapChanged,
  removeTumourSegmentation,
  showSegmentation,
  type OverlayStyle,
} from './overlay.ts';
import {
  orientationMarkers,
  presetRange,
  sliceOf,
  windowOf,
  type GridGeometry,
  type WindowPreset,
} from '../lib/viewGeometry.ts';

const ENGINE_ID = 'metakd-engine';
const TOOL_GROUP_ID = 'metakd-tools';
const CAMERA_SYNC_ID = 'metakd-camera-sync';
const SEGMENTATION_ID = 'metakd-tumour';

/** Plane of a tile. */
export type Plane = 'axial' | 'sagittal' | 'coronal';

/** What the primary mouse button does. */
export type PrimaryTool =
  'windowLevel' | 'pan' | 'zoom' | 'crosshairs' | 'pick' | 'brush' | 'length' | 'bidirectional';

/** Receives a brush drag: pointer positions (LPS) with the viewport's view-plane normal. */
export interface BrushListener {
  /** A primary-button drag started (`first`) or moved over a viewport. */
  move(world: [number, number, number], normal: [number, number, number], first: boolean): void;
  /** The button was released: the stroke is complete. */
  end(): void;
}

/** One tile to show: a DOM element and the volume in it (null tiles are not handed over). */
export interface TileSpec {
  readonly viewportId: string;
  readonly element: HTMLDivElement;
  readonly volumeId: string;
  readonly plane: Plane;
  /** The volume's grid: the slice counter counts this series' own slices. */
  readonly geometry: GridGeometry;
}

/** What a viewport's corner texts show: slice of its own series, window, orientation letters. */
export interface ViewInfo {
  /** The volume shown (info of a previous volume is not shown over a new one). */
  readonly volumeId: string;
  readonly slice: { readonly index: number; readonly count: number; readonly inside: boolean };
  readonly window: { readonly width: number; readonly level: number } | null;
  readonly markers: { top: string; bottom: string; left: string; right: string };
}

/** Delay of the last redraw after a layout change (ms). */
const REDRAW_DELAY_MS = 120;

/** Pointer events a brush drag listens to. */
const BRUSH_EVENTS = ['pointerdown', 'pointermove', 'pointerup', 'pointercancel'] as const;

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
  #pickListener: ((world: [number, number, number], viewportId: string) => void) | null = null;
  readonly #pickHandlers = new Map<HTMLDivElement, (e: MouseEvent) => void>();
  #brushListener: BrushListener | null = null;
  readonly #brushHandlers = new Map<HTMLDivElement, (e: PointerEvent) => void>();
  readonly #cameraHandlers = new Map<HTMLDivElement, () => void>();
  #viewListener: ((viewportId: string, info: ViewInfo) => void) | null = null;
  /** setTiles calls run one after another: overlapping ones left a pane black (issue 11). */
  #tilesQueue: Promise<void> = Promise.resolve();
  #firstRender: (() => void) | null = null;
  /** Called after each layout change is on screen (the preparation check re-attaches). */
  #tilesSet: (() => void) | null = null;

  private constructor(engine: RenderingEngine) {
    this.#engine = engine;
  }

  /** Starts Cornerstone (once) and makes the rendering engine and tool group. */
  static async create(): Promise<ReviewViewer> {
    await ensureCornerstone();
    getRenderingEngine(ENGINE_ID)?.destroy();
    const engine = new RenderingEngine(ENGINE_ID);
    ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
    const group = ToolGroupManager.createToolGroup(TOOL_GROUP_ID);
    if (!group) throw new Error('Could not create the viewer tool group.');
    for (const t of [WindowLevelTool, PanTool, StackScrollTool]) group.addTool(t.toolName);
    // Zoom about the pointer (right drag, Ctrl+wheel), as OHIF and Slicer do.
    group.addTool(ZoomTool.toolName, { zoomToCenter: false });
    for (const t of MEASUREMENT_TOOLS) group.addTool(t.toolName);
    group.addTool(CrosshairsTool.toolName, {
      getReferenceLineColor: () => 'rgb(255, 255, 255)',
      getReferenceLineControllable: () => true,
      getReferenceLineDraggableRotatable: () => false,
      getReferenceLineSlabThicknessControlsOn: () => false,
    });
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
    const kept = new Map<string, Types.ICamera>();
    // The window too: a pane's W/L survives another series loading (the viewports are remade).
    const keptWindow = new Map<string, { lower: number; upper: number }>();
    for (const t of tiles) {
      const old = this.#tiles.find(
        (o) =>
          o.viewportId === t.viewportId && o.element === t.element && o.volumeId === t.volumeId,
      );
      const vp = old && this.#engine.getViewport(t.viewportId);
      if (vp) kept.set(t.viewportId, vp.getCamera());
      const voi = (vp as Types.IVolumeViewport | undefined)?.getProperties()?.voiRange;
      if (voi) keptWindow.set(t.viewportId, { lower: voi.lower, upper: voi.upper });
    }
    this.#detachPick();
    this.#detachBrush();
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
    for (const t of tiles) this.#setDefaultWindow(t, keptWindow.get(t.viewportId));
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
    const { MouseBindings } = ToolEnums;
    for (const name of [
      WindowLevelTool,
      PanTool,
      ZoomTool,
      CrosshairsTool,
      ...MEASUREMENT_TOOLS,
    ].map((t) => t.toolName)) {
      group.setToolPassive(name);
    }
    const primaryName: Record<Exclude<PrimaryTool, 'pick' | 'brush'>, string> = {
      windowLevel: WindowLevelTool.toolName,
      pan: PanTool.toolName,
      zoom: ZoomTool.toolName,
      crosshairs: CrosshairsTool.toolName,
      length: MEASUREMENT_TOOL_NAME.length,
      bidirectional: MEASUREMENT_TOOL_NAME.bidirectional,
    };
    const bindings = (button: number) => ({ bindings: [{ mouseButton: button }] });
    const ctrlWheel = {
      mouseButton: MouseBindings.Wheel,
      modifierKey: ToolEnums.KeyboardBindings.Ctrl,
    };
    if (tool !== 'pick' && tool !== 'brush' && tool !== 'zoom') {
      group.setToolActive(primaryName[tool], bindings(MouseBindings.Primary));
    }
    if (tool !== 'pan') group.setToolActive(PanTool.toolName, bindings(MouseBindings.Auxiliary));
    group.setToolActive(ZoomTool.toolName, {
      bindings: [
        ...(tool === 'zoom' ? [{ mouseButton: MouseBindings.Primary }] : []),
        { mouseButton: MouseBindings.Secondary },
        ctrlWheel,
      ],
    });
    group.setToolActive(StackScrollTool.toolName, bindings(MouseBindings.Wheel));
    if (tool === 'pick') this.#attachPick();
    else this.#detachPick();
    if (tool === 'brush') this.#attachBrush();
    else this.#detachBrush();
  }

  /** Called with the positions of a primary-button drag while the brush is active. */
  onBrush(listener: BrushListener | null): void {
    this.#brushListener = listener;
  }

  #attachBrush(): void {
    this.#detachBrush();
    for (const t of this.#tiles) {
      let dragging = false;
      const handler = (e: PointerEvent) => {
        const listener = this.#brushListener;
        if (e.type === 'pointerdown') {
          if (e.button !== 0 || !listener) return;
          dragging = true;
          t.element.setPointerCapture(e.pointerId);
        } else if (!dragging || !listener) {
          return;
        }
        if (e.type === 'pointerup' || e.type === 'pointercancel') {
          dragging = false;
          listener.end();
          return;
        }
        const vp = this.#engine.getViewport(t.viewportId);
        const rect = t.element.getBoundingClientRect();
        const w = vp.canvasToWorld([e.clientX - rect.left, e.clientY - rect.top]);
        const n = vp.getCamera().viewPlaneNormal ?? [0, 0, 1];
        listener.move([w[0], w[1], w[2]], [n[0], n[1], n[2]], e.type === 'pointerdown');
      };
      for (const type of BRUSH_EVENTS) t.element.addEventListener(type, handler);
      this.#brushHandlers.set(t.element, handler);
    }
  }

  #detachBrush(): void {
    for (const [el, h] of this.#brushHandlers) {
      for (const type of BRUSH_EVENTS) el.removeEventListener(type, h);
    }
    this.#brushHandlers.clear();
  }

  /** Called with the LPS point under a primary click while the pick tool is active. */
  onPick(listener: ((world: [number, number, number], viewportId: string) => void) | null): void {
    this.#pickListener = listener;
  }

  #attachPick(): void {
    this.#detachPick();
    for (const t of this.#tiles) {
      const handler = (e: MouseEvent) => {
        if (e.button !== 0 || !this.#pickListener) return;
        const vp = this.#engine.getViewport(t.viewportId);
        const rect = t.element.getBoundingClientRect();
        const w = vp.canvasToWorld([e.clientX - rect.left, e.clientY - rect.top]);
        this.#pickListener([w[0], w[1], w[2]], t.viewportId);
      };
      t.element.addEventListener('click', handler);
      this.#pickHandlers.set(t.element, handler);
    }
  }

  #detachPick(): void {
    for (const [el, h] of this.#pickHandlers) el.removeEventListener('click', h);
    this.#pickHandlers.clear();
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
    const vp = this.#engine.getViewport(viewportId) as Types.IVolumeViewport | undefined;
    if (!tile || !vp) return null;
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

  /** Sets the window of every tile showing `volumeId`s (or all tiles) to a preset. */
  applyWindowPreset(preset: WindowPreset): void {
    const ranges = new Map<string, { lower: number; upper: number }>();
    for (const t of this.#tiles) {
      let range = ranges.get(t.volumeId);
      if (!range) {
        const vol = cache.getVolume(t.volumeId);
        const data = vol?.voxelManager?.getCompleteScalarDataArray?.() as
          ArrayLike<number> | undefined;
        if (!data) continue;
        range = presetRange(data, preset);
        ranges.set(t.volumeId, range);
      }
      const vp = this.#engine.getViewport(t.viewportId) as Types.IVolumeViewport | undefined;
      vp?.setProperties({ voiRange: range });
    }
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
      if (tile) this.#setDefaultWindow(tile);
    }
    if (centre) this.jumpTo(centre);
    this.#engine.renderViewports(this.viewportIds);
  }

  /**
   * Sets a tile's window to `range`, else to the series' suggested window (the api's robust
   * percentile window, kept in the volume's metadata). Cornerstone ignores that metadata for a
   * local volume and showed 0–1024 (W 1024 L 512) after import and after a reset.
   */
  #setDefaultWindow(tile: TileSpec, range?: { lower: number; upper: number }): void {
    const vp = this.#engine.getViewport(tile.viewportId) as Types.IVolumeViewport | undefined;
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

  /** Moves every viewport to show the LPS point (centres the slice on it). */
  jumpTo(world: readonly [number, number, number]): void {
    for (const id of this.viewportIds) {
      const vp = this.#engine.getViewport(id) as Types.IVolumeViewport | undefined;
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
    this.#engine.renderViewports(this.viewportIds);
  }

  /** Page coordinates (CSS px) of an LPS point in a viewport: lets tests read overlay pixels. */
  worldToPage(
    viewportId: string,
    world: readonly [number, number, number],
  ): [number, number] | null {
    const tile = this.#tiles.find((t) => t.viewportId === viewportId);
    if (!tile) return null;
    const c = this.#engine.getViewport(viewportId).worldToCanvas([world[0], world[1], world[2]]);
    const rect = tile.element.getBoundingClientRect();
    return [rect.left + c[0], rect.top + c[1]];
  }

  /** The LPS point under page coordinates (CSS px) in a viewport: the inverse of worldToPage. */
  pageToWorld(viewportId: string, x: number, y: number): [number, number, number] | null {
    const tile = this.#tiles.find((t) => t.viewportId === viewportId);
    if (!tile) return null;
    const rect = tile.element.getBoundingClientRect();
    const w = this.#engine.getViewport(viewportId).canvasToWorld([x - rect.left, y - rect.top]);
    return [w[0], w[1], w[2]];
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
    this.#detachPick();
    this.#detachBrush();
    removeTumourSegmentation(SEGMENTATION_ID);
    SynchronizerManager.destroySynchronizer(CAMERA_SYNC_ID);
    ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
    this.#engine.destroy();
  }
}
