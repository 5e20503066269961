/**
 * Plain data the viewer facade (ReviewViewer.ts) exchanges with components: planes, tools, tiles and
 * corner-text info. No Cornerstone objects here; ReviewViewer.ts re-exports these types.
 */
import type { GridGeometry } from '../lib/viewGeometry.ts';

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
