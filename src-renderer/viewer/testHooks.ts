/**
 * A read-only window onto the viewer for end-to-end tests and benchmarks: where an LPS point lands
 * on the page (to read overlay pixels there) and when the first image was rendered.
 */
import type { ReviewViewer } from './ReviewViewer.ts';

/** What `window.__metakdViewer` offers. */
export interface ViewerHooks {
  /** Page coordinates (CSS px) of an LPS point in a viewport, or null. */
  worldToPage(viewportId: string, world: [number, number, number]): [number, number] | null;
  /** The LPS point under page coordinates (CSS px) in a viewport, or null. */
  pageToWorld(viewportId: string, x: number, y: number): [number, number, number] | null;
  /** Moves every viewport to the slice through the LPS point. */
  jumpTo(world: [number, number, number]): void;
  /** Viewport ids shown. */
  viewportIds(): string[];
  /** performance.now() of the first rendered image, or null. */
  firstRenderAt: number | null;
}

declare global {
  interface Window {
    __metakdViewer?: ViewerHooks;
  }
}

/** Publishes the hooks for `viewer`. */
export function exposeViewerHooks(viewer: ReviewViewer): void {
  const hooks: ViewerHooks = {
    worldToPage: (id, w) => viewer.worldToPage(id, w),
    pageToWorld: (id, x, y) => viewer.pageToWorld(id, x, y),
    jumpTo: (w) => viewer.jumpTo(w),
    viewportIds: () => viewer.viewportIds,
    firstRenderAt: null,
  };
  viewer.onFirstRender(() => (hooks.firstRenderAt = performance.now()));
  window.__metakdViewer = hooks;
}
