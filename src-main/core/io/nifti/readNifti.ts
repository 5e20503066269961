/**
 * Reads a NIfTI-1 / NIfTI-2 file (`.nii` or gzip-compressed `.nii.gz`) into an LPS Geometry and
 * one voxel array per 3-D frame. Async file I/O and gunzip (node:zlib runs on the thread pool, so
 * several files decompress in parallel); the rest is pure.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, MetaKdError, isMetaKdError } from '../../errors.ts';
import type { Geometry } from '../../volume/Geometry.ts';
import type { VoxelArray } from '../../volume/Volume.ts';
import { bytesPerVoxel, decodeFrame, hasScaling, requireDatatype } from './datatype.ts';
import type { NiftiDatatypeName } from './datatype.ts';
import {
  NIFTI1_MIN_VOX_OFFSET,
  NIFTI2_MIN_VOX_OFFSET,
  niftiShape,
  parseNiftiHeader,
} from './header.ts';
import type { NiftiHeader } from './header.ts';
import { niftiGeometry } from './transform.ts';
import type { TransformSource } from './transform.ts';
import { MAX_DEFLATE_RATIO, gunzipUpTo } from './boundedGunzip.ts';
import { nonFiniteWarning, zeroNonFinite } from '../nonFiniteVoxels.ts';

/**
 * Bytes inflated beyond the declared image size before inflation stops: enough to notice (and
 * warn about) trailing data, too little to matter for memory.
 */
const INFLATE_SLACK_BYTES = 64 * 1024;

/** The two bytes every gzip stream starts with (RFC 1952). */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Facts about the file that callers may show or use. */
export interface NiftiInfo {
  /** The parsed header (raw values). */
  readonly header: NiftiHeader;
  /** Stored voxel type. */
  readonly datatype: NiftiDatatypeName;
  /** Which header transform gave the geometry. */
  readonly transformSource: TransformSource;
  /** True when the file was gzip-compressed. */
  readonly gzipped: boolean;
  /** True when scl_slope / scl_inter were applied (frames are then float). */
  readonly scaled: boolean;
}

/** A decoded NIfTI image. */
export interface NiftiImage {
  /** The file it came from. */
  readonly file: string;
  /** Grid of every frame, in LPS. */
  readonly geometry: Geometry;
  /** One array per 3-D frame (the product of dim[4..7] frames; 1 for a 3-D file), rescaled. */
  readonly frames: readonly VoxelArray[];
  readonly info: NiftiInfo;
  /** Import notes (fallbacks taken, oddities tolerated). */
  readonly warnings: readonly string[];
}

/** True when the buffer starts with the gzip magic bytes. */
export function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
}

/**
 * Reads and decodes a NIfTI file. Gzip is detected from the content, not the name.
 * @throws MetaKdError NotFound, NiftiInvalid or NiftiTruncated — never anything else for bad input
 */
export async function readNifti(file: string): Promise<NiftiImage> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MetaKdError(
      code === 'ENOENT' ? ErrorCode.NotFound : ErrorCode.NiftiInvalid,
      code === 'ENOENT' ? 'file not found.' : `cannot read the file (${code ?? String(e)}).`,
      { file, cause: e },
    );
  }
  const gzipped = isGzip(raw);
  const notes: string[] = [];
  const buf = gzipped ? await boundedGunzip(raw, file, notes) : raw;
  // The buffer is ours alone (fresh from readFile / gunzip): the frame may be a view on it.
  return decodeOwned({ buf, file, gzipped, adopt: true, notes });
}

/**
 * Gunzips a .nii.gz without trusting it: inflates the header first, then the image only up to
 * the size that header declares (plus a little slack). A gzip bomb (a small file that inflates
 * without bound) therefore costs no more memory than the image it claims to be, and a header
 * that declares more than the compressed data could hold is refused before inflating at all.
 */
async function boundedGunzip(raw: Buffer, file: string, notes: string[]): Promise<Buffer> {
  const head = await gunzipOrThrow(raw, file, NIFTI2_MIN_VOX_OFFSET);
  if (head.complete) return head.data; // the whole stream was smaller than any header
  const needed = declaredSize(head.data, file);
  if (needed > raw.length * MAX_DEFLATE_RATIO + INFLATE_SLACK_BYTES) {
    throw new MetaKdError(
      ErrorCode.NiftiTruncated,
      `the header declares ${needed} bytes of image but ${raw.length} bytes of gzip data cannot inflate to more than ${raw.length * MAX_DEFLATE_RATIO}; the file is truncated or its header is wrong.`,
      { file },
    );
  }
  // Shared memory: the image is usually segmented next, and a worker then reads it in place.
  const all = await gunzipOrThrow(raw, file, needed + INFLATE_SLACK_BYTES, true);
  if (!all.complete) {
    notes.push(
      `the gzip stream inflates to more than the ${needed} bytes the header declares; only the declared bytes were read.`,
    );
    return all.data.subarray(0, needed);
  }
  return all.data;
}

/** Bytes the header at the start of `head` says the file holds (offset + every frame). */
function declaredSize(head: Buffer, file: string): number {
  try {
    const header = parseNiftiHeader(head, file);
    const datatype = requireDatatype(header.datatype, header.bitpix, file);
    const { dims, frames } = niftiShape(header);
    const voxOffset = dataOffset(header, []);
    return voxOffset + dims[0] * dims[1] * dims[2] * frames * bytesPerVoxel(datatype);
  } catch (e) {
    if (isMetaKdError(e)) throw e;
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      `cannot decode the NIfTI header (${String(e)}).`,
      {
        file,
        cause: e,
      },
    );
  }
}

/**
 * Gunzips up to `limit` bytes, turning zlib errors (a cut download, a damaged file) into
 * NiftiTruncated/Invalid.
 */
async function gunzipOrThrow(
  raw: Buffer,
  file: string,
  limit: number,
  shared = false,
): Promise<{ data: Buffer; complete: boolean }> {
  try {
    return await gunzipUpTo(raw, limit, { shared });
  } catch (e) {
    const zcode = (e as NodeJS.ErrnoException).code;
    const truncated = zcode === 'Z_BUF_ERROR' || /unexpected end/i.test(String(e));
    throw new MetaKdError(
      truncated ? ErrorCode.NiftiTruncated : ErrorCode.NiftiInvalid,
      truncated
        ? 'the .nii.gz file is truncated (the gzip stream ends early); copy or download it again.'
        : `the gzip data is damaged (${(e as Error).message}).`,
      { file, cause: e },
    );
  }
}

/**
 * Decodes an uncompressed NIfTI buffer. Pure apart from allocation.
 * @param buf the file content (already gunzipped)
 * @param file the file name, for messages and `NiftiImage.file`
 * @param gzipped recorded in `info.gzipped`
 */
export function decodeNifti(buf: Buffer, file: string, gzipped = false): NiftiImage {
  return decodeOwned({ buf, file, gzipped, adopt: false, notes: [] });
}

/** What decodeOwned needs. */
interface DecodeParams {
  readonly buf: Buffer;
  readonly file: string;
  readonly gzipped: boolean;
  /** A single frame may share memory with `buf` (readNifti owns it). */
  readonly adopt: boolean;
  /** Warnings gathered before decoding (gunzip). */
  readonly notes: readonly string[];
}

/** decodeNifti with ownership and earlier warnings. */
function decodeOwned(p: DecodeParams): NiftiImage {
  const { file } = p;
  try {
    return decodeChecked(p);
  } catch (e) {
    if (isMetaKdError(e)) throw e;
    // A header so broken that a read ran off the end: still a clear, typed error.
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      `cannot decode the NIfTI header (${String(e)}).`,
      {
        file,
        cause: e,
      },
    );
  }
}

function decodeChecked({ buf, file, gzipped, adopt, notes }: DecodeParams): NiftiImage {
  const header = parseNiftiHeader(buf, file);
  const datatype = requireDatatype(header.datatype, header.bitpix, file);
  const { dims, frames: frameCount } = niftiShape(header);
  const warnings: string[] = [...notes];
  const voxOffset = dataOffset(header, warnings);
  const perFrame = dims[0] * dims[1] * dims[2];
  const frameBytes = perFrame * bytesPerVoxel(datatype);
  const needed = voxOffset + frameBytes * frameCount;
  if (buf.length < needed) {
    const shape = [...dims, ...(frameCount > 1 ? [frameCount] : [])].join('×');
    throw new MetaKdError(
      ErrorCode.NiftiTruncated,
      `dimensions do not match the data size: the header says ${shape} ${datatype} voxels (${needed - voxOffset} bytes from offset ${voxOffset}) but only ${Math.max(0, buf.length - voxOffset)} bytes follow; the file is truncated or its header is wrong.`,
      { file },
    );
  }
  const geo = niftiGeometry(header, dims);
  warnings.push(...geo.warnings);
  const frames: VoxelArray[] = [];
  for (let f = 0; f < frameCount; f++) {
    frames.push(
      decodeFrame({
        buf,
        offset: voxOffset + f * frameBytes,
        count: perFrame,
        datatype,
        littleEndian: header.littleEndian,
        sclSlope: header.sclSlope,
        sclInter: header.sclInter,
        // A view keeps the whole buffer alive: only worth it (and only safe) for one frame.
        adopt: adopt && frameCount === 1,
      }),
    );
  }
  checkFinite(frames, file, warnings);
  return {
    file,
    geometry: geo.geometry,
    frames,
    info: {
      header,
      datatype,
      transformSource: geo.source,
      gzipped,
      scaled: hasScaling(header.sclSlope, header.sclInter),
    },
    warnings,
  };
}

/**
 * Sets NaN / ±Inf voxels to 0 with a warning that counts them (see nonFiniteVoxels.ts); a file
 * without a single finite voxel is refused.
 */
function checkFinite(frames: readonly VoxelArray[], file: string, warnings: string[]): void {
  let changed = 0;
  let total = 0;
  for (const f of frames) {
    changed += zeroNonFinite(f);
    total += f.length;
  }
  if (changed > 0 && changed === total) {
    throw new MetaKdError(
      ErrorCode.NiftiInvalid,
      `every one of its ${total} voxels is NaN or infinite; there is no image to read.`,
      { file },
    );
  }
  const note = nonFiniteWarning(changed, total);
  if (note) warnings.push(note);
}

/**
 * Where the voxel data starts. A vox_offset inside the header (some old writers store 0) is
 * raised to the minimum, as nibabel and nifti1_io.c do, with a warning.
 */
function dataOffset(h: NiftiHeader, warnings: string[]): number {
  const min = h.version === 1 ? NIFTI1_MIN_VOX_OFFSET : NIFTI2_MIN_VOX_OFFSET;
  const off = h.voxOffset;
  if (Number.isFinite(off) && off >= min) return Math.floor(off);
  warnings.push(`vox_offset ${off} is inside the header; reading the voxels from byte ${min}.`);
  return min;
}
