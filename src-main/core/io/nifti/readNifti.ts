/**
 * Reads a NIfTI-1 / NIfTI-2 file (`.nii` or gzip-compressed `.nii.gz`) into an LPS Geometry and
 * one voxel array per 3-D frame. Async file I/O and gunzip (node:zlib runs on the thread pool, so
 * several files decompress in parallel); the rest is pure.
 */
import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
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

const gunzipAsync = promisify(gunzip);

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
  const buf = gzipped ? await gunzipOrThrow(raw, file) : raw;
  // The buffer is ours alone (fresh from readFile / gunzip): the frame may be a view on it.
  return decodeOwned(buf, file, gzipped, true);
}

/** Gunzips, turning zlib errors (a cut download, a damaged file) into NiftiTruncated/Invalid. */
async function gunzipOrThrow(raw: Buffer, file: string): Promise<Buffer> {
  try {
    return await gunzipAsync(raw);
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
  return decodeOwned(buf, file, gzipped, false);
}

/** decodeNifti; with `adopt` a single frame may share memory with `buf` (readNifti owns it). */
function decodeOwned(buf: Buffer, file: string, gzipped: boolean, adopt: boolean): NiftiImage {
  try {
    return decodeChecked(buf, file, gzipped, adopt);
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

function decodeChecked(buf: Buffer, file: string, gzipped: boolean, adopt: boolean): NiftiImage {
  const header = parseNiftiHeader(buf, file);
  const datatype = requireDatatype(header.datatype, header.bitpix, file);
  const { dims, frames: frameCount } = niftiShape(header);
  const warnings: string[] = [];
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
