/**
 * Sliding-window geometry and the Gaussian importance map (MODEL_PIPELINE.md §8). Pure functions.
 */
import type { Vec3 } from '../volume/Geometry.ts';

/** Round half away from zero (numpy's `round` is half-to-even; the pipeline fixes this rule). */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * Window starts along one axis of size `size` (≥ patch) for patch `patch` and `overlap`:
 * step = P·(1−overlap), n = ceil((S−P)/step)+1, starts = round(linspace(0, S−P, n)).
 */
export function windowStarts(size: number, patch: number, overlap: number): number[] {
  if (size < patch) throw new Error(`windowStarts: size ${size} < patch ${patch}`);
  if (size === patch) return [0];
  const step = patch * (1 - overlap);
  const n = Math.ceil((size - patch) / step) + 1;
  const delta = (size - patch) / (n - 1);
  return Array.from({ length: n }, (_, i) => roundHalfAway(i * delta));
}

/** All tile origins [i, j, k] over a padded volume, k slowest. */
export function tileOrigins(padded: Vec3, patchIjk: Vec3, overlap: number): Vec3[] {
  const si = windowStarts(padded[0], patchIjk[0], overlap);
  const sj = windowStarts(padded[1], patchIjk[1], overlap);
  const sk = windowStarts(padded[2], patchIjk[2], overlap);
  const out: Vec3[] = [];
  for (const k of sk) for (const j of sj) for (const i of si) out.push([i, j, k]);
  return out;
}

/**
 * Gaussian importance map of a patch (i-fastest): product of per-axis exp(−d²/(2σ²)), σ =
 * P·sigmaScale, centre (P−1)/2, normalised so the maximum is 1; values below the smallest
 * positive value are clamped to it (so no voxel has zero weight).
 */
export function gaussianImportance(patchIjk: Vec3, sigmaScale: number): Float32Array {
  const axis = (p: number): Float64Array => {
    const sigma = p * sigmaScale;
    const c = (p - 1) / 2;
    return Float64Array.from({ length: p }, (_, x) =>
      Math.exp(-((x - c) ** 2) / (2 * sigma * sigma)),
    );
  };
  const [gi, gj, gk] = patchIjk.map(axis);
  const n = patchIjk[0] * patchIjk[1] * patchIjk[2];
  const map = new Float64Array(n);
  let max = 0;
  let o = 0;
  for (let k = 0; k < patchIjk[2]; k++) {
    for (let j = 0; j < patchIjk[1]; j++) {
      for (let i = 0; i < patchIjk[0]; i++, o++) {
        const v = gi[i] * gj[j] * gk[k];
        map[o] = v;
        if (v > max) max = v;
      }
    }
  }
  let minPos = Infinity;
  for (let x = 0; x < n; x++) {
    map[x] /= max;
    if (map[x] > 0 && map[x] < minPos) minPos = map[x];
  }
  const out = new Float32Array(n);
  for (let x = 0; x < n; x++) out[x] = map[x] < minPos ? minPos : map[x];
  return out;
}

/** Importance maps already computed, by patch size and sigma scale (one per model in practice). */
const importanceCache = new Map<string, Float32Array>();
/** Maps kept: a model has one patch size; a few models at most are used in one process. */
const IMPORTANCE_CACHE_SIZE = 4;

/**
 * gaussianImportance, computed once per patch size and sigma scale (for the shipped model 614k
 * voxels, tens of ms): the worker computes it while warming up, so a job does not. The array is
 * shared between callers and must not be written to.
 */
export function cachedGaussianImportance(patchIjk: Vec3, sigmaScale: number): Float32Array {
  const key = `${patchIjk.join('x')}@${sigmaScale}`;
  let map = importanceCache.get(key);
  if (!map) {
    map = gaussianImportance(patchIjk, sigmaScale);
    if (importanceCache.size >= IMPORTANCE_CACHE_SIZE) {
      importanceCache.delete(importanceCache.keys().next().value as string);
    }
    importanceCache.set(key, map);
  }
  return map;
}
