/**
 * World-space (LPS, mm) 4×4 transforms for the preparation stage. Pure functions.
 *
 * Convention (the one elastix uses, RAW-INPUT.md): a registration of `moving` onto `fixed` yields
 * T mapping a point of the FIXED space to the MOVING space (the pull-back a resampler needs).
 * Composition follows the resampling chain: to bring series s into BraTS space, a BraTS-space
 * point p goes to the reference's space (T_bratsToRef) and from there to s (T_refToS), so
 * M = T_refToS · T_bratsToRef.
 */
import { invertAffine, type Mat4, type Vec3 } from '../volume/Geometry.ts';

/** The 4×4 identity. */
export const IDENTITY4: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

/** a · b (row-major 4×4): apply b first, then a. */
export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let x = 0; x < 4; x++) s += a[r * 4 + x] * b[x * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/** Composes transforms in application order: compose(A, B, C) applies A, then B, then C. */
export function compose(...inOrder: readonly Mat4[]): Mat4 {
  return inOrder.reduce((acc, m) => multiply(m, acc), IDENTITY4);
}

/** Inverse of an affine 4×4. */
export const invert = invertAffine;

/**
 * Rotation angle (degrees) of the linear part's closest rotation. For a rigid matrix this is the
 * exact angle; for an affine one it is the angle of its rotation by the polar decomposition
 * (approximated by the trace formula on the orthonormalised columns).
 */
export function rotationAngleDeg(m: Mat4): number {
  const cols = [0, 1, 2].map((c) => [m[c], m[4 + c], m[8 + c]]);
  // Gram–Schmidt: enough to read the rotation of a near-rigid matrix.
  const unit = (v: number[]) => {
    const n = Math.hypot(v[0], v[1], v[2]) || 1;
    return v.map((x) => x / n);
  };
  const e0 = unit(cols[0]);
  const d01 = e0[0] * cols[1][0] + e0[1] * cols[1][1] + e0[2] * cols[1][2];
  const e1 = unit(cols[1].map((x, i) => x - d01 * e0[i]));
  const e2 = [
    e0[1] * e1[2] - e0[2] * e1[1],
    e0[2] * e1[0] - e0[0] * e1[2],
    e0[0] * e1[1] - e0[1] * e1[0],
  ];
  const trace = e0[0] + e1[1] + e2[2];
  return (Math.acos(Math.min(1, Math.max(-1, (trace - 1) / 2))) * 180) / Math.PI;
}

/** How far (mm) the transform moves a point (for head motion: a point near the brain centre). */
export function displacementMm(m: Mat4, p: Vec3): number {
  const q = [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
  return Math.hypot(q[0] - p[0], q[1] - p[1], q[2] - p[2]);
}

/** Determinant of the linear part (volume scale of an affine). */
export function linearDeterminant(m: Mat4): number {
  return (
    m[0] * (m[5] * m[10] - m[6] * m[9]) -
    m[1] * (m[4] * m[10] - m[6] * m[8]) +
    m[2] * (m[4] * m[9] - m[5] * m[8])
  );
}
