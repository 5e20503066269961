/**
 * Maps a labelmap from the grid it was computed on (e.g. the model grid) onto another grid (a source
 * series' grid) by nearest neighbour in world (LPS) coordinates. Pure function, no allocation per
 * voxel: the target→source voxel transform is affine, so each row is walked with a constant step.
 */
import {
  affineLps,
  invertAffine,
  sameGrid,
  voxelCount,
  type Geometry,
  type Mat4,
} from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';

/** Product of two row-major 4×4 affines (a · b). */
function multiply(a: Mat4, b: Mat4): number[] {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k] * b[k * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/**
 * Resamples `labels` onto `target` by nearest neighbour; voxels of the target that fall outside
 * the source grid become 0. Returns a Uint8Array volume (labels are small integers).
 * When the grids are the same, the data is copied unchanged.
 */
export function resampleLabels(labels: Volume, target: Geometry): Volume {
  const out = new Uint8Array(voxelCount(target));
  if (sameGrid(labels.geometry, target)) {
    out.set(labels.data);
    return { geometry: target, data: out };
  }
  // target voxel (i,j,k) → source fractional voxel index, as one affine.
  const m = multiply(invertAffine(affineLps(labels.geometry)), affineLps(target));
  const [nx, ny, nz] = target.dims;
  const [sx, sy, sz] = labels.geometry.dims;
  const src = labels.data;
  const sxy = sx * sy;
  let o = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      // Source index of target voxel (0, j, k); each step in i adds column 0 of m.
      let fi = m[1] * j + m[2] * k + m[3];
      let fj = m[5] * j + m[6] * k + m[7];
      let fk = m[9] * j + m[10] * k + m[11];
      for (let i = 0; i < nx; i++, o++) {
        const si = Math.round(fi);
        const sj = Math.round(fj);
        const sk = Math.round(fk);
        if (si >= 0 && sj >= 0 && sk >= 0 && si < sx && sj < sy && sk < sz) {
          out[o] = src[si + sx * sj + sxy * sk];
        }
        fi += m[0];
        fj += m[4];
        fk += m[8];
      }
    }
  }
  return { geometry: target, data: out };
}
