/**
 * What the series table's override menu sends to `setAssignment`, and when an override contradicts
 * sequence detection (pure functions).
 */
import { SLOTS, SLOT_NAME, type SeriesRowView, type Slot, type StudyView } from './viewTypes.ts';

/**
 * The overrides after the reader chose `target` for `seriesId` in the series table: the assignment
 * as shown, with the series moved to `target` ("none": its slot becomes missing). "auto" clears
 * every override, so detection decides again.
 */
export function overridesFor(
  study: StudyView,
  seriesId: string,
  target: Slot | 'none' | 'auto',
): Partial<Record<Slot, string | null>> {
  if (target === 'auto') return {};
  const out: Partial<Record<Slot, string | null>> = {};
  for (const slot of SLOTS)
    out[slot] = study.assignment[slot] === seriesId ? null : study.assignment[slot];
  if (target !== 'none') out[target] = seriesId;
  return out;
}

/**
 * Why putting `row` into `target` contradicts sequence detection, or null when it does not (the
 * detected label is that slot, or the series leaves the slots). Shown in a confirmation: forcing
 * a T1 series into the T1ce slot feeds the model the wrong contrast without any error.
 */
export function overrideContradiction(
  row: SeriesRowView,
  target: Slot | 'none' | 'auto',
): string | null {
  if (target === 'none' || target === 'auto' || row.label === target) return null;
  const detected = row.label in SLOT_NAME ? SLOT_NAME[row.label as Slot] : `“${row.label}”`;
  const pct = Math.round(row.confidence * 100);
  return (
    `“${row.description}” was detected as ${detected} (${pct} % confidence), not ${SLOT_NAME[target]}. ` +
    `The model will read it as ${SLOT_NAME[target]}: a wrong contrast gives a wrong segmentation without any error.`
  );
}
