/**
 * Resampling a volume onto another grid by world (LPS) coordinates. Pure functions.
 *
 * Images: trilinear (MODEL_PIPELINE.md §3). Labels: nearest (§11). A target voxel centre whose
 * source index lies outside the source's field of view (beyond half a voxel past the outermost
 * voxel centres) gets 0; inside that half-voxel rim the edge value is used (so a 5 mm-slice series
 * does not lose its outer half slices).
 *
 * Fast path: when the source axes are parallel to the target axes (index map diagonal: same grid,
 * the 2× finer BraTS grid, any axis-aligned scaling), per-axis index/weight tables replace the
 * per-voxel affine. The tables are computed with the same arithmetic as the generic path, so both
 * give bit-identical results (tested).
 */
import {
  affineLps,
  applyAffine,
  invertAffine,
  voxelCount,
  type Geometry,
  type Mat4,
} from '../volume/Geometry.ts';
import type { Volume, VoxelArray } from '../volume/Volume.ts';

/** Fractional indices this close to a multiple of 1/SNAP_DENOM are snapped onto it. */
const SNAP_DENOM = 1024;
const SNAP_TOL = 1e-7;
/** Off-diagonal index-map terms below this count as zero (axis-aligned). */
const AXIS_ALIGNED_TOL = 1e-9;

/** Target-voxel → source-voxel index map (row-major 4×4). */
export function indexMap(source: Geometry, target: Geometry): Mat4 {
  const inv = invertAffine(affineLps(source));
  const t = affineLps(target);
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let x = 0; x < 4; x++) s += inv[r * 4 + x] * t[x * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/** Snaps x onto a multiple of 1/1024 when within rounding noise (removes affine round-off). */
function snap(x: number): number {
  const s = Math.round(x * SNAP_DENOM) / SNAP_DENOM;
  return Math.abs(x - s) < SNAP_TOL ? s : x;
}

/** One axis sample: lower index, upper index, weight of the upper one; i0 < 0 = outside. */
interface AxisSample {
  i0: number;
  i1: number;
  w: number;
}

function axisSample(x: number, n: number, out: AxisSample): void {
  const xs = snap(x);
  if (xs < -0.5 || xs > n - 0.5) {
    out.i0 = -1;
    return;
  }
  const c = Math.min(Math.max(xs, 0), n - 1);
  const i0 = Math.floor(c);
  out.i0 = i0;
  out.i1 = Math.min(i0 + 1, n - 1);
  out.w = c - i0;
}

/** Trilinear value from a voxel array; the fixed lerp order is what makes both paths identical. */
function lerp3(
  d: VoxelArray,
  nx: number,
  nxy: number,
  a: AxisSample,
  b: AxisSample,
  c: AxisSample,
): number {
  const o00 = b.i0 * nx + c.i0 * nxy;
  const o10 = b.i1 * nx + c.i0 * nxy;
  const o01 = b.i0 * nx + c.i1 * nxy;
  const o11 = b.i1 * nx + c.i1 * nxy;
  const wa = a.w;
  const x00 = d[o00 + a.i0] * (1 - wa) + d[o00 + a.i1] * wa;
  const x10 = d[o10 + a.i0] * (1 - wa) + d[o10 + a.i1] * wa;
  const x01 = d[o01 + a.i0] * (1 - wa) + d[o01 + a.i1] * wa;
  const x11 = d[o11 + a.i0] * (1 - wa) + d[o11 + a.i1] * wa;
  const y0 = x00 * (1 - b.w) + x10 * b.w;
  const y1 = x01 * (1 - b.w) + x11 * b.w;
  return y0 * (1 - c.w) + y1 * c.w;
}

/** True when the index map has no cross-axis terms (source axes parallel to the target's). */
export function isAxisAligned(m: Mat4): boolean {
  return (
    Math.abs(m[1]) < AXIS_ALIGNED_TOL &&
    Math.abs(m[2]) < AXIS_ALIGNED_TOL &&
    Math.abs(m[4]) < AXIS_ALIGNED_TOL &&
    Math.abs(m[6]) < AXIS_ALIGNED_TOL &&
    Math.abs(m[8]) < AXIS_ALIGNED_TOL &&
    Math.abs(m[9]) < AXIS_ALIGNED_TOL
  );
}

/** Options of resampleTrilinear. */
export interface ResampleOptions {
  /** Force the generic per-voxel path (tests compare it with the fast path). */
  readonly forceGeneric?: boolean;
}

/**
 * Trilinear resampling of `source` onto `target` by world coordinates. Returns float32 data in
 * the target's i-fastest layout.
 */
export function resampleTrilinear(
  source: Volume,
  target: Geometry,
  options: ResampleOptions = {},
): Float32Array {
  const m = indexMap(source.geometry, target);
  const out = new Float32Array(voxelCount(target));
  const [sx, sy, sz] = source.geometry.dims;
  const [tx, ty, tz] = target.dims;
  const d = source.data;
  const nxy = sx * sy;
  if (!options.forceGeneric && isAxisAligned(m)) {
    // Per-axis tables: x = m00·i + m03 exactly as the generic path computes it (other terms are 0).
    const table = (n: number, count: number, scale: number, shift: number): AxisSample[] =>
      Array.from({ length: count }, (_, t) => {
        const s: AxisSample = { i0: -1, i1: -1, w: 0 };
        axisSample(scale * t + shift, n, s);
        return s;
      });
    const ta = table(sx, tx, m[0], m[3]);
    const tb = table(sy, ty, m[5], m[7]);
    const tc = table(sz, tz, m[10], m[11]);
    for (let k = 0; k < tz; k++) {
      const c = tc[k];
      if (c.i0 < 0) continue;
      for (let j = 0; j < ty; j++) {
        const b = tb[j];
        if (b.i0 < 0) continue;
        const row = (k * ty + j) * tx;
        for (let i = 0; i < tx; i++) {
          const a = ta[i];
          if (a.i0 >= 0) out[row + i] = lerp3(d, sx, nxy, a, b, c);
        }
      }
    }
    return out;
  }
  const a: AxisSample = { i0: 0, i1: 0, w: 0 };
  const b: AxisSample = { i0: 0, i1: 0, w: 0 };
  const c: AxisSample = { i0: 0, i1: 0, w: 0 };
  for (let k = 0; k < tz; k++) {
    for (let j = 0; j < ty; j++) {
      const row = (k * ty + j) * tx;
      for (let i = 0; i < tx; i++) {
        axisSample(m[0] * i + m[1] * j + m[2] * k + m[3], sx, a);
        if (a.i0 < 0) continue;
        axisSample(m[4] * i + m[5] * j + m[6] * k + m[7], sy, b);
        if (b.i0 < 0) continue;
        axisSample(m[8] * i + m[9] * j + m[10] * k + m[11], sz, c);
        if (c.i0 < 0) continue;
        out[row + i] = lerp3(d, sx, nxy, a, b, c);
      }
    }
  }
  return out;
}

/**
 * Nearest-neighbour resampling of a label volume onto `target` (MODEL_PIPELINE.md §11): index =
 * round(source index of the target voxel centre); outside the source grid → 0.
 */
export function resampleNearest(source: Volume, target: Geometry): Uint8Array {
  const m = indexMap(source.geometry, target);
  const out = new Uint8Array(voxelCount(target));
  const [sx, sy, sz] = source.geometry.dims;
  const [tx, ty, tz] = target.dims;
  const d = source.data;
  const aligned = isAxisAligned(m);
  const idx = (x: number, n: number): number => {
    const r = Math.round(snap(x));
    return r >= 0 && r < n ? r : -1;
  };
  const ti = aligned ? Array.from({ length: tx }, (_, i) => idx(m[0] * i + m[3], sx)) : [];
  if (aligned) {
    // A target row depends only on its source row (b, c), and a slice only on c: on a finer
    // target grid (the 2 mm model labels back to 1 mm) consecutive rows and slices repeat, and
    // are copied instead of gathered again (issue 13). Same values, written once each.
    const slice = tx * ty;
    let prevC = -1;
    for (let k = 0; k < tz; k++) {
      const c = idx(m[10] * k + m[11], sz);
      if (c < 0) {
        prevC = -1;
        continue;
      }
      if (c === prevC) {
        out.copyWithin(k * slice, (k - 1) * slice, k * slice);
        continue;
      }
      prevC = c;
      let prevB = -1;
      for (let j = 0; j < ty; j++) {
        const b = idx(m[5] * j + m[7], sy);
        const row = (k * ty + j) * tx;
        if (b < 0) {
          prevB = -1;
          continue;
        }
        if (b === prevB) {
          out.copyWithin(row, row - tx, row);
          continue;
        }
        prevB = b;
        const base = b * sx + c * sx * sy;
        for (let i = 0; i < tx; i++) if (ti[i] >= 0) out[row + i] = d[base + ti[i]];
      }
    }
    return out;
  }
  for (let k = 0; k < tz; k++) {
    for (let j = 0; j < ty; j++) {
      const row = (k * ty + j) * tx;
      if (aligned) {
        const b = idx(m[5] * j + m[7], sy);
        const c = idx(m[10] * k + m[11], sz);
        if (b < 0 || c < 0) continue;
        const base = b * sx + c * sx * sy;
        for (let i = 0; i < tx; i++) if (ti[i] >= 0) out[row + i] = d[base + ti[i]];
        continue;
      }
      for (let i = 0; i < tx; i++) {
        const p = applyAffine(m, [i, j, k]);
        const a = idx(p[0], sx);
        const b = idx(p[1], sy);
        const c = idx(p[2], sz);
        if (a >= 0 && b >= 0 && c >= 0) out[row + i] = d[a + b * sx + c * sx * sy];
      }
    }
  }
  return out;
}
