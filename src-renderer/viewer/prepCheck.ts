/**
 * The preparation check's layer over the reference pane (issue 10): a transparent 2-D canvas on
 * top of each viewport that shows the reference series, redrawn after every Cornerstone render
 * (slice scroll, zoom, pan, window, layout), with the pixels lib/checkRaster.ts computes from the
 * viewport's canvas → world mapping. Drawing beside Cornerstone rather than through extra volume
 * actors leaves the tumour overlay, the tools and the camera sync untouched.
 */
import { Enums } from '@cornerstonejs/core';
import type { ReviewViewer } from './ReviewViewer.ts';
import {
  checkerTiles,
  outlineOf,
  paintCheck,
  sampleMaskSlice,
  sampleVolumeSlice,
  type CheckGrid,
  type ScreenMap,
} from '../lib/checkRaster.ts';

/** What the layer shows. */
export interface CheckLayers {
  /** The brain mask on the reference grid, or null (outline off). */
  readonly mask: { readonly grid: CheckGrid; readonly data: Uint8Array } | null;
  /** A co-registered series on the reference grid, or null (registration check off). */
  readonly series: {
    readonly grid: CheckGrid;
    readonly data: Float32Array;
    readonly window: { readonly center: number; readonly width: number };
  } | null;
  /** Checkerboard tile size (mm), or null: the series covers the pane (a flicker frame). */
  readonly tileMm: number | null;
  /** False: the series is not drawn now (flicker's reference frame). */
  readonly showSeries: boolean;
}

interface Attached {
  readonly viewportId: string;
  readonly canvas: HTMLCanvasElement;
  readonly onRender: () => void;
}

/** The layer; `set` what to show on which volume's panes, `destroy` on teardown. */
export class PrepCheckOverlay {
  readonly #viewer: ReviewViewer;
  #volumeId: string | null = null;
  #layers: CheckLayers | null = null;
  readonly #attached = new Map<HTMLDivElement, Attached>();

  constructor(viewer: ReviewViewer) {
    this.#viewer = viewer;
  }

  /** Shows `layers` over every pane that shows `volumeId` (null: remove the layer). */
  set(volumeId: string | null, layers: CheckLayers | null): void {
    this.#volumeId = volumeId;
    this.#layers = layers && (layers.mask || layers.series) ? layers : null;
    this.refresh();
  }

  /** Re-attaches to the panes now on screen (after a layout change) and redraws. */
  refresh(): void {
    const want = this.#volumeId && this.#layers ? this.#viewer.tilesShowing(this.#volumeId) : [];
    for (const [el, a] of this.#attached) {
      const keep = want.some((w) => w.element === el && w.viewportId === a.viewportId);
      if (!keep) this.#detach(el, a);
    }
    for (const w of want) {
      if (!this.#attached.has(w.element)) this.#attach(w.viewportId, w.element);
    }
    for (const [el, a] of this.#attached) this.#draw(el, a);
  }

  /** Removes every canvas and listener. */
  destroy(): void {
    for (const [el, a] of this.#attached) this.#detach(el, a);
  }

  #attach(viewportId: string, element: HTMLDivElement): void {
    const canvas = document.createElement('canvas');
    canvas.dataset.testid = 'prep-check-layer';
    canvas.dataset.viewport = viewportId;
    Object.assign(canvas.style, {
      position: 'absolute',
      inset: '0',
      width: '100%',
      height: '100%',
      pointerEvents: 'none',
      zIndex: '1',
    });
    element.appendChild(canvas);
    const a: Attached = { viewportId, canvas, onRender: () => this.#draw(element, a) };
    element.addEventListener(Enums.Events.IMAGE_RENDERED, a.onRender);
    this.#attached.set(element, a);
  }

  #detach(element: HTMLDivElement, a: Attached): void {
    element.removeEventListener(Enums.Events.IMAGE_RENDERED, a.onRender);
    a.canvas.remove();
    this.#attached.delete(element);
  }

  #draw(element: HTMLDivElement, a: Attached): void {
    const layers = this.#layers;
    const width = element.clientWidth;
    const height = element.clientHeight;
    if (!layers || width < 2 || height < 2) return;
    // Cornerstone may rebuild the element's children on a layout change: stay on top.
    if (a.canvas.parentElement !== element || element.lastElementChild !== a.canvas) {
      element.appendChild(a.canvas);
    }
    if (a.canvas.width !== width) a.canvas.width = width;
    if (a.canvas.height !== height) a.canvas.height = height;
    const o = this.#viewer.canvasToWorld(a.viewportId, 0, 0);
    const ox = this.#viewer.canvasToWorld(a.viewportId, 1, 0);
    const oy = this.#viewer.canvasToWorld(a.viewportId, 0, 1);
    const ctx = a.canvas.getContext('2d');
    if (!o || !ox || !oy || !ctx) return;
    const s: ScreenMap = {
      width,
      height,
      origin: o,
      dx: [ox[0] - o[0], ox[1] - o[1], ox[2] - o[2]],
      dy: [oy[0] - o[0], oy[1] - o[1], oy[2] - o[2]],
    };
    const outline = layers.mask
      ? outlineOf(sampleMaskSlice(layers.mask.data, layers.mask.grid, s), width, height)
      : null;
    const series = layers.series && layers.showSeries ? layers.series : null;
    const pixels = paintCheck({
      width,
      height,
      outline,
      registered: series ? sampleVolumeSlice(series.data, series.grid, s) : null,
      window: series?.window ?? { center: 0.5, width: 1 },
      tiles: series && layers.tileMm ? checkerTiles(s, layers.tileMm) : null,
    });
    ctx.putImageData(new ImageData(pixels, width, height), 0, 0);
  }
}
