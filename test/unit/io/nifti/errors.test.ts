/**
 * Bad NIfTI input gets a MetaKdError with a stable code and a message that names the file and the
 * problem — never a crash, a RangeError or a hang.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, MetaKdError } from '../../../../src-main/core/errors.ts';
import { decodeNifti, readNifti } from '../../../../src-main/core/io/nifti/readNifti.ts';
import { loadNiftiSeries } from '../../../../src-main/core/io/nifti/loadNiftiSeries.ts';
import { buildNifti, ramp } from './buildNifti.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-nifti-err-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `bytes` as `name` and expects readNifti to reject with `code` and `pattern`. */
async function expectError(name: string, bytes: Buffer, code: string, pattern: RegExp) {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  const err = await readNifti(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MetaKdError);
  const e = err as MetaKdError;
  expect(e.code).toBe(code);
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  expect(e.message).toMatch(pattern);
  // loadNiftiSeries surfaces the same error
  await expect(loadNiftiSeries(file)).rejects.toMatchObject({ code });
}

const good = buildNifti({ dims: [4, 4, 4], type: 'int16', values: ramp(64) });

describe('bad NIfTI input', () => {
  it('0-byte file', async () => {
    await expectError('empty.nii', Buffer.alloc(0), ErrorCode.NiftiInvalid, /empty \(0 bytes\)/);
  });

  it('truncated .nii.gz (gzip stream cut short)', async () => {
    const gz = gzipSync(good);
    await expectError(
      'cut.nii.gz',
      gz.subarray(0, gz.length >> 1),
      ErrorCode.NiftiTruncated,
      /truncated/,
    );
  });

  it('damaged gzip data', async () => {
    const gz = Buffer.from(gzipSync(good));
    gz.fill(0xaa, 10, 40);
    await expectError('damaged.nii.gz', gz, ErrorCode.NiftiInvalid, /gzip data is damaged/);
  });

  it('wrong magic number', async () => {
    const bytes = buildNifti({ dims: [4, 4, 4], type: 'int16', values: ramp(64), magic: 'xyz' });
    await expectError('magic.nii', bytes, ErrorCode.NiftiInvalid, /wrong NIfTI magic number "xyz"/);
  });

  it('not NIfTI at all (sizeof_hdr is neither 348 nor 540)', async () => {
    await expectError(
      'text.nii',
      Buffer.from('hello, this is not an image at all'),
      ErrorCode.NiftiInvalid,
      /not a NIfTI file/,
    );
  });

  it('header shorter than 348 bytes', async () => {
    await expectError(
      'short.nii',
      good.subarray(0, 200),
      ErrorCode.NiftiTruncated,
      /header needs 348 bytes/,
    );
  });

  it('dimensions that do not match the data size', async () => {
    const bytes = buildNifti({ dims: [10, 10, 10], type: 'int16', values: ramp(100) });
    await expectError(
      'dims.nii',
      bytes,
      ErrorCode.NiftiTruncated,
      /dimensions do not match the data size: .*10×10×10 int16/,
    );
  });

  it('unsupported datatype (RGB24) is named', async () => {
    const bytes = buildNifti({
      dims: [2, 2, 2],
      type: 'uint8',
      datatypeCode: 128,
      values: ramp(24),
    });
    await expectError(
      'rgb.nii',
      bytes,
      ErrorCode.NiftiInvalid,
      /unsupported NIfTI datatype 128 \(RGB24\)/,
    );
  });

  it('unknown datatype code', async () => {
    const bytes = buildNifti({
      dims: [2, 2, 2],
      type: 'uint8',
      datatypeCode: 9999,
      values: ramp(8),
    });
    await expectError('dt.nii', bytes, ErrorCode.NiftiInvalid, /unsupported NIfTI datatype 9999/);
  });

  it('a .hdr/.img pair header is refused by name', async () => {
    const bytes = buildNifti({ dims: [2, 2, 2], type: 'uint8', values: ramp(8), magic: 'ni1' });
    await expectError('pair.hdr', bytes, ErrorCode.NiftiInvalid, /\.hdr\/\.img pair/);
  });

  it('missing file', async () => {
    await expect(readNifti(path.join(dir, 'nope.nii.gz'))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });

  it('random header damage never escapes as a non-MetaKdError', () => {
    // Deterministic pseudo-random corruption of header bytes (LCG), 300 variants.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 300; n++) {
      const bytes = Buffer.from(good);
      for (let k = 0; k < 8; k++) bytes[4 + (next() % 344)] = next() % 256;
      try {
        decodeNifti(bytes, 'fuzz.nii');
      } catch (e) {
        expect(e, `variant ${n}: ${String(e)}`).toBeInstanceOf(MetaKdError);
      }
    }
  });
});
