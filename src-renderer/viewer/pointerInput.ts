/**
 * The viewer's own pointer tools, outside Cornerstone's tool group: pick (a primary click hands
 * the LPS point under it to a listener) and brush (a primary-button drag hands pointer positions
 * with the view-plane normal to a BrushListener). ReviewViewer attaches them to the current tiles
 * and detaches them before a layout change.
 */
import type { RenderingEngine } from '@cornerstonejs/core';
import type { BrushListener, TileSpec } from './viewerTypes.ts';

/** Pointer events a brush drag listens to. */
const BRUSH_EVENTS = ['pointerdown', 'pointermove', 'pointerup', 'pointercancel'] as const;

/** Pick and brush listeners and the DOM handlers that feed them. */
export class PointerInput {
  readonly #engine: RenderingEngine;
  #pickListener: ((world: [number, number, number], viewportId: string) => void) | null = null;
  readonly #pickHandlers = new Map<HTMLDivElement, (e: MouseEvent) => void>();
  #brushListener: BrushListener | null = null;
  readonly #brushHandlers = new Map<HTMLDivElement, (e: PointerEvent) => void>();

  constructor(engine: RenderingEngine) {
    this.#engine = engine;
  }

  /** Called with the positions of a primary-button drag while the brush is active. */
  onBrush(listener: BrushListener | null): void {
    this.#brushListener = listener;
  }

  attachBrush(tiles: readonly TileSpec[]): void {
    this.detachBrush();
    for (const t of tiles) {
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

  detachBrush(): void {
    for (const [el, h] of this.#brushHandlers) {
      for (const type of BRUSH_EVENTS) el.removeEventListener(type, h);
    }
    this.#brushHandlers.clear();
  }

  /** Called with the LPS point under a primary click while the pick tool is active. */
  onPick(listener: ((world: [number, number, number], viewportId: string) => void) | null): void {
    this.#pickListener = listener;
  }

  attachPick(tiles: readonly TileSpec[]): void {
    this.detachPick();
    for (const t of tiles) {
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

  detachPick(): void {
    for (const [el, h] of this.#pickHandlers) el.removeEventListener('click', h);
    this.#pickHandlers.clear();
  }
}
