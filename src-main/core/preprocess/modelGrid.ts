/**
 * The model grid (MODEL_PIPELINE.md §2): an LPS-aligned grid at the manifest's spacing covering
 * the reference series' field of view. Pure functions.
 */
import { voxelToLps, type Geometry, type Vec3 } from '../volume/Geometry.ts';
import type { ModelSlot } from '../enums/SequenceLabel.ts';

/** Relative tolerance when comparing voxel volumes for the reference choice. */
const RESOLUTION_TIE_TOL = 1e-6;
/** Extents within this many mm of a whole number of model voxels count as that number. */
const EXTENT_TOL_MM = 1e-4;

const IDENTITY: readonly [Vec3, Vec3, Vec3] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/**
 * Reference slot: the present series with the smallest voxel volume (highest resolution); ties go
 * to the earlier slot in `order` (the manifest's modality order).
 */
export function chooseReferenceSlot(
  geometries: Partial<Record<ModelSlot, Geometry>>,
  order: readonly ModelSlot[],
): ModelSlot {
  let best: ModelSlot | undefined;
  let bestVol = Infinity;
  for (const slot of order) {
    const g = geometries[slot];
    if (!g) continue;
    const vol = g.spacing[0] * g.spacing[1] * g.spacing[2];
    if (vol < bestVol * (1 - RESOLUTION_TIE_TOL)) {
      best = slot;
      bestVol = vol;
    }
  }
  if (!best) throw new Error('chooseReferenceSlot: no present series');
  return best;
}

/** LPS bounding box (low, high corners) of a grid's field of view (its 8 voxel corners). */
export function fieldOfViewLps(g: Geometry): { low: Vec3; high: Vec3 } {
  const low = [Infinity, Infinity, Infinity];
  const high = [-Infinity, -Infinity, -Infinity];
  for (const ci of [-0.5, g.dims[0] - 0.5]) {
    for (const cj of [-0.5, g.dims[1] - 0.5]) {
      for (const ck of [-0.5, g.dims[2] - 0.5]) {
        const p = voxelToLps(g, [ci, cj, ck]);
        for (let a = 0; a < 3; a++) {
          low[a] = Math.min(low[a], p[a]);
          high[a] = Math.max(high[a], p[a]);
        }
      }
    }
  }
  return { low: low as unknown as Vec3, high: high as unknown as Vec3 };
}

/**
 * The model grid for a reference geometry: axes L, P, S; dims = floor(extent / spacing) (min 1);
 * first voxel centre half a model voxel inside the low corner.
 */
export function buildModelGrid(reference: Geometry, spacingMm: Vec3): Geometry {
  const { low, high } = fieldOfViewLps(reference);
  const dims = [0, 1, 2].map((a) => {
    const n = (high[a] - low[a]) / spacingMm[a];
    return Math.max(1, Math.floor(n + EXTENT_TOL_MM / spacingMm[a]));
  }) as unknown as Vec3;
  const originLps = [0, 1, 2].map((a) => low[a] + spacingMm[a] / 2) as unknown as Vec3;
  return { dims, spacing: spacingMm, originLps, directionLps: IDENTITY };
}
