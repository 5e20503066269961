/**
 * Turns volumes that arrive from the api (geometry + little-endian bytes) into Cornerstone local
 * volumes in the cache. Volume ids carry no colon: Cornerstone reads the text before a colon as a
 * loader scheme, and local volumes have none.
 */
import { cache, volumeLoader } from '@cornerstonejs/core';
import type { Types } from '@cornerstonejs/core';

/** Geometry as the api sends it (LPS, i-fastest; see core/volume/Geometry.ts). */
export interface GeometryInput {
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly originLps: readonly [number, number, number];
  readonly directionLps: readonly [
    readonly [number, number, number],
    readonly [number, number, number],
    readonly [number, number, number],
  ];
}

/** Voxel types the api sends (the ones Cornerstone renders without conversion). */
export type VoxelType = 'uint8' | 'int16' | 'uint16' | 'float32';

/** A volume as the api sends it. */
export interface VolumeInput {
  readonly geometry: GeometryInput;
  readonly dataType: VoxelType;
  readonly data: ArrayBuffer;
  /** Suggested initial window (centre, width). */
  readonly window?: { readonly center: number; readonly width: number };
}

const ARRAY_OF: Readonly<Record<VoxelType, new (b: ArrayBuffer) => Types.PixelDataTypedArray>> = {
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  float32: Float32Array,
};

const BITS_OF: Readonly<Record<VoxelType, number>> = {
  uint8: 8,
  int16: 16,
  uint16: 16,
  float32: 32,
};

/** A Cornerstone volume id for a key (series id, labelmap id): colon-free, readable. */
export function volumeIdFor(prefix: string, key: string): string {
  return `${prefix}_${key.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** Creates (or replaces) a local volume in Cornerstone's cache; returns its id. */
export function putLocalVolume(volumeId: string, input: VolumeInput): string {
  removeLocalVolume(volumeId);
  const g = input.geometry;
  const scalarData = new ARRAY_OF[input.dataType](input.data);
  const bits = BITS_OF[input.dataType];
  volumeLoader.createLocalVolume(volumeId, {
    dimensions: [g.dims[0], g.dims[1], g.dims[2]],
    spacing: [g.spacing[0], g.spacing[1], g.spacing[2]],
    origin: [g.originLps[0], g.originLps[1], g.originLps[2]],
    direction: g.directionLps.flat() as unknown as Types.Mat3,
    scalarData,
    metadata: {
      BitsAllocated: bits,
      BitsStored: bits,
      HighBit: bits - 1,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      PixelRepresentation: input.dataType === 'int16' ? 1 : 0,
      Modality: 'MR',
      voiLut: input.window
        ? [{ windowCenter: input.window.center, windowWidth: input.window.width }]
        : [],
      FrameOfReferenceUID: 'metakd-local',
    } as unknown as Types.Metadata,
  });
  return volumeId;
}

/** Frees a local volume and the per-slice images createLocalVolume cached with it. */
export function removeLocalVolume(volumeId: string): void {
  const volume = cache.getVolume(volumeId);
  if (!volume) return;
  const imageIds = [...(volume.imageIds ?? [])];
  cache.removeVolumeLoadObject(volumeId);
  for (const id of imageIds) {
    if (cache.getImageLoadObject(id)) cache.removeImageLoadObject(id);
  }
}

/** Overwrites a cached labelmap volume's voxels (after an edit) without re-creating it. */
export function replaceVoxels(volumeId: string, data: Uint8Array): void {
  const volume = cache.getVolume(volumeId);
  if (!volume) return;
  const vm = volume.voxelManager as unknown as {
    setCompleteScalarDataArray?: (d: ArrayLike<number>) => void;
  };
  vm.setCompleteScalarDataArray?.(data);
}

/** LPS world point → fractional voxel index of a geometry. */
export function worldToIndex(g: GeometryInput, p: readonly number[]): [number, number, number] {
  const d = [p[0] - g.originLps[0], p[1] - g.originLps[1], p[2] - g.originLps[2]];
  // Direction cosines are orthonormal, so the inverse is the transpose.
  return [0, 1, 2].map(
    (a) =>
      (d[0] * g.directionLps[a][0] + d[1] * g.directionLps[a][1] + d[2] * g.directionLps[a][2]) /
      g.spacing[a],
  ) as [number, number, number];
}

/** Voxel index → LPS world point. */
export function indexToWorld(g: GeometryInput, ijk: readonly number[]): [number, number, number] {
  const out: [number, number, number] = [g.originLps[0], g.originLps[1], g.originLps[2]];
  for (let a = 0; a < 3; a++) {
    for (let c = 0; c < 3; c++) out[c] += ijk[a] * g.spacing[a] * g.directionLps[a][c];
  }
  return out;
}

/**
 * Writes an inclusive block of voxels (i fastest) into a cached labelmap volume in place and
 * returns the volume's complete voxel array (for the lesion list).
 */
export function patchVoxels(
  volumeId: string,
  dims: readonly [number, number, number],
  box: { readonly min: readonly number[]; readonly max: readonly number[] },
  block: Uint8Array,
): Uint8Array {
  const volume = cache.getVolume(volumeId);
  const vm = volume?.voxelManager as Types.IVoxelManager<number> | undefined;
  if (!vm) return new Uint8Array(0);
  let o = 0;
  for (let k = box.min[2]; k <= box.max[2]; k++)
    for (let j = box.min[1]; j <= box.max[1]; j++)
      for (let i = box.min[0]; i <= box.max[0]; i++) {
        const index = i + dims[0] * (j + dims[1] * k);
        const v = block[o++];
        if (vm.getAtIndex(index) !== v) vm.setAtIndex(index, v);
      }
  return (vm.getCompleteScalarDataArray?.() ?? new Uint8Array(0)) as unknown as Uint8Array;
}
