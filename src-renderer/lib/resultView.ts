/**
 * Maps the engine's segmentation result — or the facts a stored review session kept of it — to the
 * results panel's view: inputs, volumes, contributions per region (Shapley + leave-one-out), the
 * learned global α, expected accuracy with its case count and per-case range, model, warnings.
 */
import type { ResultOf, apiMethods } from '../../src-main/api/contract.ts';
import { toSlotInputs } from './integrity.ts';
import { SLOTS, type DiceRangeView, type Region, type ResultView, type Slot } from './viewTypes.ts';

type SegmentationResult = NonNullable<ResultOf<(typeof apiMethods)['getSegmentation']>['result']>;
type SessionDto = ResultOf<(typeof apiMethods)['openSession']>;
type ModelInfo = ResultOf<(typeof apiMethods)['getModelInfo']>;
/** One row of the manifest's evaluation table. */
export type EvaluationRowView = ModelInfo['evaluation']['rows'][number];
type Contributions = NonNullable<SegmentationResult['contributions']>;
type Expected = SegmentationResult['expectedAccuracy'];

const REGIONS: readonly Region[] = ['et', 'tc', 'wt'];

/** Per-case min/max Dice of the evaluation row for exactly `modalities`, when it lists cases. */
export function diceRange(
  rows: readonly EvaluationRowView[],
  modalities: readonly string[],
): ResultView['expectedRange'] {
  const key = [...modalities].sort().join('+');
  const row = rows.find((r) => [...r.modalities].sort().join('+') === key);
  const cases = row?.perCase ? Object.values(row.perCase) : [];
  if (!cases.length) return null;
  const range = (region: Region): DiceRangeView => {
    const v = cases.map((c) => c[region]);
    return { min: Math.min(...v), max: Math.max(...v) };
  };
  return { et: range('et'), tc: range('tc'), wt: range('wt') };
}

function contributionViews(c: Contributions | undefined): ResultView['contributions'] {
  return c
    ? REGIONS.map((region) => ({
        region,
        shapley: c.shapley[region],
        leaveOneOut: c.leaveOneOut[region],
        unit: c.unit,
      }))
    : [];
}

function expectedView(
  expected: Expected,
  rows: readonly EvaluationRowView[],
): Pick<ResultView, 'expected' | 'expectedNote' | 'expectedCases' | 'expectedRange'> {
  return {
    expected: expected ? expected.dice : null,
    expectedNote: expected
      ? `Mean Dice on ${expected.cases} validation cases never used in training (${expected.protocol}).`
      : 'No validation figures for this combination of sequences.',
    expectedCases: expected?.cases ?? 0,
    expectedRange: expected ? diceRange(rows, expected.modalities) : null,
  };
}

/** Builds the results view of a finished job (`importance` from the model when not in the result). */
export function toResultView(
  r: SegmentationResult,
  importance: Readonly<Partial<Record<Slot, number>>>,
  evaluationRows: readonly EvaluationRowView[] = [],
): ResultView {
  const c = r.contributions;
  return {
    jobId: r.jobId,
    inputs: toSlotInputs(Object.fromEntries(SLOTS.map((s) => [s, r.inputs[s]?.seriesId ?? null]))),
    volumesMl: r.volumesMl,
    contributions: contributionViews(c),
    importance: c?.globalImportance.values ?? importance,
    ...expectedView(r.expectedAccuracy, evaluationRows),
    model: { name: r.model.name, version: r.model.version, provider: r.provider },
    sequencesUsed: r.usedSequences,
    warnings: r.warnings,
    seconds: r.timings.totalMs / 1000,
  };
}

/**
 * The results view a stored session restores: its current volumes (edits included) and the
 * result's inputs, warnings, expected accuracy and contributions as the run reported them. Null
 * for sessions stored before these facts were kept (then only volumes are known).
 */
export function sessionResultView(
  s: SessionDto,
  importance: Readonly<Partial<Record<Slot, number>>>,
  evaluationRows: readonly EvaluationRowView[] = [],
): ResultView | null {
  const facts = s.result;
  if (!facts) return null;
  const c = facts.contributions;
  const expected = facts.expectedAccuracy
    ? {
        ...facts.expectedAccuracy,
        modalities: facts.expectedAccuracy.modalities.filter((m): m is Slot =>
          (SLOTS as readonly string[]).includes(m),
        ),
      }
    : null;
  return {
    jobId: null,
    inputs: toSlotInputs(facts.inputSeries),
    volumesMl: s.volumesMl,
    contributions: contributionViews(c),
    importance: c?.globalImportance.values ?? importance,
    ...expectedView(expected, evaluationRows),
    model: { name: s.model.name, version: s.model.version, provider: s.model.provider },
    sequencesUsed: s.sequencesUsed.filter((m): m is Slot =>
      (SLOTS as readonly string[]).includes(m),
    ),
    warnings: facts.warnings,
  };
}
