/**
 * Crop, normalise and pad on the model grid (MODEL_PIPELINE.md §4, §5, §7). Pure functions over
 * i-fastest float32 arrays; sizes are [i, j, k].
 */
import type { Vec3 } from '../volume/Geometry.ts';

/** Floor of the standard deviation (avoids dividing by zero on a constant volume). */
const STD_FLOOR = 1e-8;

/** A box on a grid: first voxel and size, both [i, j, k]. */
export interface Box {
  readonly start: Vec3;
  readonly size: Vec3;
}

/**
 * Bounding box of voxels ≠ 0 in any of `channels`, grown by `margin` per side and clamped to the
 * grid. When nothing is non-zero, the whole grid.
 */
export function nonzeroBox(channels: readonly Float32Array[], dims: Vec3, margin: number): Box {
  const [nx, ny, nz] = dims;
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const row = (k * ny + j) * nx;
      for (let i = 0; i < nx; i++) {
        let nonzero = false;
        for (const c of channels) {
          if (c[row + i] !== 0) {
            nonzero = true;
            break;
          }
        }
        if (!nonzero) continue;
        if (i < lo[0]) lo[0] = i;
        if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j;
        if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k;
        if (k > hi[2]) hi[2] = k;
      }
    }
  }
  if (hi[0] < 0) return { start: [0, 0, 0], size: dims };
  const start = [0, 1, 2].map((a) => Math.max(0, lo[a] - margin));
  const end = [0, 1, 2].map((a) => Math.min(dims[a], hi[a] + 1 + margin));
  return {
    start: start as unknown as Vec3,
    size: [end[0] - start[0], end[1] - start[1], end[2] - start[2]],
  };
}

/** Copies `box` out of `data` (grid `dims`) into a new array of size `outSize` ≥ box size (zero-padded at the high end). */
export function cropPad(
  data: Float32Array,
  dims: Vec3,
  box: Box,
  outSize: Vec3 = box.size,
): Float32Array {
  const out = new Float32Array(outSize[0] * outSize[1] * outSize[2]);
  const [bx, by, bz] = box.size;
  for (let k = 0; k < bz; k++) {
    for (let j = 0; j < by; j++) {
      const src = box.start[0] + dims[0] * (box.start[1] + j + dims[1] * (box.start[2] + k));
      out.set(data.subarray(src, src + bx), outSize[0] * (j + outSize[1] * k));
    }
  }
  return out;
}

/**
 * Mean and population std (float64) of the non-zero finite values. NaN and ±Inf are left out
 * (import already sets them to 0; this keeps one stray value from turning every input into NaN).
 */
export function nonzeroStats(data: Float32Array): { mean: number; std: number; count: number } {
  let n = 0;
  let sum = 0;
  for (let x = 0; x < data.length; x++) {
    const v = data[x];
    // v - v === 0 is false for NaN and ±Inf only.
    if (v !== 0 && v - v === 0) {
      sum += v;
      n++;
    }
  }
  if (n === 0) return { mean: 0, std: 0, count: 0 };
  const mean = sum / n;
  let ss = 0;
  for (let x = 0; x < data.length; x++) {
    const v = data[x];
    if (v !== 0 && v - v === 0) ss += (v - mean) * (v - mean);
  }
  return { mean, std: Math.sqrt(ss / n), count: n };
}

/**
 * In place: x' = (x − mean) / max(std, 1e-8) over the non-zero voxels (float64 arithmetic, as
 * numpy does), zeros stay zero, then clip. A non-finite voxel becomes 0 (background).
 */
export function zscoreNonzeroInPlace(
  data: Float32Array,
  clip: readonly [number, number] | null,
): void {
  const { mean, std } = nonzeroStats(data);
  const s = Math.max(std, STD_FLOOR);
  const lo = clip ? clip[0] : -Infinity;
  const hi = clip ? clip[1] : Infinity;
  for (let x = 0; x < data.length; x++) {
    const v = data[x];
    if (v === 0) continue;
    if (v - v !== 0) {
      data[x] = 0;
      continue;
    }
    const z = (v - mean) / s;
    data[x] = z < lo ? lo : z > hi ? hi : z;
  }
}

/** Padded size per axis: max(patch, size rounded up to a multiple of `multiple`). */
export function paddedSize(size: Vec3, patchIjk: Vec3, multiple: number): Vec3 {
  return [0, 1, 2].map((a) =>
    Math.max(patchIjk[a], Math.ceil(size[a] / multiple) * multiple),
  ) as unknown as Vec3;
}
