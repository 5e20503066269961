/**
 * Fills a Volume from an ordered slice stack: reads each frame's stored values and applies
 * RescaleSlope/RescaleIntercept. The output stays Int16 when every rescaled value is an integer
 * in Int16 range (most MR), else becomes Float32. Pure apart from awaiting the codecs.
 *
 * Plain signed 16-bit stacks without rescale (most MR) are not read at import: their voxels are
 * read from the files the first time `volume.data` is used (viewer, thumbnail, segmentation), so
 * classifying a study (`metakd inspect`, the import table) reads headers only. Every frame's
 * place in its file is checked at import, so a broken file is still named then.
 */
import type { Volume, VoxelArray } from '../../volume/Volume.ts';
import { throwIfCancelled } from '../../errors.ts';
import type { StackedGroup } from './sliceStack.ts';
import {
  canReadInt16Direct,
  int16FrameInFile,
  readFrameSamples,
  readInt16FrameInto,
  type FrameInFile,
} from './pixelData.ts';

const INT16_MIN = -32768;
const INT16_MAX = 32767;

/** Range of a typed array (one pass). */
function range(a: VoxelArray): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

const isFloatArray = (a: VoxelArray): boolean =>
  a instanceof Float32Array || a instanceof Float64Array;

/** True when every rescaled value of the stack is an integer that fits Int16. */
function fitsInt16(
  raws: readonly VoxelArray[],
  rescale: readonly { slope: number; intercept: number }[],
): boolean {
  for (let k = 0; k < raws.length; k++) {
    const { slope, intercept } = rescale[k];
    if (isFloatArray(raws[k]) || !Number.isInteger(slope) || !Number.isInteger(intercept)) {
      return false;
    }
    // Int8/Uint8/Int16 with identity rescale always fit; skip the scan.
    const small =
      raws[k] instanceof Int16Array ||
      raws[k] instanceof Int8Array ||
      raws[k] instanceof Uint8Array;
    if (small && slope === 1 && intercept === 0) continue;
    const [lo, hi] = range(raws[k]);
    const a = lo * slope + intercept;
    const b = hi * slope + intercept;
    if (Math.min(a, b) < INT16_MIN || Math.max(a, b) > INT16_MAX) return false;
  }
  return true;
}

/**
 * A volume whose Int16 voxels are read from `frames` (one per k) on the first use of `data`,
 * which then becomes a plain data property. Only the frames' file spans are kept until then,
 * not the parsed headers. Structured clone (worker messages) and spreading read `data` too.
 * @throws MetaKdError DicomInvalid naming the file, from `data`, when a file was removed,
 *   changed or cut short since the import
 */
function deferredInt16Volume(geometry: Volume['geometry'], frames: readonly FrameInFile[]): Volume {
  const plane = geometry.dims[0] * geometry.dims[1];
  const volume = { geometry } as { geometry: Volume['geometry']; data: VoxelArray };
  Object.defineProperty(volume, 'data', {
    enumerable: true,
    configurable: true,
    get(): Int16Array {
      const data = new Int16Array(plane * frames.length);
      frames.forEach((f, k) => readInt16FrameInto(f, data.subarray(k * plane, (k + 1) * plane)));
      Object.defineProperty(volume, 'data', { value: data, enumerable: true, writable: false });
      return data;
    },
  });
  return volume;
}

/** A built volume, and whether its values may hold NaN/Inf (float data) to check for. */
export interface BuiltVolume {
  readonly volume: Volume;
  /** False for integer volumes, including deferred ones (whose data is not read yet). */
  readonly mayHoldNonFinite: boolean;
}

/** Reads all frames of a stack into one Volume (i fastest, then j, then k). */
export async function buildVolume(stack: StackedGroup, signal?: AbortSignal): Promise<BuiltVolume> {
  const [nx, ny, nz] = stack.geometry.dims;
  const plane = nx * ny;
  const direct = stack.slices.every(
    (s) =>
      canReadInt16Direct(s.inst) && s.frame.RescaleSlope === 1 && s.frame.RescaleIntercept === 0,
  );
  if (direct) {
    // Typical MR: each frame is located now and read from its file straight into the volume
    // when the voxels are first needed.
    const frames = stack.slices.map((s) => {
      throwIfCancelled(signal);
      return int16FrameInFile(s.inst, s.frame.frameIndex);
    });
    return { volume: deferredInt16Volume(stack.geometry, frames), mayHoldNonFinite: false };
  }
  const raws: VoxelArray[] = [];
  for (const s of stack.slices) {
    throwIfCancelled(signal);
    raws.push(await readFrameSamples(s.inst, s.frame.frameIndex));
  }
  const rescale = stack.slices.map((s) => ({
    slope: s.frame.RescaleSlope,
    intercept: s.frame.RescaleIntercept,
  }));
  const out: VoxelArray = fitsInt16(raws, rescale)
    ? new Int16Array(plane * nz)
    : new Float32Array(plane * nz);
  for (let k = 0; k < nz; k++) {
    const raw = raws[k];
    const { slope, intercept } = rescale[k];
    const base = k * plane;
    if (slope === 1 && intercept === 0) {
      // Same element type: a block copy instead of a per-voxel loop (the common MR case).
      if (out instanceof Int16Array && raw instanceof Int16Array) {
        out.set(raw.subarray(0, plane), base);
        continue;
      }
      if (out instanceof Float32Array && raw instanceof Float32Array) {
        out.set(raw.subarray(0, plane), base);
        continue;
      }
    }
    for (let i = 0; i < plane; i++) out[base + i] = raw[i] * slope + intercept;
  }
  return { volume: { geometry: stack.geometry, data: out }, mayHoldNonFinite: isFloatArray(out) };
}
