/**
 * Maps the engine's segmentation result to the results panel's view (volumes, contributions,
 * importance, expected accuracy, model, warnings).
 */
import type { ResultView } from './viewTypes.ts';

/** Builds the results view of a finished job. */
export function toResultView(jobId: string): ResultView {
  throw new Error(`No result for job ${jobId}: the segmentation engine is not connected yet.`);
}
