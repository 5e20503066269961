/**
 * NIfTI datatype codes (nifti1.h DT_*) and voxel decoding: byte order, typed arrays and
 * scl_slope / scl_inter. Pure functions.
 */
import { ErrorCode, MetaKdError } from '../../errors.ts';
import type { VoxelArray } from '../../volume/Volume.ts';

/** The voxel datatypes we read and write, by name. */
export type NiftiDatatypeName =
  'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** nifti1.h datatype codes of the supported types. */
export const NiftiDatatype: Readonly<Record<NiftiDatatypeName, number>> = {
  uint8: 2, // DT_UINT8
  int16: 4, // DT_INT16
  int32: 8, // DT_INT32
  float32: 16, // DT_FLOAT32
  float64: 64, // DT_FLOAT64
  int8: 256, // DT_INT8
  uint16: 512, // DT_UINT16
  uint32: 768, // DT_UINT32
};

/** Names of datatypes we recognise but do not read, for a clear error. */
const UNSUPPORTED_NAMES: Readonly<Record<number, string>> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'RGB24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

/** A typed-array constructor for one voxel type. */
type VoxelArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): VoxelArray;
  new (length: number): VoxelArray;
  readonly BYTES_PER_ELEMENT: number;
};

const CTOR_BY_NAME: Readonly<Record<NiftiDatatypeName, VoxelArrayCtor>> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The datatype name for a NIfTI datatype code. */
export function datatypeName(code: number): NiftiDatatypeName | undefined {
  return (Object.keys(NiftiDatatype) as NiftiDatatypeName[]).find((n) => NiftiDatatype[n] === code);
}

/** The datatype name that stores a typed array without conversion. */
export function datatypeOfArray(a: VoxelArray): NiftiDatatypeName {
  const name = (Object.keys(CTOR_BY_NAME) as NiftiDatatypeName[]).find(
    (n) => a instanceof CTOR_BY_NAME[n],
  );
  if (!name) throw new Error('unknown voxel array type');
  return name;
}

/** Bytes per voxel of a datatype. */
export function bytesPerVoxel(name: NiftiDatatypeName): number {
  return CTOR_BY_NAME[name].BYTES_PER_ELEMENT;
}

/** Allocates an array of the datatype. */
export function allocVoxels(name: NiftiDatatypeName, length: number): VoxelArray {
  return new CTOR_BY_NAME[name](length);
}

/**
 * Resolves the supported datatype of a header or throws a clear error.
 * @throws MetaKdError NiftiInvalid for RGB, complex, 64-bit integer and unknown codes
 */
export function requireDatatype(code: number, bitpix: number, file: string): NiftiDatatypeName {
  const name = datatypeName(code);
  if (!name) {
    const known = UNSUPPORTED_NAMES[code];
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      `unsupported NIfTI datatype ${code}${known ? ` (${known})` : ''}: only scalar 8/16/32-bit integer and 32/64-bit float images are supported.`,
      { file },
    );
  }
  const bits = bytesPerVoxel(name) * 8;
  if (bitpix !== bits && bitpix !== 0) {
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      `header is inconsistent: datatype ${name} has ${bits} bits per voxel but bitpix says ${bitpix}.`,
      { file },
    );
  }
  return name;
}

/** True when slope/intercept change the stored values (slope 0 or non-finite means "none"). */
export function hasScaling(slope: number, inter: number): boolean {
  if (slope === 0 || !Number.isFinite(slope)) return false;
  return slope !== 1 || (Number.isFinite(inter) && inter !== 0);
}

/** True on little-endian hosts (all we ship on, but big-endian files still exist). */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Swaps the byte order of a buffer in place, `size` bytes per element. */
function swapInPlace(b: Buffer, size: number): void {
  if (size === 2) b.swap16();
  else if (size === 4) b.swap32();
  else if (size === 8) b.swap64();
}

/** Parameters of {@link decodeFrame}. */
export interface DecodeFrameParams {
  /** The uncompressed file. */
  readonly buf: Buffer;
  /** Byte offset of this frame's first voxel. */
  readonly offset: number;
  /** Voxels in the frame. */
  readonly count: number;
  readonly datatype: NiftiDatatypeName;
  /** Byte order of the file. */
  readonly littleEndian: boolean;
  readonly sclSlope: number;
  readonly sclInter: number;
  /**
   * The caller owns `buf` outright (nothing else holds it): a native-order, unscaled, aligned
   * frame may then be a view on it instead of a copy.
   */
  readonly adopt?: boolean;
}

/** True when the frame can be a zero-copy view on the file buffer. */
function canView(p: DecodeFrameParams, size: number): boolean {
  const b = p.buf;
  return (
    p.adopt === true &&
    p.littleEndian === HOST_LITTLE_ENDIAN &&
    !hasScaling(p.sclSlope, p.sclInter) &&
    (b.byteOffset + p.offset) % size === 0 &&
    // Only a buffer that is the whole ArrayBuffer: never a slice of Node's shared pool.
    b.byteOffset === 0 &&
    b.buffer.byteLength === b.length
  );
}

/**
 * Decodes one 3-D frame into a typed array: a copy, or with `adopt` a view on the file buffer
 * when no conversion is needed (saves a 36 MB copy per BraTS file).
 * Without scaling the stored type is kept; with scaling the result is float32 (float64 when the
 * stored type is float64), value = stored · slope + inter, as nifti1.h defines it.
 */
export function decodeFrame(p: DecodeFrameParams): VoxelArray {
  const size = bytesPerVoxel(p.datatype);
  if (canView(p, size)) return new CTOR_BY_NAME[p.datatype](p.buf.buffer, p.offset, p.count);
  // One copy into a fresh ArrayBuffer: typed arrays need aligned storage (zlib and pooled
  // Buffers start at arbitrary offsets), and swap16/32/64 then work on our own bytes.
  const ab = new ArrayBuffer(p.count * size);
  const bytes = Buffer.from(ab);
  p.buf.copy(bytes, 0, p.offset, p.offset + p.count * size);
  if (p.littleEndian !== HOST_LITTLE_ENDIAN) swapInPlace(bytes, size);
  const raw = new CTOR_BY_NAME[p.datatype](ab, 0, p.count);
  if (!hasScaling(p.sclSlope, p.sclInter)) return raw;
  const inter = Number.isFinite(p.sclInter) ? p.sclInter : 0;
  const out = p.datatype === 'float64' ? new Float64Array(p.count) : new Float32Array(p.count);
  const slope = p.sclSlope;
  for (let i = 0; i < p.count; i++) out[i] = raw[i] * slope + inter;
  return out;
}
