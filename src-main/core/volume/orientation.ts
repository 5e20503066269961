/**
 * Orientation helpers on a Geometry: anatomical axis codes and obliquity. Pure functions.
 *
 * Axis codes follow the convention nibabel's `aff2axcodes` and ITK's "RAI"-style codes share in
 * the "points toward" sense: each letter is the anatomical direction in which that voxel index
 * increases. So a BraTS volume whose i runs toward patient Left, j toward Posterior and k toward
 * Superior is "LPS"; a dcm2niix axial volume is usually "RAS" or "LAS".
 */
import type { Geometry, Vec3 } from './Geometry.ts';

/** Letters for the +x, +y, +z LPS axes and their opposites. */
const POSITIVE = ['L', 'P', 'S'] as const;
const NEGATIVE = ['R', 'A', 'I'] as const;

/** One anatomical letter: L/R, P/A, S/I. */
export type AxisLetter = (typeof POSITIVE)[number] | (typeof NEGATIVE)[number];

/** The world axis (0 = x, 1 = y, 2 = z) a unit vector is closest to, and its sign. */
function dominantAxis(v: Vec3): { axis: 0 | 1 | 2; sign: 1 | -1 } {
  const abs = v.map(Math.abs);
  const axis = (abs[0] >= abs[1] && abs[0] >= abs[2] ? 0 : abs[1] >= abs[2] ? 1 : 2) as 0 | 1 | 2;
  return { axis, sign: v[axis] >= 0 ? 1 : -1 };
}

/**
 * The three-letter anatomical code of the i, j, k axes, e.g. "LPS", "RAS", "LAS".
 * Oblique axes get the letter of their closest world axis. When two voxel axes are closest to
 * the same world axis (a strongly oblique grid), the letters say so honestly by repeating.
 */
export function axisCodes(g: Geometry): string {
  return g.directionLps
    .map((dir) => {
      const { axis, sign } = dominantAxis(dir);
      return sign > 0 ? POSITIVE[axis] : NEGATIVE[axis];
    })
    .join('');
}

/**
 * Largest angle (degrees) between a voxel axis and the world axis it is closest to: 0 for a grid
 * aligned with the patient axes, > 0 for an oblique acquisition.
 */
export function obliquityDegrees(g: Geometry): number {
  let worst = 0;
  for (const dir of g.directionLps) {
    const { axis } = dominantAxis(dir);
    const cos = Math.min(1, Math.abs(dir[axis]) / (Math.hypot(dir[0], dir[1], dir[2]) || 1));
    worst = Math.max(worst, (Math.acos(cos) * 180) / Math.PI);
  }
  return worst;
}

/** True when every voxel axis is within `tolDeg` degrees of a world axis. */
export function isAxisAligned(g: Geometry, tolDeg = 1e-3): boolean {
  return obliquityDegrees(g) <= tolDeg;
}

/** Determinant of the direction matrix: +1 for a right-handed grid, −1 for a left-handed one. */
export function handedness(g: Geometry): 1 | -1 {
  const [a, b, c] = g.directionLps;
  const det =
    a[0] * (b[1] * c[2] - b[2] * c[1]) -
    b[0] * (a[1] * c[2] - a[2] * c[1]) +
    c[0] * (a[1] * b[2] - a[2] * b[1]);
  return det >= 0 ? 1 : -1;
}
