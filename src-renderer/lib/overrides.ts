/**
 * What the series table's override menu sends to `setAssignment` (pure function).
 */
import { SLOTS, type Slot, type StudyView } from './viewTypes.ts';

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
