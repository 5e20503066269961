/**
 * Consensus labelmaps from several readers' annotations of one case, region by region in the
 * BraTS hierarchy (WT ⊇ TC ⊇ ET), so the result is always a valid 0/1/2/4 labelmap:
 * - majority: a voxel is in a region when more than half of the readers put it there (ties out);
 * - STAPLE (Warfield, Zou & Wells 2004, binary, per region): each reader's sensitivity and
 *   specificity and the voxel probabilities estimated together by expectation–maximisation, the
 *   voxel in the region when its probability exceeds 0.5.
 * Written here because no maintained JavaScript/WebAssembly library offers STAPLE (ITK's
 * STAPLEImageFilter is not among the itk-wasm packages); the binary form is short and fully
 * specified by the paper.
 */
import { ErrorCode, MetaKdError } from '../errors.ts';
import { inRegion, REGIONS, type Region } from '../metrics/regions.ts';

/** How a consensus is formed. */
export type ConsensusMethod = 'majority' | 'staple';

/** STAPLE's per-reader estimates for one region. */
export interface StapleRegionFit {
  readonly region: Region;
  /** Per reader, in input order. */
  readonly sensitivity: readonly number[];
  readonly specificity: readonly number[];
  readonly iterations: number;
}

/** A consensus labelmap and, for STAPLE, the fitted reader performance. */
export interface Consensus {
  readonly labels: Uint8Array;
  readonly method: ConsensusMethod;
  readonly staple?: readonly StapleRegionFit[];
}

const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-6;

/** Binary STAPLE on masks `d[r][x]`; returns the voxel probabilities and the fit. */
function stapleBinary(d: readonly Uint8Array[], prior: number) {
  const n = d[0].length;
  const R = d.length;
  const p = new Array<number>(R).fill(0.99);
  const q = new Array<number>(R).fill(0.99);
  const w = new Float32Array(n);
  let it = 0;
  for (; it < MAX_ITERATIONS; it++) {
    // E-step: probability that each voxel is truly in the region.
    for (let x = 0; x < n; x++) {
      let a = prior;
      let b = 1 - prior;
      for (let r = 0; r < R; r++) {
        if (d[r][x]) {
          a *= p[r];
          b *= 1 - q[r];
        } else {
          a *= 1 - p[r];
          b *= q[r];
        }
      }
      w[x] = a + b > 0 ? a / (a + b) : 0;
    }
    // M-step: each reader's sensitivity p and specificity q.
    let sumW = 0;
    for (let x = 0; x < n; x++) sumW += w[x];
    const sumNotW = n - sumW;
    let change = 0;
    for (let r = 0; r < R; r++) {
      let tp = 0;
      let tn = 0;
      for (let x = 0; x < n; x++) {
        if (d[r][x]) tp += w[x];
        else tn += 1 - w[x];
      }
      const np = sumW > 0 ? tp / sumW : p[r];
      const nq = sumNotW > 0 ? tn / sumNotW : q[r];
      change = Math.max(change, Math.abs(np - p[r]), Math.abs(nq - q[r]));
      p[r] = np;
      q[r] = nq;
    }
    if (change < TOLERANCE) break;
  }
  return { w, p, q, iterations: it + 1 };
}

/** The consensus of readers' labelmaps on one grid. */
export function consensusLabels(
  readers: readonly Uint8Array[],
  method: ConsensusMethod,
): Consensus {
  if (readers.length < 2) {
    throw new MetaKdError(ErrorCode.InvalidArgument, 'a consensus needs at least two annotations.');
  }
  const n = readers[0].length;
  if (readers.some((r) => r.length !== n)) {
    throw new MetaKdError(ErrorCode.GeometryMismatch, 'the annotations are not on one grid.');
  }
  const inside: Record<Region, Uint8Array> = {} as Record<Region, Uint8Array>;
  const fits: StapleRegionFit[] = [];
  for (const region of REGIONS) {
    const masks = readers.map((lab) => {
      const m = new Uint8Array(n);
      for (let x = 0; x < n; x++) m[x] = inRegion(lab[x], region) ? 1 : 0;
      return m;
    });
    const out = new Uint8Array(n);
    if (method === 'majority') {
      for (let x = 0; x < n; x++) {
        let votes = 0;
        for (const m of masks) votes += m[x];
        out[x] = 2 * votes > masks.length ? 1 : 0;
      }
    } else {
      // The prior is the mean fraction of the volume the readers put in the region, restricted
      // to voxels any reader marked (consensus outside every reader's mask is not possible).
      let marked = 0;
      let sum = 0;
      for (let x = 0; x < n; x++) {
        let any = 0;
        for (const m of masks) any |= m[x];
        if (any) {
          marked++;
          for (const m of masks) sum += m[x];
        }
      }
      const idx = new Int32Array(marked);
      for (let x = 0, k = 0; x < n; x++) if (masks.some((m) => m[x])) idx[k++] = x;
      const sub = masks.map((m) =>
        idx.reduce((acc, x, k) => ((acc[k] = m[x]), acc), new Uint8Array(marked)),
      );
      const prior = marked > 0 ? sum / (marked * masks.length) : 0.5;
      if (marked > 0) {
        const fit = stapleBinary(sub, prior);
        for (let k = 0; k < marked; k++) if (fit.w[k] > 0.5) out[idx[k]] = 1;
        fits.push({ region, sensitivity: fit.p, specificity: fit.q, iterations: fit.iterations });
      } else fits.push({ region, sensitivity: [], specificity: [], iterations: 0 });
    }
    inside[region] = out;
  }
  // Rebuild labels from the nested regions: ET ⊆ TC ⊆ WT by construction of the labels.
  const labels = new Uint8Array(n);
  for (let x = 0; x < n; x++) {
    if (!inside.wt[x]) continue;
    if (inside.tc[x]) labels[x] = inside.et[x] ? 4 : 1;
    else labels[x] = 2;
  }
  return { labels, method, ...(method === 'staple' ? { staple: fits } : {}) };
}
