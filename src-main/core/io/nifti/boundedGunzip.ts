/**
 * Bounded gunzip for `.nii.gz`: inflates a gzip stream with node:zlib's streaming Gunzip and stops
 * once a byte limit is reached, so a small file that inflates without bound (a gzip bomb) never
 * costs more memory than the header says the image needs. readNifti inflates the header first,
 * then the whole image up to the declared size plus a little slack. Async (zlib runs on the libuv
 * thread pool).
 */
import { createGunzip } from 'node:zlib';

/**
 * Deflate's best case is about 1032:1 (RFC 1951: a 258-byte match costs at least 2 bits). A header
 * that declares more than this many bytes per compressed byte cannot be telling the truth.
 */
export const MAX_DEFLATE_RATIO = 1032;

/**
 * Largest inflate output chunk. zlib's default (16 KiB) means a thread-pool round trip per
 * 16 KiB, ~1,100 per BraTS volume. Measured on the four volumes of Brats18_2013_20_1 (2 shared
 * cores, median of 6): 171 ms CPU and wall with 16 KiB chunks, 88 ms with these.
 */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
/** zlib's smallest allowed chunk size (zlib.constants.Z_MIN_CHUNK). */
const MIN_CHUNK_BYTES = 64;

/** What a bounded inflation gave. */
export interface BoundedInflate {
  /** The inflated bytes: all of them when `complete`, else the first `limit` bytes. */
  readonly data: Buffer;
  /** True when the gzip stream ended before the limit was reached. */
  readonly complete: boolean;
}

/**
 * Joins inflated chunks into one buffer of `size` bytes: a plain Buffer, or one over a
 * SharedArrayBuffer of exactly that size. Either way the chunks are copied once.
 */
function joinChunks(chunks: readonly Buffer[], size: number, shared: boolean): Buffer {
  if (!shared) return Buffer.concat(chunks, size);
  const out = Buffer.from(new SharedArrayBuffer(size));
  let at = 0;
  for (const c of chunks) {
    if (at >= size) break;
    at += c.copy(out, at, 0, Math.min(c.length, size - at));
  }
  return out;
}

/**
 * Inflates `raw` (gzip) until it ends or `limit` bytes came out, whichever is first. With
 * `shared` the bytes land in a SharedArrayBuffer: a volume viewed on it goes to the segmentation
 * worker by reference instead of as a copy (issue 13), at no extra cost here.
 * @throws the zlib error when the stream is damaged or ends early before the limit is reached
 */
export function gunzipUpTo(
  raw: Uint8Array,
  limit: number,
  { shared = false }: { shared?: boolean } = {},
): Promise<BoundedInflate> {
  return new Promise((resolve, reject) => {
    const gz = createGunzip({
      chunkSize: Math.max(MIN_CHUNK_BYTES, Math.min(limit, MAX_CHUNK_BYTES)),
    });
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (complete: boolean): void => {
      if (settled) return;
      settled = true;
      const all = joinChunks(chunks, Math.min(total, limit), shared);
      resolve({ data: all, complete });
    };
    gz.on('data', (chunk: Buffer) => {
      if (settled) return;
      chunks.push(chunk);
      total += chunk.length;
      if (total >= limit) {
        // Enough: stop inflating (the rest of the stream is never decompressed).
        finish(false);
        gz.destroy();
      }
    });
    gz.on('end', () => finish(true));
    gz.on('error', (e) => {
      if (settled) return;
      settled = true;
      reject(e);
    });
    gz.end(raw);
  });
}
