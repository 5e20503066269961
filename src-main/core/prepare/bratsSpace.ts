/**
 * BraTS space: the SRI24 atlas grid every BraTS case is resampled onto by the BraTS pipeline
 * (240×240×155, 1 mm). Read off the shared cases' headers: NIfTI sform diag(−1, −1, 1) with
 * offset (0, 239, 0) in RAS, i.e. LPS-aligned axes and the first voxel at LPS (0, −239, 0).
 */
import { sameGrid, type Geometry } from '../volume/Geometry.ts';

/** The BraTS (SRI24) grid in LPS. */
export const BRATS_GRID: Geometry = {
  dims: [240, 240, 155],
  spacing: [1, 1, 1],
  originLps: [0, -239, 0],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

/** Corners within this many mm count as the BraTS grid (header round-off, float32 sforms). */
const BRATS_GRID_TOL_MM = 0.5;

/** True when a geometry is the BraTS grid. */
export function isBratsGrid(g: Geometry): boolean {
  return sameGrid(g, BRATS_GRID, BRATS_GRID_TOL_MM);
}
