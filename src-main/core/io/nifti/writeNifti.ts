/**
 * Writes volumes as single-file NIfTI-1 (`.nii`, or `.nii.gz` when gzipped), little-endian, with
 * both the sform and the qform set from the Geometry (converted to NIfTI's RAS). Encoding is pure;
 * `writeNifti` writes atomically (temp file in the same folder, then rename) so a crash never
 * leaves a half-written mask behind.
 */
import { writeFileAtomic } from '../atomicWrite.ts';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import type { Geometry } from '../../volume/Geometry.ts';
import { voxelCount } from '../../volume/Geometry.ts';
import type { Volume, VoxelArray } from '../../volume/Volume.ts';
import {
  NiftiDatatype,
  allocVoxels,
  bytesPerVoxel,
  datatypeOfArray,
  type NiftiDatatypeName,
} from './datatype.ts';
import { NIFTI1_HEADER_SIZE, NIFTI1_MIN_VOX_OFFSET } from './header.ts';
import { qformFromGeometry, sformFromGeometry } from './transform.ts';

const gzipAsync = promisify(gzip);

/** NIFTI_XFORM_SCANNER_ANAT: coordinates are the scanner's (DICOM-derived) patient space. */
export const NIFTI_XFORM_SCANNER_ANAT = 1;
/** xyzt_units: NIFTI_UNITS_MM | NIFTI_UNITS_SEC. */
const XYZT_UNITS_MM_SEC = 2 | 8;
/** Length of the `descrip` field. */
const DESCRIP_LENGTH = 80;
/** Length of the `intent_name` field. */
const INTENT_NAME_LENGTH = 16;
/** NIfTI-1 stores dims as int16. */
const NIFTI1_MAX_DIM = 32767;
/** Default gzip level: zlib's own default, a good speed/size balance for label maps. */
const DEFAULT_GZIP_LEVEL = 6;

/** Integer ranges for clamping when converting to an integer datatype. */
const INT_RANGE: Partial<Record<NiftiDatatypeName, readonly [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Options for {@link encodeNifti} and {@link writeNifti}. */
export interface NiftiWriteOptions {
  /** Stored voxel type; default: the type of the array (no conversion). Integer targets round and clamp. */
  readonly datatype?: NiftiDatatypeName;
  /** `descrip` (ASCII, up to 80 characters; longer text is cut). */
  readonly description?: string;
  /** NIfTI intent code (e.g. 1002 NIFTI_INTENT_LABEL for label maps). */
  readonly intentCode?: number;
  /** `intent_name` (up to 16 characters). */
  readonly intentName?: string;
  /** Gzip the output. `writeNifti` defaults to true when the name ends in `.gz`; `encodeNifti` to false. */
  readonly gzip?: boolean;
  /** zlib level 0–9 when gzipping (default 6). */
  readonly gzipLevel?: number;
  /** qform_code and sform_code (default NIFTI_XFORM_SCANNER_ANAT = 1). */
  readonly xformCode?: number;
}

/** ASCII bytes of a string, non-ASCII replaced by "?", cut to `max`. */
function asciiField(s: string | undefined, max: number): Buffer {
  const ascii = (s ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, max);
  return Buffer.from(ascii, 'latin1');
}

/** Converts an array to the target datatype (round + clamp for integers); same type → as is. */
function convertVoxels(src: VoxelArray, target: NiftiDatatypeName): VoxelArray {
  if (datatypeOfArray(src) === target) return src;
  const out = allocVoxels(target, src.length);
  const range = INT_RANGE[target];
  if (!range) {
    for (let i = 0; i < src.length; i++) out[i] = src[i];
    return out;
  }
  const [lo, hi] = range;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    out[i] = Number.isNaN(v) ? 0 : Math.min(hi, Math.max(lo, Math.round(v)));
  }
  return out;
}

/** Writes the 348-byte NIfTI-1 header (+ 4 zero extension bytes) into `buf`. */
function writeHeader(
  buf: Buffer,
  g: Geometry,
  frames: number,
  dt: NiftiDatatypeName,
  o: NiftiWriteOptions,
): void {
  const q = qformFromGeometry(g);
  const srow = sformFromGeometry(g);
  const xform = o.xformCode ?? NIFTI_XFORM_SCANNER_ANAT;
  buf.writeInt32LE(NIFTI1_HEADER_SIZE, 0);
  const dim = [frames > 1 ? 4 : 3, g.dims[0], g.dims[1], g.dims[2], frames, 1, 1, 1];
  dim.forEach((d, i) => buf.writeInt16LE(d, 40 + 2 * i));
  buf.writeInt16LE(o.intentCode ?? 0, 68);
  buf.writeInt16LE(NiftiDatatype[dt], 70);
  buf.writeInt16LE(bytesPerVoxel(dt) * 8, 72);
  const pixdim = [q.qfac, q.pixdim[0], q.pixdim[1], q.pixdim[2], 1, 1, 1, 1];
  pixdim.forEach((p, i) => buf.writeFloatLE(p, 76 + 4 * i));
  buf.writeFloatLE(NIFTI1_MIN_VOX_OFFSET, 108);
  buf.writeFloatLE(1, 112); // scl_slope 1, scl_inter 0: values are stored as they are
  buf.writeFloatLE(0, 116);
  buf.writeUInt8(XYZT_UNITS_MM_SEC, 123);
  asciiField(o.description, DESCRIP_LENGTH).copy(buf, 148);
  buf.writeInt16LE(xform, 252);
  buf.writeInt16LE(xform, 254);
  [...q.quatern, ...q.qoffset].forEach((v, i) => buf.writeFloatLE(v, 256 + 4 * i));
  srow.forEach((v, i) => buf.writeFloatLE(v, 280 + 4 * i));
  asciiField(o.intentName, INTENT_NAME_LENGTH).copy(buf, 328);
  buf.write('n+1\0', 344, 'latin1');
}

/**
 * Encodes frames that share one grid as an uncompressed NIfTI-1 buffer (4-D when more than one).
 * @throws MetaKdError InvalidArgument when a frame's length does not match the geometry
 */
export function encodeNiftiFrames(
  geometry: Geometry,
  frames: readonly VoxelArray[],
  opts: NiftiWriteOptions = {},
): Buffer {
  const n = voxelCount(geometry);
  if (frames.length === 0 || frames.some((f) => f.length !== n)) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `cannot write NIfTI: every frame must have ${geometry.dims.join('×')} = ${n} voxels.`,
    );
  }
  if ([...geometry.dims, frames.length].some((d) => d > NIFTI1_MAX_DIM)) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `cannot write NIfTI-1: a dimension exceeds ${NIFTI1_MAX_DIM} voxels.`,
    );
  }
  const dt = opts.datatype ?? datatypeOfArray(frames[0]);
  const frameBytes = n * bytesPerVoxel(dt);
  const buf = Buffer.alloc(NIFTI1_MIN_VOX_OFFSET + frameBytes * frames.length);
  writeHeader(buf, geometry, frames.length, dt, opts);
  frames.forEach((f, i) => {
    const v = convertVoxels(f, dt);
    // Our hosts are little-endian, as is the header: the typed array's bytes are the file's.
    Buffer.from(v.buffer, v.byteOffset, frameBytes).copy(
      buf,
      NIFTI1_MIN_VOX_OFFSET + i * frameBytes,
    );
  });
  return buf;
}

/**
 * Encodes one volume as NIfTI-1 (gzipped when `opts.gzip`).
 * @param volume the voxels and their LPS geometry
 * @param opts datatype, description, intent, gzip
 */
export function encodeNifti(volume: Volume, opts: NiftiWriteOptions = {}): Buffer {
  const raw = encodeNiftiFrames(volume.geometry, [volume.data], opts);
  return opts.gzip ? gzipSync(raw, { level: opts.gzipLevel ?? DEFAULT_GZIP_LEVEL }) : raw;
}

/**
 * Writes one volume (or several frames as a 4-D file) to `file` atomically. Gzip defaults to the
 * `.gz` ending of the name.
 * @throws MetaKdError InvalidArgument for bad frames; ExportInvalid when the file cannot be written
 */
export async function writeNifti(
  file: string,
  volume: Volume | { geometry: Geometry; frames: readonly VoxelArray[] },
  opts: NiftiWriteOptions = {},
): Promise<void> {
  const frames = 'frames' in volume ? volume.frames : [volume.data];
  const raw = encodeNiftiFrames(volume.geometry, frames, opts);
  const zip = opts.gzip ?? /\.gz$/i.test(file);
  const out = zip ? await gzipAsync(raw, { level: opts.gzipLevel ?? DEFAULT_GZIP_LEVEL }) : raw;
  // A missing folder is the caller's mistake here (a mistyped --out), not something to create.
  await writeFileAtomic(file, out, { what: 'the NIfTI file', createFolder: false });
}
