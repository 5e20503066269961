/**
 * NIfTI spatial transforms ↔ our LPS Geometry. Pure functions.
 *
 * Reading follows nifti1.h's precedence: the sform (method 3) when `sform_code > 0`, else the
 * qform (method 2, quaternion + pixdim + qfac) when `qform_code > 0`, else method 1 (pixdim only,
 * RAS axes, origin 0 — "ANALYZE" data with no orientation). NIfTI world space is RAS; we flip x and
 * y to get LPS (Geometry.ts). Writing produces both an sform and a qform from the Geometry.
 */
import { geometryFromAffineLps, affineRas } from '../../volume/Geometry.ts';
import type { Geometry, Mat4, Vec3 } from '../../volume/Geometry.ts';
import type { NiftiHeader } from './header.ts';

/** Which header transform a Geometry came from. */
export type TransformSource = 'sform' | 'qform' | 'pixdim';

/** Below this, `1 − (b² + c² + d²)` is treated as 0 (a 180° rotation), as nifti1_io.c does. */
const QUATERN_A_EPS = 1e-7;
/** |cos| between voxel axes above which the grid counts as sheared (≈ 0.006°). */
const SHEAR_COS_TOL = 1e-4;
/** A 3×3 block whose |det| is below this is singular. */
const SINGULAR_EPS = 1e-12;

/** A 3×3 matrix, row-major. */
type Mat3 = [number[], number[], number[]];

/** Rotation matrix of the unit quaternion (a, b, c, d) given b, c, d (nifti_quatern_to_mat44). */
export function quaternionToMatrix(b: number, c: number, d: number): Mat3 {
  let a = 1 - (b * b + c * c + d * d);
  if (a < QUATERN_A_EPS) {
    // Rounding pushed |(b,c,d)| to ≥ 1: renormalise and take a = 0 (a 180° rotation).
    const n = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= n;
    c *= n;
    d *= n;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
}

/** Voxel size from pixdim: |pixdim|, or 1 when it is 0 / not finite (nifti1_io.c does the same). */
function pixdimSpacing(h: NiftiHeader): Vec3 {
  const s = (v: number): number => (Number.isFinite(v) && v !== 0 ? Math.abs(v) : 1);
  return [s(h.pixdim[1]), s(h.pixdim[2]), s(h.pixdim[3])];
}

/** 4×4 RAS affine (row-major) from the qform (method 2). */
export function qformAffineRas(h: NiftiHeader): Mat4 {
  const R = quaternionToMatrix(h.quatern[0], h.quatern[1], h.quatern[2]);
  const [dx, dy, dz0] = pixdimSpacing(h);
  // qfac (pixdim[0]) is ±1; anything else (0, garbage) counts as +1 (nifti1.h).
  const dz = h.pixdim[0] < 0 ? -dz0 : dz0;
  const [ox, oy, oz] = h.qoffset;
  return [
    ...[R[0][0] * dx, R[0][1] * dy, R[0][2] * dz, ox],
    ...[R[1][0] * dx, R[1][1] * dy, R[1][2] * dz, oy],
    ...[R[2][0] * dx, R[2][1] * dy, R[2][2] * dz, oz],
    ...[0, 0, 0, 1],
  ];
}

/** 4×4 RAS affine from the sform rows (method 3). */
export function sformAffineRas(h: NiftiHeader): Mat4 {
  return [...h.srow, 0, 0, 0, 1];
}

/** 4×4 RAS affine from pixdim alone (method 1). */
function pixdimAffineRas(h: NiftiHeader): Mat4 {
  const [dx, dy, dz] = pixdimSpacing(h);
  return [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1];
}

/** Determinant of the upper-left 3×3 block of a row-major 4×4. */
function det3(m: Mat4): number {
  return (
    m[0] * (m[5] * m[10] - m[6] * m[9]) -
    m[1] * (m[4] * m[10] - m[6] * m[8]) +
    m[2] * (m[4] * m[9] - m[5] * m[8])
  );
}

/** True when all 12 numbers are finite and the 3×3 block is invertible. */
function usable(m: Mat4): boolean {
  return m.slice(0, 12).every(Number.isFinite) && Math.abs(det3(m)) > SINGULAR_EPS;
}

/** Result of {@link niftiGeometry}. */
export interface NiftiGeometryResult {
  readonly geometry: Geometry;
  readonly source: TransformSource;
  /** Notes for the user (fallbacks taken). */
  readonly warnings: string[];
}

/**
 * The LPS Geometry a NIfTI header describes, following the standard precedence. A singular or
 * non-finite sform falls back to the qform (and that to pixdim), with a warning.
 */
export function niftiGeometry(h: NiftiHeader, dims: Vec3): NiftiGeometryResult {
  const warnings: string[] = [];
  let ras: Mat4 | undefined;
  let source: TransformSource = 'pixdim';
  if (h.sformCode > 0) {
    const m = sformAffineRas(h);
    if (usable(m)) [ras, source] = [m, 'sform'];
    else warnings.push('The sform is singular or not finite; using the qform instead.');
  }
  if (!ras && h.qformCode > 0) {
    const m = qformAffineRas(h);
    if (usable(m)) [ras, source] = [m, 'qform'];
    else warnings.push('The qform is not finite; using pixdim only.');
  }
  if (!ras) {
    ras = pixdimAffineRas(h);
    warnings.push(
      'The file has no sform or qform: orientation unknown, axes assumed RAS with the origin at voxel 0.',
    );
  }
  const k = h.spatialUnitToMm;
  // RAS → LPS: negate the x and y rows; unit scale (m / µm → mm) applies to all 12 numbers.
  const sign = [-1, -1, 1];
  const lps = ras.map((v, i) => (i < 12 ? v * k * sign[Math.floor(i / 4)] + 0 : v));
  const geometry = geometryFromAffineLps(lps, dims);
  if (maxAxisCosine(geometry) > SHEAR_COS_TOL) {
    warnings.push(
      `The ${source} has shear (voxel axes are not perpendicular); positions are exact, but exports that need perpendicular axes (DICOM, qform) approximate it.`,
    );
  }
  return { geometry, source, warnings };
}

/** Largest |cos| between two voxel axes (0 for a perpendicular grid). */
function maxAxisCosine(g: Geometry): number {
  const [a, b, c] = g.directionLps;
  const dot = (u: Vec3, v: Vec3): number => Math.abs(u[0] * v[0] + u[1] * v[1] + u[2] * v[2]);
  return Math.max(dot(a, b), dot(a, c), dot(b, c));
}

/** The sform rows (RAS, 12 numbers) that reproduce a Geometry exactly (up to float32 storage). */
export function sformFromGeometry(g: Geometry): number[] {
  // `+ 0` turns −0 (from negating 0) into 0, so headers print cleanly in other tools.
  return affineRas(g)
    .slice(0, 12)
    .map((v) => v + 0);
}

/** qform parameters: quatern b, c, d, qoffset x, y, z, qfac and pixdim[1..3]. */
export interface QformParams {
  readonly quatern: Vec3;
  readonly qoffset: Vec3;
  readonly qfac: 1 | -1;
  readonly pixdim: Vec3;
}

/**
 * The qform (quaternion) that best represents a Geometry (nifti_mat44_to_quatern). A qform is a
 * proper rotation; a left-handed grid is encoded with qfac = −1 (third column negated). Shear
 * cannot be represented; the sform carries the exact affine.
 */
export function qformFromGeometry(g: Geometry): QformParams {
  // RAS direction columns: flip the x and y components of the LPS ones.
  const col = g.directionLps.map((d) => [-d[0], -d[1], d[2]] as Vec3);
  const r: Mat3 = [
    [col[0][0], col[1][0], col[2][0]],
    [col[0][1], col[1][1], col[2][1]],
    [col[0][2], col[1][2], col[2][2]],
  ];
  const det =
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
    r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
    r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  if (qfac < 0) for (const row of r) row[2] = -row[2];
  const origin = affineRas(g);
  return {
    quatern: rotationToQuaternion(r),
    qoffset: [origin[3] + 0, origin[7] + 0, origin[11] + 0],
    qfac,
    pixdim: [g.spacing[0], g.spacing[1], g.spacing[2]],
  };
}

/** (b, c, d) of a proper rotation matrix with a ≥ 0 (nifti_mat44_to_quatern's branch order). */
function rotationToQuaternion(r: Mat3): Vec3 {
  const [[r11, r12, r13], [r21, r22, r23], [r31, r32, r33]] = r;
  let a = r11 + r22 + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return [b, c, d];
}
