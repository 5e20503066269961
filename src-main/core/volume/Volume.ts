/**
 * The in-memory volume: a typed voxel array on a Geometry. Plain data, no methods, so it crosses
 * worker and process boundaries unchanged. A DICOM volume may read its voxels on the first access of
 * `data` (core/io/dicom/buildVolume.ts); after that it is plain data.
 */
import type { Geometry } from './Geometry.ts';

/** Voxel storage types we keep without conversion. */
export type VoxelArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** A 3-D scalar volume (one frame). Data is i-fastest, then j, then k. */
export interface Volume {
  /** Where the voxels sit in patient (LPS) space. */
  readonly geometry: Geometry;
  /** Voxel values after any rescale (slope/intercept) was applied. */
  readonly data: VoxelArray;
}

/** Index of voxel (i, j, k) in a Volume's data array. */
export function voxelIndex(
  dims: readonly [number, number, number],
  i: number,
  j: number,
  k: number,
): number {
  return i + dims[0] * (j + dims[1] * k);
}
