/**
 * "Input looks unlike the training data" checks. They warn; they never refuse to run. Pure
 * functions. Thresholds were set from the shared data: skull-stripped BraTS series have 12–19 %
 * non-zero voxels and no non-zero border voxel, raw clinical head scans 90–97 % and 83–93 %.
 */
import { sameGrid, type Geometry } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { SLOT_DISPLAY_NAME, type ModelSlot } from '../enums/SequenceLabel.ts';

/** Above this fraction of non-zero voxels a series is probably not skull-stripped. */
const MAX_NONZERO_FRACTION = 0.5;
/** Above this fraction of non-zero voxels on the volume's faces it is probably not skull-stripped. */
const MAX_BORDER_NONZERO_FRACTION = 0.1;
/** Slices thicker than this multiple of the model spacing are called thick. */
const THICK_SLICE_FACTOR = 1.5;
/** |skewness| of non-zero intensities above this is far from any training series (max seen 2.9). */
const MAX_ABS_SKEW = 4;
/** More than this fraction of non-zero voxels below zero: BraTS intensities are non-negative. */
const MAX_NEGATIVE_FRACTION = 0.01;
/** Tolerance for "axis-aligned" direction cosines. */
const OBLIQUE_TOL = 1e-3;
/**
 * Fewer non-zero voxels than this fraction: no brain to speak of (a skull-stripped BraTS series
 * has 12–19 %; 0.1 % of a 240×240×155 grid is ~9 cm³).
 */
const MIN_NONZERO_FRACTION = 0.001;
/** A spread (std) below this fraction of the mean magnitude: the image is, for the model, flat. */
const MIN_RELATIVE_STD = 1e-4;
/**
 * Intensities beyond this magnitude are no MR signal any scanner stores (12–16-bit integers, or
 * rescaled floats up to ~1e5); float32 also loses integer precision above 2^24 ≈ 1.7e7.
 */
const MAX_PLAUSIBLE_INTENSITY = 1e7;

/** Non-zero voxels on the six faces, and how many voxels the faces have. */
function borderNonzero(v: Volume): { border: number; total: number } {
  const [nx, ny, nz] = v.geometry.dims;
  const d = v.data;
  let border = 0;
  let total = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const onFaceJk = k === 0 || k === nz - 1 || j === 0 || j === ny - 1;
      const row = (k * ny + j) * nx;
      if (onFaceJk) {
        for (let i = 0; i < nx; i++) if (d[row + i] !== 0) border++;
        total += nx;
      } else {
        if (d[row] !== 0) border++;
        if (nx > 1 && d[row + nx - 1] !== 0) border++;
        total += Math.min(nx, 2);
      }
    }
  }
  return { border, total };
}

/** The fractions from a non-zero count (NaN and ±Inf count as non-zero). */
function fractions(v: Volume, nonzero: number): { all: number; border: number } {
  const b = borderNonzero(v);
  return { all: nonzero / v.data.length, border: b.border / Math.max(1, b.total) };
}

/** Fractions of non-zero voxels overall and on the six faces. */
export function nonzeroFractions(v: Volume): { all: number; border: number } {
  const d = v.data;
  let nonzero = 0;
  for (let x = 0; x < d.length; x++) if (d[x] !== 0) nonzero++;
  return fractions(v, nonzero);
}

/** Summary of the non-zero finite values of a volume (two passes). */
export interface IntensityStats {
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  /** Largest magnitude. */
  readonly maxAbs: number;
  readonly skew: number;
  /** Fraction below zero. */
  readonly negative: number;
}

/** An empty array as long as `d` that holds any of its values exactly. */
function sameKind(d: ArrayLike<number>): { [i: number]: number } {
  if (ArrayBuffer.isView(d) && !(d instanceof DataView)) {
    const Kind = d.constructor as new (n: number) => { [i: number]: number };
    return new Kind(d.length);
  }
  return new Float64Array(d.length);
}

/**
 * intensityStats plus the count of non-zero voxels (NaN and ±Inf included, as nonzeroFractions
 * counts them), from the same two passes: checkInputs reads each voxel twice instead of three
 * times (issue 13: the checks were ~180 ms of a BraTS run's critical path). The sums run in the
 * same order as before, so every number is bit-identical.
 */
function surveyValues(d: ArrayLike<number>): { stats: IntensityStats; nonzero: number } {
  // The non-zero finite values, in voxel order, in an array of the data's own type (so each is
  // kept exactly): the second pass reads only these (a BraTS series is 80–88 % zeros).
  const values = sameKind(d);
  let nonzero = 0;
  let n = 0;
  let s1 = 0;
  let neg = 0;
  let maxAbs = 0;
  for (let x = 0; x < d.length; x++) {
    const v = d[x];
    if (v === 0) continue;
    nonzero++;
    // v - v !== 0 skips NaN and ±Inf (import already set them to 0).
    if (v - v !== 0) continue;
    values[n++] = v;
    s1 += v;
    if (v < 0) neg++;
    const a = v < 0 ? -v : v;
    if (a > maxAbs) maxAbs = a;
  }
  if (n === 0) {
    return { nonzero, stats: { count: 0, mean: 0, std: 0, maxAbs: 0, skew: 0, negative: 0 } };
  }
  const mean = s1 / n;
  let m2 = 0;
  let m3 = 0;
  for (let x = 0; x < n; x++) {
    const c = values[x] - mean;
    m2 += c * c;
    m3 += c * c * c;
  }
  m2 /= n;
  m3 /= n;
  return {
    nonzero,
    stats: {
      count: n,
      mean,
      std: Math.sqrt(m2),
      maxAbs,
      skew: m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0,
      negative: neg / n,
    },
  };
}

/** Count, mean, std, largest magnitude, skewness and negative fraction of the non-zero values. */
export function intensityStats(d: ArrayLike<number>): IntensityStats {
  return surveyValues(d).stats;
}

/**
 * Both summaries checkInputs needs of one volume, from two passes over its voxels: the same
 * values as `intensityStats(v.data)` and `nonzeroFractions(v)`. The costly part of the checks
 * (~30 ms per BraTS series): the segmentation worker's caller computes it on its own thread while
 * the worker prepares the model input (segmentInWorker.ts).
 */
export interface VolumeSurvey {
  readonly stats: IntensityStats;
  readonly fractions: { readonly all: number; readonly border: number };
}

/** The survey of one volume (see VolumeSurvey); every voxel is read, twice at most. */
export function surveyVolume(v: Volume): VolumeSurvey {
  const { stats, nonzero } = surveyValues(v.data);
  return { stats, fractions: fractions(v, nonzero) };
}

/**
 * Warnings for an input the result cannot be trusted on: (nearly) empty, constant, or with
 * intensities no scanner produces. Each names the sequence; the result still comes back, with
 * the warning attached, so the reader decides.
 */
export function untrustedInputWarnings(
  name: string,
  v: Volume,
  s: IntensityStats = intensityStats(v.data),
): string[] {
  const fraction = s.count / Math.max(1, v.data.length);
  if (s.count === 0) {
    return [`${name} is empty (every voxel is 0): the result cannot be trusted for this sequence.`];
  }
  const out: string[] = [];
  if (fraction < MIN_NONZERO_FRACTION) {
    out.push(
      `${name}: only ${s.count} voxels (${(100 * fraction).toFixed(3)} %) are non-zero, so there is almost no brain in it: the result cannot be trusted.`,
    );
  }
  if (s.std <= MIN_RELATIVE_STD * Math.abs(s.mean)) {
    out.push(
      `${name} has a constant intensity (${Number(s.mean.toPrecision(6))} in every non-zero voxel): there is no contrast to segment, the result cannot be trusted.`,
    );
  }
  if (s.maxAbs > MAX_PLAUSIBLE_INTENSITY) {
    out.push(
      `${name}: intensities reach ${s.maxAbs.toExponential(2)}, far beyond any MR scanner's range; the file's scaling is probably wrong and the result cannot be trusted.`,
    );
  }
  return out;
}

function isOblique(g: Geometry): boolean {
  return g.directionLps.some((dir) => {
    const big = Math.max(...dir.map(Math.abs));
    return Math.abs(big - 1) > OBLIQUE_TOL;
  });
}

/**
 * Warnings for the present series (source volumes) against the model's training conditions.
 * `surveys` are surveyVolume's results for these very volumes when already computed.
 */
export function checkInputs(
  volumes: Partial<Record<ModelSlot, Volume>>,
  order: readonly ModelSlot[],
  spacingMm: readonly [number, number, number],
  surveys: Partial<Record<ModelSlot, VolumeSurvey>> = {},
): string[] {
  const warnings: string[] = [];
  const present = order.filter((s) => volumes[s]);
  const notStripped: string[] = [];
  for (const slot of present) {
    const v = volumes[slot] as Volume;
    const name = SLOT_DISPLAY_NAME[slot];
    const { stats: shape, fractions: f } = surveys[slot] ?? surveyVolume(v);
    warnings.push(...untrustedInputWarnings(name, v, shape));
    if (f.all > MAX_NONZERO_FRACTION || f.border > MAX_BORDER_NONZERO_FRACTION) {
      notStripped.push(
        `${name} (${(100 * f.all).toFixed(0)} % non-zero, ${(100 * f.border).toFixed(0)} % of border)`,
      );
    }
    if (Math.abs(shape.skew) > MAX_ABS_SKEW || shape.negative > MAX_NEGATIVE_FRACTION) {
      warnings.push(
        `${name}: intensity histogram is far from the training data (skewness ` +
          `${shape.skew.toFixed(1)}, ${(100 * shape.negative).toFixed(1)} % negative values); ` +
          'check that this is the right series.',
      );
    }
    const thick = Math.max(...v.geometry.spacing);
    if (thick > THICK_SLICE_FACTOR * Math.max(...spacingMm)) {
      warnings.push(
        `${name}: ${thick.toFixed(1)} mm slices were resampled to ${spacingMm[2]} mm; detail ` +
          'between slices is interpolated, so boundaries are less accurate than on 1 mm data.',
      );
    }
    if (isOblique(v.geometry)) {
      warnings.push(`${name}: oblique acquisition, resampled onto the axis-aligned model grid.`);
    }
  }
  if (notStripped.length > 0) {
    warnings.push(
      `Input does not look skull-stripped: ${notStripped.join('; ')}. The model was trained on ` +
        'skull-stripped, co-registered BraTS data; expect false positives outside the brain.',
    );
  }
  const first = present.length > 0 ? (volumes[present[0]] as Volume).geometry : undefined;
  if (first && present.some((s) => !sameGrid(first, (volumes[s] as Volume).geometry, 0.01))) {
    warnings.push(
      'The sequences are on different grids and were resampled by world coordinates. No ' +
        'registration is done: if the patient moved between series, the inputs are misaligned.',
    );
  }
  return warnings;
}

/** True when a series looks skull-stripped by the thresholds above (core/prepare's decision). */
export function looksSkullStripped(v: Volume): boolean {
  const f = nonzeroFractions(v);
  return f.all <= MAX_NONZERO_FRACTION && f.border <= MAX_BORDER_NONZERO_FRACTION;
}
