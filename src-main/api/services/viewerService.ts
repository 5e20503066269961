/**
 * Service: a series' voxels for the viewer. Picks the smallest type Cornerstone renders without
 * loss (uint8/int16/uint16 as stored, integral values in int16 range as int16, else float32) and a
 * robust display window, and hands the bytes over as a binary result.
 */
import type { Series } from '../../core/study/types.ts';
import type { VoxelArray } from '../../core/volume/Volume.ts';
import type { SeriesVolumeDto, ViewerVoxelType } from '../contract/viewer.ts';
import type { ServiceParts } from './types.ts';

/** Finds an imported series (the study store). */
export type SeriesSource = (studyId: string, seriesId: string) => Promise<Series>;

/** Voxels sampled for the window percentiles: plenty for a stable estimate, cheap to sort. */
const WINDOW_SAMPLES = 200_000;
/** Percentiles of the non-zero voxels that bound the initial window. */
const WINDOW_LOW = 0.005;
const WINDOW_HIGH = 0.995;
const INT16_MIN = -32768;
const INT16_MAX = 32767;

/** Returns the voxels as a type Cornerstone renders, copying only when a conversion is needed. */
export function toDisplayVoxels(data: VoxelArray): {
  dataType: ViewerVoxelType;
  array: VoxelArray;
} {
  if (data instanceof Uint8Array) return { dataType: 'uint8', array: data };
  if (data instanceof Int16Array) return { dataType: 'int16', array: data };
  if (data instanceof Uint16Array) return { dataType: 'uint16', array: data };
  let integral = true;
  for (let v = 0; v < data.length; v++) {
    const x = data[v];
    if (!Number.isInteger(x) || x < INT16_MIN || x > INT16_MAX) {
      integral = false;
      break;
    }
  }
  return integral
    ? { dataType: 'int16', array: Int16Array.from(data) }
    : { dataType: 'float32', array: data instanceof Float32Array ? data : Float32Array.from(data) };
}

/** Window (centre, width) from the 0.5th–99.5th percentile of a sample of non-zero voxels. */
export function robustWindow(data: VoxelArray): { center: number; width: number } {
  const stride = Math.max(1, Math.floor(data.length / WINDOW_SAMPLES));
  const sample: number[] = [];
  for (let v = 0; v < data.length; v += stride) if (data[v] !== 0) sample.push(data[v]);
  if (sample.length === 0) return { center: 0.5, width: 1 };
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(WINDOW_LOW * (sample.length - 1))];
  const hi = sample[Math.ceil(WINDOW_HIGH * (sample.length - 1))];
  const width = Math.max(hi - lo, 1e-6);
  return { center: lo + width / 2, width };
}

/** A standalone ArrayBuffer holding exactly the array's bytes (no copy when it already is one). */
function ownBuffer(a: VoxelArray): ArrayBuffer {
  // A NIfTI volume may live in shared memory (readNifti, for the segmentation worker); IPC and
  // HTTP carry only a plain ArrayBuffer, so that one is copied out.
  if (!(a.buffer instanceof ArrayBuffer))
    return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice().buffer;
  const buf = a.buffer;
  return a.byteOffset === 0 && a.byteLength === buf.byteLength
    ? buf
    : buf.slice(a.byteOffset, a.byteOffset + a.byteLength);
}

/** Implements the viewer methods of the contract. */
export function createViewerService(series: SeriesSource): ServiceParts<'getSeriesVolume'> {
  return {
    getSeriesVolume: async ({ studyId, seriesId }) => {
      const s = await series(studyId, seriesId);
      const { dataType, array } = toDisplayVoxels(s.volume.data);
      const dto: SeriesVolumeDto = {
        studyId,
        seriesId,
        geometry: s.volume.geometry,
        dataType,
        window: robustWindow(array),
        data: ownBuffer(array),
      };
      return dto;
    },
  };
}
