/**
 * Sequence detection: classify series as T1 / T1ce / T2 / FLAIR / other with a confidence and
 * reasons, and assign series to the four model slots.
 */
export { classifySeries, decideSeries, RULES, type SeriesDecision } from './classifySeries.ts';
export {
  classifyStudy,
  decideStudy,
  acquisitionOrder,
  compareAcquisition,
  parseDicomTime,
} from './classifyStudy.ts';
export {
  assignSlots,
  type SlotAssignmentResult,
  type SlotCandidate,
  type SlotOverrides,
  type SlotTie,
} from './assignSlots.ts';
export { tokenize } from './tokenize.ts';
export type { Evidence, Family, Vote } from './evidence.ts';
