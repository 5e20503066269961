/**
 * The contribution readout: from the labelmaps predicted with every non-empty subset of the
 * present sequences (decoded from the same cached encodings), the exact Shapley value of each
 * sequence on the ET, TC and WT volumes, leave-one-out changes, and each subset's Dice agreement
 * with the full prediction; next to it the model's learned global importance α, labelled as such.
 * Pure functions. Volumes here are on the model grid (the grid the subsets were predicted on).
 */
import type { ModelSlot } from '../enums/SequenceLabel.ts';
import type { ModelManifest, RegionDice } from '../model/Manifest.ts';
import { inRegion, REGIONS, regionDice, type Region } from '../metrics/regions.ts';
import { shapleyValues } from './shapley.ts';

/** One subset's prediction summary. */
export interface SubsetReadout {
  readonly modalities: readonly ModelSlot[];
  /** ET/TC/WT volumes in mL (model grid). */
  readonly volumesMl: RegionDice;
  /** Dice of this subset's masks against the full prediction's. */
  readonly diceVsFull: RegionDice;
}

/** Per region, a number per present sequence. */
export type PerRegionPerSlot = Readonly<
  Record<Region, Readonly<Partial<Record<ModelSlot, number>>>>
>;

/** The whole readout. */
export interface ContributionReadout {
  /** Present sequences (manifest order): the players. */
  readonly sequences: readonly ModelSlot[];
  /** Unit of volumes, Shapley values and leave-one-out changes. */
  readonly unit: 'mL';
  /** Every non-empty subset of the present sequences. */
  readonly subsets: readonly SubsetReadout[];
  /** Exact Shapley value per sequence of the predicted volume (sums to the full volume). */
  readonly shapley: PerRegionPerSlot;
  /** Volume with all present sequences minus the volume without this one. */
  readonly leaveOneOut: PerRegionPerSlot;
  /** The model's learned α: a training-time property of the model, not of this case. */
  readonly globalImportance: {
    readonly label: string;
    readonly values: Readonly<Record<ModelSlot, number>>;
  };
}

/** Label stating what α is, shown next to it. */
export const GLOBAL_IMPORTANCE_LABEL =
  'Learned global importance α (softmax of meta-learned weights; a property of the model, not of this case)';

/**
 * Builds the readout. `subsetLabels` maps each subset bit mask (over manifest order) to its
 * labelmap on the model grid; it must hold every non-empty subset of `presentMask`.
 */
export function contributionReadout(params: {
  manifest: ModelManifest;
  presentMask: number;
  subsetLabels: ReadonlyMap<number, Uint8Array>;
  mlPerVoxel: number;
}): ContributionReadout {
  const { manifest, presentMask, subsetLabels, mlPerVoxel } = params;
  const order = manifest.modalities;
  const players = order.flatMap((_, m) => ((presentMask >> m) & 1 ? [m] : []));
  const full = subsetLabels.get(presentMask);
  if (!full) throw new Error('contributionReadout: the full subset is missing');
  const volume = new Map<number, Record<Region, number>>();
  for (const [mask, labels] of subsetLabels) {
    const counts: Record<Region, number> = { et: 0, tc: 0, wt: 0 };
    for (let x = 0; x < labels.length; x++) {
      const v = labels[x];
      if (v === 0) continue;
      for (const r of REGIONS) if (inRegion(v, r)) counts[r]++;
    }
    // Count voxels first, convert once: summing mL per voxel would accumulate rounding error.
    volume.set(mask, {
      et: counts.et * mlPerVoxel,
      tc: counts.tc * mlPerVoxel,
      wt: counts.wt * mlPerVoxel,
    });
  }
  const v = (r: Region) => (mask: number) =>
    mask === 0 ? 0 : (volume.get(mask) as Record<Region, number>)[r];
  const shapley = {} as Record<Region, Partial<Record<ModelSlot, number>>>;
  const loo = {} as Record<Region, Partial<Record<ModelSlot, number>>>;
  for (const r of REGIONS) {
    const phi = shapleyValues(players, v(r));
    shapley[r] = Object.fromEntries(players.map((m) => [order[m], phi.get(m) as number]));
    loo[r] = Object.fromEntries(
      players.map((m) => [order[m], v(r)(presentMask) - v(r)(presentMask & ~(1 << m))]),
    );
  }
  const subsets = [...subsetLabels.keys()]
    .sort((a, b) => a - b)
    .map((mask) => ({
      modalities: order.filter((_, m) => (mask >> m) & 1),
      volumesMl: volume.get(mask) as RegionDice,
      diceVsFull: regionDice(subsetLabels.get(mask) as Uint8Array, full),
    }));
  return {
    sequences: players.map((m) => order[m]),
    unit: 'mL',
    subsets,
    shapley,
    leaveOneOut: loo,
    globalImportance: { label: GLOBAL_IMPORTANCE_LABEL, values: manifest.importance },
  };
}

/** The manifest's evaluation row for exactly these present sequences (expected accuracy). */
export function expectedAccuracy(
  manifest: ModelManifest,
  present: readonly ModelSlot[],
): { modalities: readonly ModelSlot[]; dice: RegionDice; protocol: string; cases: number } | null {
  const key = [...present].sort().join(',');
  const row = manifest.evaluation.metakd.rows.find(
    (r) => [...r.modalities].sort().join(',') === key,
  );
  if (!row) return null;
  return {
    modalities: row.modalities,
    dice: row.dice,
    protocol: manifest.evaluation.protocol,
    cases: manifest.evaluation.cases.length,
  };
}
