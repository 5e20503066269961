/**
 * Issue 12 — a 1 MB `.nii.gz` that inflates without bound reached 2.2 GB RSS before failing.
 *
 * Triage: readNifti gunzipped the whole file before looking at the header.
 * Contract pinned here: the header is inflated first; the image is inflated only up to the size
 * the header declares (plus 64 KiB of slack), so a gzip bomb costs no more memory than the image
 * it claims to be, and its extra data is ignored with a warning. A header that declares more
 * than the compressed data could ever hold is refused before inflation.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isMetaKdError } from '../../src-main/core/errors.ts';
import { readNifti } from '../../src-main/core/io/nifti/readNifti.ts';
import { buildNifti } from '../unit/io/nifti/buildNifti.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-issue12-gz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Zeros after the image: 512 MiB, which gzip packs into about half a megabyte. */
const BOMB_BYTES = 512 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** Writes header + image, then BOMB_BYTES of zeros, as one gzip stream. */
async function writeBomb(file: string, image: Buffer): Promise<void> {
  const zeros = Buffer.alloc(CHUNK);
  async function* source(): AsyncGenerator<Buffer> {
    yield image;
    for (let n = 0; n < BOMB_BYTES; n += CHUNK) yield zeros;
  }
  await pipeline(Readable.from(source()), createGzip({ level: 9 }), createWriteStream(file));
}

describe('gzip bomb', () => {
  it('reads only the declared image, with a warning, in bounded memory', async () => {
    const file = path.join(dir, 'bomb.nii.gz');
    const values = Array.from({ length: 1000 }, (_, i) => i);
    await writeBomb(file, buildNifti({ dims: [10, 10, 10], type: 'int16', values }));
    expect((await stat(file)).size).toBeLessThan(1024 * 1024);

    global.gc?.();
    const before = process.memoryUsage();
    const img = await readNifti(file);
    const after = process.memoryUsage();

    expect(img.frames[0]).toHaveLength(1000);
    expect(img.frames[0][999]).toBe(999);
    expect(img.warnings).toContainEqual(
      expect.stringMatching(/inflates to more than the \d+ bytes the header declares/),
    );
    // Unbounded gunzip would hold the whole 512 MiB at once.
    const grown = after.rss + after.arrayBuffers - before.rss - before.arrayBuffers;
    expect(grown).toBeLessThan(128 * 1024 * 1024);
  }, 60_000);

  it('a header declaring more than the gzip data can hold is refused without inflating', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const header = buildNifti({ dims: [10, 10, 10], type: 'int16', values });
    // dim[1..3] = 2000 × 2000 × 2000 int16 = 16 GB declared, in a file of about 2 KB.
    header.writeInt16LE(2000, 42);
    header.writeInt16LE(2000, 44);
    header.writeInt16LE(2000, 46);
    const file = path.join(dir, 'liar.nii.gz');
    await writeFile(file, gzipSync(header));
    const t0 = performance.now();
    const e = await readNifti(file).catch((x: unknown) => x);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(isMetaKdError(e, ErrorCode.NiftiTruncated)).toBe(true);
    expect((e as Error).message).toMatch(/cannot inflate to more than/);
  });

  it('an honest .nii.gz still reads whole, without a warning', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => i - 500);
    const file = path.join(dir, 'honest.nii.gz');
    await writeFile(file, gzipSync(buildNifti({ dims: [10, 10, 10], type: 'int16', values })));
    const img = await readNifti(file);
    expect([...img.frames[0]]).toEqual(values);
    expect(img.warnings.filter((w) => /inflates/.test(w))).toEqual([]);
  });
});
