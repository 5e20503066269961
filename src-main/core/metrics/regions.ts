/**
 * Tumour regions, volumes and Dice on BraTS labelmaps (MODEL_PIPELINE.md §12). Pure functions.
 * ET = {4}, TC = {1, 4}, WT = {1, 2, 4}.
 */
import type { Geometry } from '../volume/Geometry.ts';

/** The three evaluated regions. */
export const REGIONS = ['et', 'tc', 'wt'] as const;
/** One region. */
export type Region = (typeof REGIONS)[number];

/** Volumes in millilitres of each label and of TC and WT. */
export interface LabelVolumes {
  readonly ncr: number;
  readonly ed: number;
  readonly et: number;
  readonly tc: number;
  readonly wt: number;
}

/** Dice per region. */
export type RegionScores = Readonly<Record<Region, number>>;

const MM3_PER_ML = 1000;

/** True when label `v` belongs to `region`. */
export function inRegion(v: number, region: Region): boolean {
  if (region === 'et') return v === 4;
  if (region === 'tc') return v === 1 || v === 4;
  return v === 1 || v === 2 || v === 4;
}

/** Voxel counts of labels 1, 2 and 4. */
export function labelCounts(labels: ArrayLike<number>): { ncr: number; ed: number; et: number } {
  let ncr = 0;
  let ed = 0;
  let et = 0;
  for (let x = 0; x < labels.length; x++) {
    const v = labels[x];
    if (v === 1) ncr++;
    else if (v === 2) ed++;
    else if (v === 4) et++;
  }
  return { ncr, ed, et };
}

/** Volumes (mL) of a labelmap on `geometry`. */
export function labelVolumes(labels: ArrayLike<number>, geometry: Geometry): LabelVolumes {
  const mlPerVoxel = (geometry.spacing[0] * geometry.spacing[1] * geometry.spacing[2]) / MM3_PER_ML;
  const c = labelCounts(labels);
  return {
    ncr: c.ncr * mlPerVoxel,
    ed: c.ed * mlPerVoxel,
    et: c.et * mlPerVoxel,
    tc: (c.ncr + c.et) * mlPerVoxel,
    wt: (c.ncr + c.ed + c.et) * mlPerVoxel,
  };
}

/** Dice per region of two labelmaps on the same grid; both empty → 1. */
export function regionDice(pred: ArrayLike<number>, truth: ArrayLike<number>): RegionScores {
  if (pred.length !== truth.length) throw new Error('regionDice: labelmaps differ in size');
  const out = {} as Record<Region, number>;
  for (const r of REGIONS) {
    let a = 0;
    let b = 0;
    let both = 0;
    for (let x = 0; x < pred.length; x++) {
      const p = inRegion(pred[x], r);
      const t = inRegion(truth[x], r);
      if (p) a++;
      if (t) b++;
      if (p && t) both++;
    }
    out[r] = a + b === 0 ? 1 : (2 * both) / (a + b);
  }
  return out;
}
