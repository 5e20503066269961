/**
 * Resampling through a world-space transform, by the project's own resamplers. Pure functions.
 *
 * `pull` maps a TARGET world point (LPS) to the SOURCE's world point. Rather than a second
 * interpolation code path, the source's voxel→world affine A is replaced by pull⁻¹·A: its index
 * map inv(pull⁻¹·A)·A_target = A⁻¹·pull·A_target is exactly "target voxel → target world → pull →
 * source voxel", so core/preprocess/resample's trilinear and nearest arithmetic (edge rule,
 * outside → 0) apply unchanged. Every series is resampled once from its native grid through the
 * composed transform (never from elastix's already-interpolated output).
 */
import { affineLps, geometryFromAffineLps, type Geometry, type Mat4 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { resampleNearest, resampleTrilinear } from '../preprocess/resample.ts';
import { invert, multiply } from './transforms.ts';

/** The source volume as seen from the target's world: same voxels, moved header. */
export function movedVolume(source: Volume, pull: Mat4): Volume {
  const a = multiply(invert(pull), affineLps(source.geometry));
  return { geometry: geometryFromAffineLps(a, source.geometry.dims), data: source.data };
}

/** Trilinear resampling of `source` onto `target` through `pull` (target world → source world). */
export function resampleTrilinearThrough(
  source: Volume,
  pull: Mat4,
  target: Geometry,
): Float32Array {
  return resampleTrilinear(movedVolume(source, pull), target);
}

/** Nearest-neighbour (labels) resampling of `source` onto `target` through `pull`. */
export function resampleNearestThrough(source: Volume, pull: Mat4, target: Geometry): Uint8Array {
  return resampleNearest(movedVolume(source, pull), target);
}

/** Inclusive-exclusive voxel box [lo, hi) on a grid. */
export interface VoxelBox {
  readonly lo: readonly [number, number, number];
  readonly hi: readonly [number, number, number];
}

/** The bounding box of a mask's non-zero voxels, or undefined when it is empty. */
export function maskBox(mask: ArrayLike<number>, dims: readonly number[]): VoxelBox | undefined {
  const [nx, ny, nz] = dims;
  const lo: [number, number, number] = [nx, ny, nz];
  const hi: [number, number, number] = [0, 0, 0];
  for (let k = 0, x = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, x++) {
        if (!mask[x]) continue;
        if (i < lo[0]) lo[0] = i;
        if (j < lo[1]) lo[1] = j;
        if (k < lo[2]) lo[2] = k;
        if (i >= hi[0]) hi[0] = i + 1;
        if (j >= hi[1]) hi[1] = j + 1;
        if (k >= hi[2]) hi[2] = k + 1;
      }
    }
  }
  return hi[0] > lo[0] ? { lo, hi } : undefined;
}

/**
 * resampleTrilinearThrough restricted to a box of the target (zero elsewhere): the same
 * arithmetic on the box's sub-grid (same voxel centres), pasted into the full grid. The
 * preparation only keeps voxels inside the brain mask, whose box is about a third of the BraTS
 * grid, so the rest need not be interpolated.
 */
export function resampleTrilinearThroughBox(
  source: Volume,
  pull: Mat4,
  target: Geometry,
  box: VoxelBox,
): Float32Array {
  const [di, dj, dk] = target.directionLps;
  const sp = target.spacing;
  const o = target.originLps;
  const off = box.lo.map((n, a) => n * sp[a]);
  const sub: Geometry = {
    ...target,
    dims: [box.hi[0] - box.lo[0], box.hi[1] - box.lo[1], box.hi[2] - box.lo[2]],
    originLps: [0, 1, 2].map(
      (r) => o[r] + off[0] * di[r] + off[1] * dj[r] + off[2] * dk[r],
    ) as unknown as Geometry['originLps'],
  };
  const part = resampleTrilinearThrough(source, pull, sub);
  const [nx, ny] = target.dims;
  const [bx, by, bz] = sub.dims;
  const out = new Float32Array(nx * ny * target.dims[2]);
  for (let k = 0; k < bz; k++) {
    for (let j = 0; j < by; j++) {
      const from = (k * by + j) * bx;
      out.set(
        part.subarray(from, from + bx),
        ((box.lo[2] + k) * ny + box.lo[1] + j) * nx + box.lo[0],
      );
    }
  }
  return out;
}
