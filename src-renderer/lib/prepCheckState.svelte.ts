/**
 * What the reader chose to see of the preparation check (issue 10): the brain-mask outline and
 * the registration check (checkerboard or flicker against one co-registered series). Shared by the
 * controls in the result panel and the layer over the reference pane; both checks are off by
 * default and reset whenever another job or session comes on screen.
 */
import type { PreparationCheckView } from './preparationView.ts';

/** Registration check mode. */
export type CheckMode = 'off' | 'checkerboard' | 'flicker';

/** Checkerboard tile sizes offered (mm). */
export const TILE_SIZES_MM: readonly number[] = [5, 10, 20, 40];
/** Flicker: each image stays this long (about 1 Hz for a full reference → series → reference cycle). */
export const FLICKER_HALF_PERIOD_MS = 500;

/** Where the check's volumes come from: a stored session, else the finished job. */
export type CheckSource = { readonly sessionId: string } | { readonly jobId: string };

/** The check's state. */
export class PrepCheckState {
  /** The job or session the check is about, and what it offers (null: nothing to check). */
  info = $state.raw<PreparationCheckView | null>(null);
  source = $state.raw<CheckSource | null>(null);
  showBrainMask = $state(false);
  mode = $state<CheckMode>('off');
  /** The co-registered series compared with the reference. */
  slot = $state<string | null>(null);
  tileMm = $state(20);
  paused = $state(false);
  /** Flicker frame: false shows the reference, true the co-registered series. */
  showingSeries = $state(false);
  /** Why a check volume could not be loaded (shown in the controls), or null. */
  error = $state<string | null>(null);

  /** A new job / session on screen: checks off, first co-registered series chosen. */
  reset(source: CheckSource | null, info: PreparationCheckView | null): void {
    this.source = source;
    this.info = info;
    this.showBrainMask = false;
    this.mode = 'off';
    this.slot = info?.checkSlots[0] ?? null;
    this.paused = false;
    this.showingSeries = false;
    this.error = null;
  }
}

/** The one instance (one viewer per window). */
export const prepCheck = new PrepCheckState();
