/**
 * Contract: voxel data for the viewer. Owner: the review app (issue 5). A volume is a binary
 * result: over HTTP the bytes are the body (little-endian) and the other fields a header; over
 * IPC `data` is an ArrayBuffer.
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';

/** Voxel types sent to the viewer (the ones Cornerstone renders without conversion). */
export type ViewerVoxelType = 'uint8' | 'int16' | 'uint16' | 'float32';

/** One series' voxels with geometry and a suggested display window. */
export interface SeriesVolumeDto {
  readonly studyId: string;
  readonly seriesId: string;
  readonly geometry: Geometry;
  readonly dataType: ViewerVoxelType;
  /** Robust initial window: 0.5th–99.5th percentile of the non-zero voxels. */
  readonly window: { readonly center: number; readonly width: number };
  /** Voxels, i fastest, in `dataType`. */
  readonly data: ArrayBuffer;
}

/** Methods of the viewer part of the api. */
export const viewerMethods = {
  getSeriesVolume: method<SeriesVolumeDto>()(
    () =>
      z.strictObject({
        studyId: z.string().check(z.minLength(1, 'studyId is required')),
        seriesId: z.string().check(z.minLength(1, 'seriesId is required')),
      }),
    'Returns one imported series’ voxels and geometry for display.',
  ),
} as const;
