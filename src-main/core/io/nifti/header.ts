/**
 * NIfTI-1 and NIfTI-2 header parsing (pure functions over a byte buffer), either byte order.
 *
 * Written here instead of using nifti-reader-js 0.8.0 because that library picks the qform over
 * the sform whenever `qform_code > sform_code` (the standard says: sform when `sform_code > 0`),
 * its NIfTI-2 reader ignores the qform and reads `srow_*` whatever `sform_code` says, and it takes
 * `quatern_a = sqrt(1 − b² − c² − d²)` without clamping (NaN on rounding). The layouts below are
 * those of nifti1.h and nifti2.h (NIfTI DFWG, https://nifti.nimh.nih.gov/).
 */
import { ErrorCode, MetaKdError } from '../../errors.ts';

/** `sizeof_hdr` of a NIfTI-1 header (also where the data may start at the earliest, + 4). */
export const NIFTI1_HEADER_SIZE = 348;
/** `sizeof_hdr` of a NIfTI-2 header. */
export const NIFTI2_HEADER_SIZE = 540;
/** Smallest `vox_offset` of a single-file NIfTI-1 (`n+1`): header + 4 extension bytes. */
export const NIFTI1_MIN_VOX_OFFSET = 352;
/** Smallest `vox_offset` of a single-file NIfTI-2 (`n+2`): header + 4 extension bytes. */
export const NIFTI2_MIN_VOX_OFFSET = 544;
/** Maximum number of dimensions in `dim[0]`. */
const MAX_RANK = 7;

/** NIfTI `xyzt_units` spatial codes (nifti1.h NIFTI_UNITS_*), mapped to millimetres. */
const SPATIAL_UNIT_TO_MM: Readonly<Record<number, number>> = {
  0: 1, // unknown: assume mm, as every reader does
  1: 1000, // metre
  2: 1, // mm
  3: 0.001, // micron
};
/** Mask of the spatial unit bits in `xyzt_units`. */
const SPATIAL_UNIT_MASK = 0x07;

/** Everything we use from a NIfTI header, NIfTI-1 and NIfTI-2 alike (NIfTI-2 widths). */
export interface NiftiHeader {
  /** 1 or 2. */
  readonly version: 1 | 2;
  /** True when the file is little-endian. */
  readonly littleEndian: boolean;
  /** The header's `magic` string ("n+1", "ni1", "n+2", …). */
  readonly magic: string;
  /** `dim[0..7]` as stored. */
  readonly dim: readonly number[];
  /** `pixdim[0..7]` as stored (pixdim[0] is qfac). */
  readonly pixdim: readonly number[];
  /** NIfTI datatype code (nifti1.h DT_*). */
  readonly datatype: number;
  /** Bits per voxel as stored. */
  readonly bitpix: number;
  /** Byte offset of the voxel data. */
  readonly voxOffset: number;
  /** Stored `scl_slope` (0 or NaN means no scaling). */
  readonly sclSlope: number;
  /** Stored `scl_inter`. */
  readonly sclInter: number;
  readonly qformCode: number;
  readonly sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  readonly quatern: readonly [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z (RAS mm). */
  readonly qoffset: readonly [number, number, number];
  /** srow_x, srow_y, srow_z: the 3×4 sform (RAS), row-major, 12 numbers. */
  readonly srow: readonly number[];
  /** Multiply stored spatial lengths by this to get mm (from `xyzt_units`). */
  readonly spatialUnitToMm: number;
  readonly xyztUnits: number;
  readonly intentCode: number;
  readonly intentName: string;
  /** `descrip`. */
  readonly description: string;
}

/** Reads a NUL-terminated ASCII string field. */
function readCString(buf: Buffer, start: number, length: number): string {
  const raw = buf.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
}

/** Detects the version and byte order from `sizeof_hdr`, or null when it is not NIfTI. */
function detectVersion(buf: Buffer): { version: 1 | 2; littleEndian: boolean } | null {
  if (buf.length < 4) return null;
  for (const littleEndian of [true, false]) {
    const size = littleEndian ? buf.readInt32LE(0) : buf.readInt32BE(0);
    if (size === NIFTI1_HEADER_SIZE) return { version: 1, littleEndian };
    if (size === NIFTI2_HEADER_SIZE) return { version: 2, littleEndian };
  }
  return null;
}

/** Typed little/big-endian readers for one buffer. */
function readers(buf: Buffer, le: boolean) {
  return {
    i16: (o: number) => (le ? buf.readInt16LE(o) : buf.readInt16BE(o)),
    i32: (o: number) => (le ? buf.readInt32LE(o) : buf.readInt32BE(o)),
    i64: (o: number) => Number(le ? buf.readBigInt64LE(o) : buf.readBigInt64BE(o)),
    f32: (o: number) => (le ? buf.readFloatLE(o) : buf.readFloatBE(o)),
    f64: (o: number) => (le ? buf.readDoubleLE(o) : buf.readDoubleBE(o)),
  };
}

/** Reads `n` consecutive values starting at `offset` with a stride of `step` bytes. */
function readArray(read: (o: number) => number, offset: number, n: number, step: number): number[] {
  return Array.from({ length: n }, (_, i) => read(offset + i * step));
}

/** Parses a NIfTI-1 header (348 bytes, nifti1.h). */
function parseNifti1(buf: Buffer, le: boolean): NiftiHeader {
  const r = readers(buf, le);
  const xyztUnits = buf.readUInt8(123);
  return {
    version: 1,
    littleEndian: le,
    magic: readCString(buf, 344, 4),
    dim: readArray(r.i16, 40, 8, 2),
    intentCode: r.i16(68),
    datatype: r.i16(70),
    bitpix: r.i16(72),
    pixdim: readArray(r.f32, 76, 8, 4),
    voxOffset: r.f32(108),
    sclSlope: r.f32(112),
    sclInter: r.f32(116),
    xyztUnits,
    spatialUnitToMm: SPATIAL_UNIT_TO_MM[xyztUnits & SPATIAL_UNIT_MASK] ?? 1,
    description: readCString(buf, 148, 80),
    qformCode: r.i16(252),
    sformCode: r.i16(254),
    quatern: [r.f32(256), r.f32(260), r.f32(264)],
    qoffset: [r.f32(268), r.f32(272), r.f32(276)],
    srow: readArray(r.f32, 280, 12, 4),
    intentName: readCString(buf, 328, 16),
  };
}

/** Parses a NIfTI-2 header (540 bytes, nifti2.h). */
function parseNifti2(buf: Buffer, le: boolean): NiftiHeader {
  const r = readers(buf, le);
  const xyztUnits = r.i32(500);
  return {
    version: 2,
    littleEndian: le,
    magic: readCString(buf, 4, 8),
    datatype: r.i16(12),
    bitpix: r.i16(14),
    dim: readArray(r.i64, 16, 8, 8),
    pixdim: readArray(r.f64, 104, 8, 8),
    voxOffset: r.i64(168),
    sclSlope: r.f64(176),
    sclInter: r.f64(184),
    description: readCString(buf, 240, 80),
    qformCode: r.i32(344),
    sformCode: r.i32(348),
    quatern: [r.f64(352), r.f64(360), r.f64(368)],
    qoffset: [r.f64(376), r.f64(384), r.f64(392)],
    srow: readArray(r.f64, 400, 12, 8),
    xyztUnits,
    spatialUnitToMm: SPATIAL_UNIT_TO_MM[xyztUnits & SPATIAL_UNIT_MASK] ?? 1,
    intentCode: r.i32(504),
    intentName: readCString(buf, 508, 16),
  };
}

/**
 * Parses and validates the header at the start of an (uncompressed) NIfTI buffer.
 * @param buf the whole file content after any gunzip
 * @param file the file name, for error messages
 * @throws MetaKdError NiftiInvalid (not NIfTI, bad magic, bad dims) or NiftiTruncated
 */
export function parseNiftiHeader(buf: Buffer, file: string): NiftiHeader {
  if (buf.length === 0) {
    throw new MetaKdError(ErrorCode.NiftiInvalid, 'the file is empty (0 bytes).', { file });
  }
  const detected = detectVersion(buf);
  if (!detected) {
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      'not a NIfTI file: the first 4 bytes (sizeof_hdr) are neither 348 (NIfTI-1) nor 540 (NIfTI-2).',
      { file },
    );
  }
  const size = detected.version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  if (buf.length < size) {
    throw new MetaKdError(
      ErrorCode.NiftiTruncated,
      `the NIfTI-${detected.version} header needs ${size} bytes but the file has only ${buf.length}.`,
      { file },
    );
  }
  const h =
    detected.version === 1
      ? parseNifti1(buf, detected.littleEndian)
      : parseNifti2(buf, detected.littleEndian);
  checkMagic(h, file);
  checkDims(h, file);
  return h;
}

/** The magic must be n+1/n+2 (single file); ni1/ni2 (header/image pair) is refused by name. */
function checkMagic(h: NiftiHeader, file: string): void {
  const single = h.version === 1 ? 'n+1' : 'n+2';
  const pair = h.version === 1 ? 'ni1' : 'ni2';
  if (h.magic === single) return;
  if (h.magic === pair) {
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      `this is the header of a NIfTI .hdr/.img pair (magic "${pair}"); only single-file .nii / .nii.gz is supported — convert it (e.g. with nibabel or fslchfiletype).`,
      { file },
    );
  }
  throw new MetaKdError(
    ErrorCode.NiftiInvalid,
    `wrong NIfTI magic number ${JSON.stringify(h.magic)} (expected "${single}"); the file is damaged or not NIfTI.`,
    { file },
  );
}

/** dim[0] must be 1..7 and every used dim ≥ 1. */
function checkDims(h: NiftiHeader, file: string): void {
  const rank = h.dim[0];
  if (!Number.isInteger(rank) || rank < 1 || rank > MAX_RANK) {
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      `invalid dim[0] = ${rank} (the number of dimensions must be 1 to ${MAX_RANK}).`,
      { file },
    );
  }
  for (let d = 1; d <= rank; d++) {
    if (!Number.isSafeInteger(h.dim[d]) || h.dim[d] < 1) {
      throw new MetaKdError(ErrorCode.NiftiInvalid, `invalid dim[${d}] = ${h.dim[d]}.`, { file });
    }
  }
}

/** Spatial dims (nx, ny, nz) and the number of 3-D frames (product of dim[4..dim[0]]). */
export function niftiShape(h: NiftiHeader): { dims: [number, number, number]; frames: number } {
  const rank = h.dim[0];
  const at = (d: number): number => (d <= rank ? h.dim[d] : 1);
  let frames = 1;
  for (let d = 4; d <= rank; d++) frames *= h.dim[d];
  return { dims: [at(1), at(2), at(3)], frames };
}
