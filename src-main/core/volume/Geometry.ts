/**
 * Volume geometry and world ↔ voxel transforms. Pure functions.
 *
 * Convention (the one stated for the whole code base): patient coordinates are DICOM LPS
 * (x → patient Left, y → Posterior, z → Superior), in millimetres. NIfTI's RAS is converted on
 * read and write (x_lps = −x_ras, y_lps = −y_ras, z unchanged). Voxel index (i, j, k): i is the
 * fastest-varying index in memory (DICOM column, NIfTI dim1), then j (row, dim2), then k
 * (slice, dim3). Position of voxel centre (i,j,k) = originLps + i·sx·dirI + j·sy·dirJ + k·sz·dirK.
 */

/** A 3-vector. */
export type Vec3 = readonly [number, number, number];
/** A 4×4 matrix, row-major, 16 numbers. */
export type Mat4 = readonly number[];

/** Where a grid of voxels sits in patient space. */
export interface Geometry {
  /** Voxel counts along i, j, k. */
  readonly dims: Vec3;
  /** Voxel size along i, j, k in mm (all > 0). */
  readonly spacing: Vec3;
  /** LPS position (mm) of the centre of voxel (0,0,0). */
  readonly originLps: Vec3;
  /** Unit direction cosines in LPS of the i, j and k axes: [dirI, dirJ, dirK]. */
  readonly directionLps: readonly [Vec3, Vec3, Vec3];
}

/** Number of voxels in one 3-D frame. */
export function voxelCount(g: Geometry): number {
  return g.dims[0] * g.dims[1] * g.dims[2];
}

/** LPS position (mm) of voxel index (i, j, k) (fractional indices allowed). */
export function voxelToLps(g: Geometry, ijk: Vec3): Vec3 {
  const [di, dj, dk] = g.directionLps;
  const a = ijk[0] * g.spacing[0];
  const b = ijk[1] * g.spacing[1];
  const c = ijk[2] * g.spacing[2];
  return [
    g.originLps[0] + a * di[0] + b * dj[0] + c * dk[0],
    g.originLps[1] + a * di[1] + b * dj[1] + c * dk[1],
    g.originLps[2] + a * di[2] + b * dj[2] + c * dk[2],
  ];
}

/** 4×4 voxel→LPS affine (row-major). */
export function affineLps(g: Geometry): Mat4 {
  const [di, dj, dk] = g.directionLps;
  const [sx, sy, sz] = g.spacing;
  const o = g.originLps;
  return [
    di[0] * sx,
    dj[0] * sy,
    dk[0] * sz,
    o[0],
    di[1] * sx,
    dj[1] * sy,
    dk[1] * sz,
    o[1],
    di[2] * sx,
    dj[2] * sy,
    dk[2] * sz,
    o[2],
    0,
    0,
    0,
    1,
  ];
}

/** 4×4 voxel→RAS affine (row-major), as NIfTI's sform expects. */
export function affineRas(g: Geometry): Mat4 {
  const m = affineLps(g).slice();
  for (let c = 0; c < 4; c++) {
    m[c] = -m[c];
    m[4 + c] = -m[4 + c];
  }
  return m;
}

/** Inverse of a general 4×4 affine (row-major) whose last row is 0 0 0 1. */
export function invertAffine(m: Mat4): Mat4 {
  const [a, b, c, d, e, f, g, h, i] = [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('affine is singular');
  const inv3 = [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
  const t = [m[3], m[7], m[11]];
  return [
    inv3[0],
    inv3[1],
    inv3[2],
    -(inv3[0] * t[0] + inv3[1] * t[1] + inv3[2] * t[2]),
    inv3[3],
    inv3[4],
    inv3[5],
    -(inv3[3] * t[0] + inv3[4] * t[1] + inv3[5] * t[2]),
    inv3[6],
    inv3[7],
    inv3[8],
    -(inv3[6] * t[0] + inv3[7] * t[1] + inv3[8] * t[2]),
    0,
    0,
    0,
    1,
  ];
}

/** Applies a 4×4 affine (row-major) to a point. */
export function applyAffine(m: Mat4, p: Vec3): Vec3 {
  return [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
}

/** Fractional voxel index of an LPS point. */
export function lpsToVoxel(g: Geometry, p: Vec3): Vec3 {
  return applyAffine(invertAffine(affineLps(g)), p);
}

/** Converts between RAS and LPS (the same flip both ways). */
export function rasToLps(p: Vec3): Vec3 {
  return [-p[0], -p[1], p[2]];
}

/** Converts between LPS and RAS (the same flip both ways). */
export const lpsToRas = rasToLps;

/** Builds a Geometry from a voxel→LPS affine and dims (spacing = column norms). */
export function geometryFromAffineLps(m: Mat4, dims: Vec3): Geometry {
  const col = (c: number): Vec3 => [m[c], m[4 + c], m[8 + c]];
  const norm = (v: Vec3): number => Math.hypot(v[0], v[1], v[2]);
  const cols = [col(0), col(1), col(2)];
  const spacing = cols.map(norm) as unknown as Vec3;
  const dir = cols.map((v, i) => {
    const n = spacing[i] || 1;
    return [v[0] / n, v[1] / n, v[2] / n] as Vec3;
  }) as unknown as readonly [Vec3, Vec3, Vec3];
  return { dims, spacing, originLps: [m[3], m[7], m[11]], directionLps: dir };
}

/** True when two geometries describe the same grid within `tolMm` millimetres at every corner. */
export function sameGrid(a: Geometry, b: Geometry, tolMm = 1e-3): boolean {
  if (a.dims.some((d, i) => d !== b.dims[i])) return false;
  for (const c of [0, 1]) {
    for (const r of [0, 1]) {
      for (const s of [0, 1]) {
        const ijk: Vec3 = [c * (a.dims[0] - 1), r * (a.dims[1] - 1), s * (a.dims[2] - 1)];
        const pa = voxelToLps(a, ijk);
        const pb = voxelToLps(b, ijk);
        if (Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]) > tolMm) return false;
      }
    }
  }
  return true;
}
