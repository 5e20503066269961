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

/** What a bounded inflation gave. */
export interface BoundedInflate {
  /** The inflated bytes: all of them when `complete`, else the first `limit` bytes. */
  readonly data: Buffer;
  /** True when the gzip stream ended before the limit was reached. */
  readonly complete: boolean;
}

/**
 * Inflates `raw` (gzip) until it ends or `limit` bytes came out, whichever is first.
 * @throws the zlib error when the stream is damaged or ends early before the limit is reached
 */
export function gunzipUpTo(raw: Uint8Array, limit: number): Promise<BoundedInflate> {
  return new Promise((resolve, reject) => {
    const gz = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (complete: boolean): void => {
      if (settled) return;
      settled = true;
      const all = Buffer.concat(chunks, Math.min(total, limit));
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
