/**
 * MindGrab's input, prepared the way brainchop prepares it. Pure functions.
 *
 * brainchop (github neuroneural/brainchop, main.js `ensureConformed` → niivue `conform(nii,
 * false)`; brainchop-webworker / inference pipeline `runFullVolumeInference`) does, in order:
 *  1. conform: resample (trilinear) onto a 256³ 1 mm LIA grid whose voxel (128,128,128) sits at
 *     the input's voxel (dims/2) — FreeSurfer's convention, not the exact centre — and scale to
 *     uint8: clamp(255·(v − min) / (srcMax − min)), srcMax the 99.9th percentile of the input's
 *     nonzero voxels on a 1000-bin histogram (niivue `getScale`, fLow 0, fHigh 0.999);
 *  2. quantile normalisation over the whole cube: (v − q05) / (q95 − q05), no clipping;
 *  3. crop to the box of voxels above 0.5 × the maximum (autoThreshold 0.5) plus 20 voxels
 *     (cropPadding 20), clamped to the cube;
 *  4. transpose (enableTranspose) — done by the ONNX graph's permuted kernels instead
 *     (models/mindgrab/convert.py).
 * Two deliberate differences: the quantiles are exact (brainchop sorts a random sample of 100 000
 * voxels, so its q05/q95 vary run to run), and the grid may be coarser than 1 mm (same 256 mm
 * field of view, same centre; the crop margin stays 20 mm) because that is what makes the stage
 * fast enough on a CPU — brainExtraction.ts records the measured trade-off.
 */
import { voxelCount, type Geometry, type Vec3 } from '../../volume/Geometry.ts';
import type { Volume, VoxelArray } from '../../volume/Volume.ts';
import { indexMap } from '../../preprocess/resample.ts';

/** Field of view of brainchop's conformed cube (256 voxels of 1 mm). */
export const CONFORM_FOV_MM = 256;
/** Lower and upper quantile of brainchop's quantile normalisation. */
export const QUANTILE_LOW = 0.05;
export const QUANTILE_HIGH = 0.95;
/** Fraction of the maximum above which a voxel counts as head for the crop (autoThreshold). */
export const CROP_THRESHOLD = 0.5;
/** Crop margin, mm (brainchop: 20 voxels of 1 mm). */
export const CROP_MARGIN_MM = 20;
/** niivue getScale: histogram bins and the upper fraction of nonzero voxels kept. */
const SCALE_BINS = 1000;
const SCALE_HIGH = 0.999;

/** The conform grid: cubic, LIA, `spacingMm` voxels over a 256 mm field of view. */
export function conformGeometry(input: Geometry, spacingMm: number): Geometry {
  const n = Math.round(CONFORM_FOV_MM / spacingMm);
  // Input voxel (dims/2) in LPS: niivue's Pxyz_c (FreeSurfer's c_ras convention).
  const [di, dj, dk] = input.directionLps;
  const h = input.dims.map((d, a) => (d / 2) * input.spacing[a]);
  const c: Vec3 = [0, 1, 2].map(
    (x) => input.originLps[x] + h[0] * di[x] + h[1] * dj[x] + h[2] * dk[x],
  ) as unknown as Vec3;
  // LIA: i → patient Left (+x LPS), j → Inferior (−z), k → Anterior (−y).
  const dir: readonly [Vec3, Vec3, Vec3] = [
    [1, 0, 0],
    [0, 0, -1],
    [0, -1, 0],
  ];
  const half = (n / 2) * spacingMm;
  // origin + half·(dirI + dirJ + dirK) = c
  const origin: Vec3 = [c[0] - half, c[1] + half, c[2] + half];
  return {
    dims: [n, n, n],
    spacing: [spacingMm, spacingMm, spacingMm],
    originLps: origin,
    directionLps: dir,
  };
}

/** niivue getScale: [srcMin, scale] mapping the input's intensities to 0..255. */
export function uint8Scale(data: VoxelArray): { srcMin: number; scale: number } {
  let min = Infinity;
  let max = -Infinity;
  let nz = 0;
  for (let v = 0; v < data.length; v++) {
    const x = data[v];
    if (x < min) min = x;
    if (x > max) max = x;
    if (Math.abs(x) >= 1e-15) nz++;
  }
  if (data instanceof Uint8Array) return { srcMin: min, scale: 1 }; // niivue: already 0..255
  const bin = (max - min) / SCALE_BINS;
  const hist = new Float64Array(SCALE_BINS);
  for (let v = 0; v < data.length; v++) {
    const b = bin > 0 ? Math.floor((data[v] - min) / bin) : 0;
    hist[Math.min(b, SCALE_BINS - 1)]++;
  }
  const nth = data.length - Math.floor((1 - SCALE_HIGH) * nz);
  let cum = hist[0];
  let idx = 0;
  while (idx < SCALE_BINS - 1) {
    cum += hist[idx + 1];
    if (cum >= nth) break;
    idx++;
  }
  const srcMax = idx * bin + min;
  return { srcMin: min, scale: srcMax !== min ? 255 / (srcMax - min) : 1 };
}

/**
 * Resamples `source` onto the conform grid and scales it to uint8, as niivue's conform does:
 * trilinear with the 8 neighbours inside the source (a sample needing any neighbour outside the
 * grid is 0), then clamp(scale·(v − srcMin)) truncated to an integer.
 */
export function conformUint8(source: Volume, target: Geometry): Uint8Array {
  const m = indexMap(source.geometry, target);
  const { srcMin, scale } = uint8Scale(source.data);
  const [sx, sy, sz] = source.geometry.dims;
  const [tx, ty, tz] = target.dims;
  const d = source.data;
  const sxy = sx * sy;
  const out = new Uint8Array(voxelCount(target));
  let o = 0;
  for (let k = 0; k < tz; k++) {
    for (let j = 0; j < ty; j++) {
      const bx = m[1] * j + m[2] * k + m[3];
      const by = m[5] * j + m[6] * k + m[7];
      const bz = m[9] * j + m[10] * k + m[11];
      for (let i = 0; i < tx; i++, o++) {
        const x = m[0] * i + bx;
        const y = m[4] * i + by;
        const z = m[8] * i + bz;
        const fx = Math.floor(x);
        const fy = Math.floor(y);
        const fz = Math.floor(z);
        if (fx < 0 || fy < 0 || fz < 0) continue;
        if (Math.ceil(x) >= sx || Math.ceil(y) >= sy || Math.ceil(z) >= sz) continue;
        const rx = x - fx;
        const ry = y - fy;
        const rz = z - fz;
        const p = fx + fy * sx + fz * sxy;
        // At an integer coordinate the upper neighbour may lie past the edge with weight 0.
        const px = rx > 0 ? 1 : 0;
        const py = ry > 0 ? sx : 0;
        const pz = rz > 0 ? sxy : 0;
        const v =
          (d[p] * (1 - rx) + d[p + px] * rx) * (1 - ry) * (1 - rz) +
          (d[p + py] * (1 - rx) + d[p + py + px] * rx) * ry * (1 - rz) +
          (d[p + pz] * (1 - rx) + d[p + pz + px] * rx) * (1 - ry) * rz +
          (d[p + py + pz] * (1 - rx) + d[p + py + pz + px] * rx) * ry * rz;
        const s = scale * (v - srcMin);
        out[o] = s <= 0 ? 0 : s >= 255 ? 255 : s;
      }
    }
  }
  return out;
}

/** q05 and q95 of a uint8 volume, exact (sorted-order indices as brainchop computes them). */
export function uint8Quantiles(u8: Uint8Array): { qmin: number; qmax: number } {
  const hist = new Float64Array(256);
  for (let v = 0; v < u8.length; v++) hist[u8[v]]++;
  const at = (index: number): number => {
    let cum = 0;
    for (let b = 0; b < 256; b++) {
      cum += hist[b];
      if (cum > index) return b;
    }
    return 255;
  };
  const n = u8.length;
  return { qmin: at(Math.floor(n * QUANTILE_LOW)), qmax: at(Math.ceil(n * QUANTILE_HIGH) - 1) };
}

/** An inclusive-exclusive voxel box [lo, hi) on a grid. */
export interface BoxIJK {
  readonly lo: Vec3;
  readonly hi: Vec3;
}

/**
 * brainchop's crop: the box of voxels whose normalised value exceeds CROP_THRESHOLD × the
 * maximum, grown by `marginVoxels` and clamped to the grid. Undefined when no voxel qualifies.
 */
export function cropBox(
  u8: Uint8Array,
  dims: Vec3,
  norm: { qmin: number; qmax: number },
  marginVoxels: number,
): BoxIJK | undefined {
  let max = 0;
  for (let v = 0; v < u8.length; v++) if (u8[v] > max) max = u8[v];
  const range = norm.qmax - norm.qmin;
  const t = CROP_THRESHOLD * ((max - norm.qmin) / range);
  const lo = [dims[0], dims[1], dims[2]];
  const hi = [-1, -1, -1];
  let v = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, v++) {
        if ((u8[v] - norm.qmin) / range <= t) continue;
        if (i < lo[0]) lo[0] = i;
        if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j;
        if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k;
        if (k > hi[2]) hi[2] = k;
      }
    }
  }
  if (hi[0] < 0) return undefined;
  const grow = (a: number): [number, number] => [
    Math.max(0, lo[a] - marginVoxels),
    Math.min(dims[a], hi[a] + marginVoxels + 1),
  ];
  const [a, b, c] = [grow(0), grow(1), grow(2)];
  return { lo: [a[0], b[0], c[0]], hi: [a[1], b[1], c[1]] };
}

/** The box's voxels, quantile-normalised to float32, i-fastest (the network's input). */
export function normalisedBox(
  u8: Uint8Array,
  dims: Vec3,
  box: BoxIJK,
  norm: { qmin: number; qmax: number },
): Float32Array {
  const [ni, nj, nk] = [0, 1, 2].map((a) => box.hi[a] - box.lo[a]);
  const out = new Float32Array(ni * nj * nk);
  const range = norm.qmax - norm.qmin;
  // A 256-entry table: the same float32 arithmetic for every voxel of a value.
  const lut = new Float32Array(256);
  for (let b = 0; b < 256; b++) lut[b] = (b - norm.qmin) / range;
  let o = 0;
  for (let k = box.lo[2]; k < box.hi[2]; k++) {
    for (let j = box.lo[1]; j < box.hi[1]; j++) {
      const row = dims[0] * (j + dims[1] * k);
      for (let i = box.lo[0]; i < box.hi[0]; i++) out[o++] = lut[u8[row + i]];
    }
  }
  return out;
}
