/**
 * Agreement between annotations of one case: Dice and volume difference per region (ET, TC, WT)
 * for every pair of readers and for each reader against the model. Labelmaps must share one grid
 * (every annotation of a case starts on the case's reference grid).
 */
import { ErrorCode, MetaKdError } from '../errors.ts';
import { labelVolumes, regionDice, REGIONS, type RegionScores } from '../metrics/regions.ts';
import type { Geometry } from '../volume/Geometry.ts';

/** One annotation to compare. */
export interface Annotation {
  /** Reader name, or "model". */
  readonly who: string;
  readonly labels: Uint8Array;
}

/** Agreement of one pair. */
export interface PairAgreement {
  readonly a: string;
  readonly b: string;
  readonly dice: RegionScores;
  /** Volume of a minus volume of b, mL, per region. */
  readonly volumeDiffMl: RegionScores;
}

/** All pairs of one case. */
export interface CaseAgreement {
  readonly caseId: string;
  readonly pairs: readonly PairAgreement[];
  readonly computedAt: string;
}

/** Agreement for every pair of annotations (the model's, when given, against each reader). */
export function caseAgreement(
  caseId: string,
  geometry: Geometry,
  annotations: readonly Annotation[],
): CaseAgreement {
  const n = geometry.dims[0] * geometry.dims[1] * geometry.dims[2];
  const bad = annotations.find((a) => a.labels.length !== n);
  if (bad) {
    throw new MetaKdError(
      ErrorCode.GeometryMismatch,
      `${caseId}: the annotation of ${bad.who} has ${bad.labels.length} voxels, the case grid ${n}.`,
    );
  }
  const vols = new Map(annotations.map((a) => [a.who, labelVolumes(a.labels, geometry)]));
  const pairs: PairAgreement[] = [];
  for (let i = 0; i < annotations.length; i++) {
    for (let j = i + 1; j < annotations.length; j++) {
      const [a, b] = [annotations[i], annotations[j]];
      const [va, vb] = [vols.get(a.who)!, vols.get(b.who)!];
      pairs.push({
        a: a.who,
        b: b.who,
        dice: regionDice(a.labels, b.labels),
        volumeDiffMl: Object.fromEntries(REGIONS.map((r) => [r, va[r] - vb[r]])) as RegionScores,
      });
    }
  }
  return { caseId, pairs, computedAt: new Date().toISOString() };
}
