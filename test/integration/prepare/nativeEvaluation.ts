/**
 * Evaluation on the reference series' native grid, for the synthetic raw studies
 * (syntheticRawStudy.test.ts). The stage's labelmap lives on that grid; the BraTS-space truth and
 * the BraTS-space run's labels are both brought onto it by the same single nearest-neighbour
 * lookup through the TRUE pose, so the two runs are scored on the same voxels against the same
 * truth (rather than charging one of them a second resampling). On Brats18_CBICA_AQQ_1 this and
 * scoring in BraTS space differ by ≤ 0.001 Dice. Written from scratch (not the project's
 * resampling code).
 */
import type { Geometry, Mat4 } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';
import { apply, rigidInverse } from '../../fixtures/rawStudy.ts';

/**
 * Labels on an LPS-aligned BraTS grid → `target` (a native series' grid), nearest neighbour, where
 * `f` maps BraTS world → that series' world (the generator's F). Outside the BraTS grid: 0.
 */
export function bratsLabelsToNative(labels: Volume, f: Mat4, target: Geometry): Uint8Array {
  const src = labels.geometry;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      if (Math.abs(src.directionLps[a][b] - (a === b ? 1 : 0)) > 1e-6) {
        throw new Error('bratsLabelsToNative: the BraTS grid must be LPS-aligned');
      }
    }
  }
  const back = rigidInverse(f); // series world → BraTS world
  const [nx, ny, nz] = target.dims;
  const [sx, sy, sz] = src.dims;
  const [di, dj, dk] = target.directionLps;
  const out = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const p = [0, 1, 2].map(
          (r) =>
            target.originLps[r] +
            i * target.spacing[0] * di[r] +
            j * target.spacing[1] * dj[r] +
            k * target.spacing[2] * dk[r],
        ) as [number, number, number];
        const q = apply(back, p);
        const a = Math.round((q[0] - src.originLps[0]) / src.spacing[0]);
        const b = Math.round((q[1] - src.originLps[1]) / src.spacing[1]);
        const c = Math.round((q[2] - src.originLps[2]) / src.spacing[2]);
        if (a < 0 || b < 0 || c < 0 || a >= sx || b >= sy || c >= sz) continue;
        out[i + nx * (j + ny * k)] = labels.data[a + sx * (b + sy * c)];
      }
    }
  }
  return out;
}
