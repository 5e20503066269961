/**
 * Geometry of what a viewport shows (pure functions): which slice of its own series the view plane
 * cuts (so a 26-slice series says "slice 14 / 26" even while it is synchronised with a 40-slice
 * one), and the patient-direction letters at the edges of the image (DICOM LPS: +x is the
 * patient's left, +y posterior, +z superior).
 */

/** A volume's grid as the api sends it (LPS, i-fastest; core/volume/Geometry.ts). */
export interface GridGeometry {
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly originLps: readonly [number, number, number];
  readonly directionLps: readonly (readonly [number, number, number])[];
}

type Vec3 = readonly [number, number, number];

const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * The slice of `g` through `focal` along the view normal: 1-based index, slice count along the
 * grid axis closest to the normal, and whether the plane lies inside the series at all.
 */
export function sliceOf(
  g: GridGeometry,
  focal: Vec3,
  normal: Vec3,
): { index: number; count: number; inside: boolean } {
  let axis = 0;
  for (let a = 1; a < 3; a++) {
    if (Math.abs(dot(g.directionLps[a], normal)) > Math.abs(dot(g.directionLps[axis], normal)))
      axis = a;
  }
  const d = [focal[0] - g.originLps[0], focal[1] - g.originLps[1], focal[2] - g.originLps[2]];
  const k = Math.round(dot(d, g.directionLps[axis]) / g.spacing[axis]);
  const count = g.dims[axis];
  return { index: k + 1, count, inside: k >= 0 && k < count };
}

/** LPS axis letters: the direction each axis points to, positive and negative. */
const LETTERS: readonly [string, string][] = [
  ['L', 'R'],
  ['P', 'A'],
  ['S', 'I'],
];

/** The letter(s) of a direction: its main axis, plus a second when it is clearly oblique. */
export function directionLetters(v: Vec3): string {
  const order = [0, 1, 2].sort((a, b) => Math.abs(v[b]) - Math.abs(v[a]));
  const letter = (a: number) => LETTERS[a][v[a] >= 0 ? 0 : 1];
  const main = letter(order[0]);
  return Math.abs(v[order[1]]) > 0.3 * Math.abs(v[order[0]]) ? main + letter(order[1]) : main;
}

/**
 * Letters at the four edges of a view with camera `viewUp` and `viewPlaneNormal` (Cornerstone:
 * screen right = viewUp × viewPlaneNormal).
 */
export function orientationMarkers(
  viewUp: Vec3,
  normal: Vec3,
): { top: string; bottom: string; left: string; right: string } {
  const right: Vec3 = [
    viewUp[1] * normal[2] - viewUp[2] * normal[1],
    viewUp[2] * normal[0] - viewUp[0] * normal[2],
    viewUp[0] * normal[1] - viewUp[1] * normal[0],
  ];
  const neg = (v: Vec3): Vec3 => [-v[0], -v[1], -v[2]];
  return {
    top: directionLetters(viewUp),
    bottom: directionLetters(neg(viewUp)),
    right: directionLetters(right),
    left: directionLetters(neg(right)),
  };
}

/** Window width and level of a display range. */
export function windowOf(range: { lower: number; upper: number }): {
  width: number;
  level: number;
} {
  return { width: range.upper - range.lower, level: (range.upper + range.lower) / 2 };
}

/** Named window presets for MR (there is no absolute MR intensity scale, so all are data-driven). */
export type WindowPreset = 'brain' | 'auto' | 'full';

/**
 * The display range of a preset over a volume's voxels: "brain" the 0.5–99.5 % percentiles of the
 * non-zero voxels (skull-stripped BraTS data is zero outside the brain), "auto" the 2–98 %
 * percentiles of every voxel (a T1 or T2 series' own contrast), "full" minimum to maximum.
 */
export function presetRange(
  data: ArrayLike<number>,
  preset: WindowPreset,
): { lower: number; upper: number } {
  const n = data.length;
  if (preset === 'full') {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return n ? { lower: lo, upper: Math.max(hi, lo + 1) } : { lower: 0, upper: 1 };
  }
  // A strided sample keeps this fast on 9-million-voxel volumes; percentiles barely move.
  const step = Math.max(1, Math.floor(n / 200_000));
  const sample: number[] = [];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i += step) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (preset !== 'brain' || v !== 0) sample.push(v);
  }
  if (sample.length === 0) return { lower: min, upper: Math.max(max, min + 1) };
  sample.sort((a, b) => a - b);
  const q = (p: number) => sample[Math.min(sample.length - 1, Math.floor(p * sample.length))];
  const [lo, hi] = preset === 'brain' ? [0.005, 0.995] : [0.02, 0.98];
  const lower = q(lo);
  return { lower, upper: Math.max(q(hi), lower + 1) };
}
