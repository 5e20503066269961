/**
 * Dragging a series from the series browser (pure functions): onto a pane it is only viewed, onto
 * a sequence slot it becomes that slot's model input — the same request as choosing the slot in
 * the series' override menu (AppState.overrideSeries), confirmation and staleness included.
 */
import type { Slot, StudyView } from './viewTypes.ts';

/** Drag data type of a series dragged from the series browser. */
export const SERIES_DRAG = 'application/x-metakd-series';

/** True when a drag carries a series from the series browser (not a file from the desktop). */
export function carriesSeries(types: readonly string[] | null | undefined): boolean {
  return !!types && types.includes(SERIES_DRAG);
}

/**
 * The override a series dropped on `slot` asks for: `slot`, or null when the drop changes
 * nothing (the series is not in the study, or already fills that slot — no request, no
 * confirmation, the result does not turn stale).
 */
export function slotDropTarget(study: StudyView, seriesId: string, slot: Slot): Slot | null {
  if (!study.series.some((s) => s.id === seriesId)) return null;
  return study.assignment[slot] === seriesId ? null : slot;
}
