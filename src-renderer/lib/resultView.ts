/**
 * Maps the engine's segmentation result to the results panel's view: volumes, contributions per
 * region (Shapley + leave-one-out), the learned global α, expected accuracy, model, warnings.
 */
import type { ResultOf, apiMethods } from '../../src-main/api/contract.ts';
import type { Region, ResultView, Slot } from './viewTypes.ts';

type SegmentationResult = NonNullable<ResultOf<(typeof apiMethods)['getSegmentation']>['result']>;

const REGIONS: readonly Region[] = ['et', 'tc', 'wt'];

/** Builds the results view of a finished job (`importance` from the model when not in the result). */
export function toResultView(
  r: SegmentationResult,
  importance: Readonly<Partial<Record<Slot, number>>>,
): ResultView {
  const c = r.contributions;
  const expected = r.expectedAccuracy;
  return {
    jobId: r.jobId,
    volumesMl: r.volumesMl,
    contributions: c
      ? REGIONS.map((region) => ({
          region,
          shapley: c.shapley[region],
          leaveOneOut: c.leaveOneOut[region],
          unit: c.unit,
        }))
      : [],
    importance: c?.globalImportance.values ?? importance,
    expected: expected ? expected.dice : null,
    expectedNote: expected
      ? `Mean Dice on ${expected.cases} validation cases never used in training (${expected.protocol}).`
      : 'No validation figures for this combination of sequences.',
    model: { name: r.model.name, version: r.model.version, provider: r.provider },
    sequencesUsed: r.usedSequences,
    warnings: r.warnings,
    seconds: r.timings.totalMs / 1000,
  };
}
