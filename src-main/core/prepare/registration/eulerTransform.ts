/**
 * elastix transform parameters ↔ LPS 4×4 matrices. Pure functions.
 *
 * elastix's EulerTransform (ITK Euler3DTransform, ComputeZYX false): parameters (rx, ry, rz, tx,
 * ty, tz), rotation R = Rz·Rx·Ry, centre c from CenterOfRotationPoint, and the point map
 * T(p) = R·(p − c) + c + t from the FIXED image's space to the MOVING image's (RAW-INPUT.md).
 * AffineTransform (ITK AffineTransform): parameters (a00 a01 a02 a10 … a22, tx, ty, tz) row-major,
 * same centre and map with A in place of R.
 */
import type { Mat4, Vec3 } from '../../volume/Geometry.ts';

function rx(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [1, 0, 0, 0, c, -s, 0, s, c];
}
function ry(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [c, 0, s, 0, 1, 0, -s, 0, c];
}
function rz(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}
function mul3(a: readonly number[], b: readonly number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      for (let x = 0; x < 3; x++) o[r * 3 + c] += a[r * 3 + x] * b[x * 3 + c];
    }
  }
  return o;
}

/** 4×4 from a 3×3 linear part A, centre c and translation t: p ↦ A(p − c) + c + t. */
export function centredToMatrix(a: readonly number[], centre: Vec3, t: Vec3): Mat4 {
  const off = [0, 1, 2].map(
    (r) =>
      centre[r] +
      t[r] -
      (a[r * 3] * centre[0] + a[r * 3 + 1] * centre[1] + a[r * 3 + 2] * centre[2]),
  );
  return [a[0], a[1], a[2], off[0], a[3], a[4], a[5], off[1], a[6], a[7], a[8], off[2], 0, 0, 0, 1];
}

/** Rotation matrix (3×3 row-major) of Euler angles in elastix's order R = Rz·Rx·Ry. */
export function eulerRotation(angles: Vec3): number[] {
  return mul3(rz(angles[2]), mul3(rx(angles[0]), ry(angles[1])));
}

/** LPS 4×4 (fixed → moving) of EulerTransform parameters (rx, ry, rz, tx, ty, tz) about `centre`. */
export function eulerToMatrix(params: readonly number[], centre: Vec3): Mat4 {
  if (params.length !== 6)
    throw new Error(`EulerTransform needs 6 parameters, got ${params.length}`);
  return centredToMatrix(eulerRotation([params[0], params[1], params[2]]), centre, [
    params[3],
    params[4],
    params[5],
  ]);
}

/**
 * Euler parameters (rx, ry, rz, tx, ty, tz) of a rigid 4×4 about `centre` (inverse of
 * eulerToMatrix; used by tests and the synthetic generator's bookkeeping).
 */
export function matrixToEuler(m: Mat4, centre: Vec3): number[] {
  // R = Rz·Rx·Ry: R[2][1] = sin(rx); R[2][0] = −cos(rx)·sin(ry); R[2][2] = cos(rx)·cos(ry);
  // R[0][1] = −sin(rz)·cos(rx); R[1][1] = cos(rz)·cos(rx).
  const ax = Math.asin(Math.max(-1, Math.min(1, m[9])));
  const ay = Math.atan2(-m[8], m[10]);
  const az = Math.atan2(-m[1], m[5]);
  const a = [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]];
  const t = [0, 1, 2].map(
    (r) =>
      m[r * 4 + 3] -
      centre[r] +
      (a[r * 3] * centre[0] + a[r * 3 + 1] * centre[1] + a[r * 3 + 2] * centre[2]),
  );
  return [ax, ay, az, t[0], t[1], t[2]];
}

/** LPS 4×4 (fixed → moving) of AffineTransform parameters (9 matrix + 3 translation). */
export function affineParamsToMatrix(params: readonly number[], centre: Vec3): Mat4 {
  if (params.length !== 12) {
    throw new Error(`AffineTransform needs 12 parameters, got ${params.length}`);
  }
  return centredToMatrix(params.slice(0, 9), centre, [params[9], params[10], params[11]]);
}
