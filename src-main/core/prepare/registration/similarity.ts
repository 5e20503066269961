/**
 * Registration quality signals: normalised mutual information and correlation of two images on
 * the fixed image's grid, over the fixed image's foreground. Pure functions.
 */
import type { Mat4 } from '../../volume/Geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { resampleTrilinearThrough } from '../resampleComposed.ts';
import type { Similarity } from '../types.ts';

/** Histogram bins per image for NMI. */
const BINS = 32;
/** Foreground: fixed intensity above this fraction of its 99th percentile. */
const FOREGROUND_FRACTION = 0.1;

function percentile99(d: ArrayLike<number>): number {
  const sample: number[] = [];
  const step = Math.max(1, Math.floor(d.length / 200_000));
  for (let x = 0; x < d.length; x += step) if (d[x] > 0) sample.push(d[x]);
  if (sample.length === 0) return 0;
  sample.sort((a, b) => a - b);
  return sample[Math.min(sample.length - 1, Math.floor(0.99 * sample.length))];
}

/** NMI and correlation of `a` and `b` (same length) over voxels where `a` is foreground. */
export function similarityOf(a: ArrayLike<number>, b: ArrayLike<number>): Similarity {
  const pa = percentile99(a);
  const pb = percentile99(b) || 1;
  const thr = FOREGROUND_FRACTION * pa;
  const joint = new Float64Array(BINS * BINS);
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  const bin = (v: number, p: number) =>
    Math.min(BINS - 1, Math.max(0, Math.floor((v / p) * (BINS - 1))));
  for (let x = 0; x < a.length; x++) {
    const va = a[x];
    if (!(va > thr)) continue;
    const vb = b[x];
    n++;
    sa += va;
    sb += vb;
    saa += va * va;
    sbb += vb * vb;
    sab += va * vb;
    joint[bin(va, pa || 1) * BINS + bin(vb, pb)]++;
  }
  if (n < 2) return { nmi: 1, correlation: 0 };
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  const correlation = va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
  const ha = new Float64Array(BINS);
  const hb = new Float64Array(BINS);
  let hab = 0;
  for (let i = 0; i < BINS; i++) {
    for (let j = 0; j < BINS; j++) {
      const p = joint[i * BINS + j] / n;
      ha[i] += p;
      hb[j] += p;
      if (p > 0) hab -= p * Math.log(p);
    }
  }
  const ent = (h: Float64Array) => h.reduce((s, p) => (p > 0 ? s - p * Math.log(p) : s), 0);
  return { nmi: hab > 0 ? (ent(ha) + ent(hb)) / hab : 1, correlation };
}

/** Similarity of `moving` pulled onto `fixed`'s grid through `pull` (fixed world → moving world). */
export function similarityThrough(fixed: Volume, moving: Volume, pull: Mat4): Similarity {
  return similarityOf(fixed.data, resampleTrilinearThrough(moving, pull, fixed.geometry));
}
