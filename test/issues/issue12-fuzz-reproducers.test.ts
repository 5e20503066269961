/**
 * Issue 12 — the inputs the reader fuzzer (test/fuzz) found, each rebuilt here as a targeted edit
 * of its seed so the test does not depend on the fuzzer's random sequence:
 *
 * 1. dicom-file (seed jpeg_ls.dcm, FUZZ_SEED 12, input 207): a JPEG-LS frame cut short inside a
 *    well-formed item kept CharLS busy for 57–70 s before it failed with a bare pointer value.
 *    Fix: the frame's own header (SOI/SOF, end marker, size) is checked before any codec runs.
 * 2. seg (seed sparse-labelmap-noppv.dcm, inputs 647/899/1173): Columns or Rows missing gave a
 *    labelmap of NaN×38×2 voxels instead of an error. Fix: readSeg checks Rows, Columns and
 *    NumberOfFrames are positive integers.
 * 3. seg (seed sr-example/seg.dcm, input 1016): one orientation value "1.000000d+00" made the grid
 *    singular and readSeg threw a plain `Error: affine is singular`. Fix: DicomInvalid.
 * 4. seg (seed sparse-labelmap-noppv.dcm, FUZZ_SEED 99, input 1485): frames without a position
 *    and no reference series threw `TypeError: Cannot read properties of undefined (reading 'p')`
 *    in gridFromFrames. Fix: SegUnsupported saying why (a frame position that is not a number is
 *    DicomInvalid).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isMetaKdError } from '../../src-main/core/errors.ts';
import { importPath } from '../../src-main/core/study/importStudy.ts';
import { readSeg } from '../../src-main/core/export/seg/readSeg.ts';
import { frameHeaderProblem } from '../../src-main/core/io/dicom/frameHeader.ts';
import { TransferSyntax } from '../../src-main/core/io/dicom/tags.ts';
import { dataPath, describeData } from '../helpers/data.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-issue12-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Item tag (FFFE,E000) and sequence delimiter (FFFE,E0DD), little endian. */
const ITEM = Buffer.from([0xfe, 0xff, 0x00, 0xe0]);
const SEQ_END = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);

describeData('fuzzer reproducers on real seeds', () => {
  it('1. a JPEG-LS frame cut short fails fast, naming the file, instead of hanging in CharLS', async () => {
    const seed = await readFile(dataPath('dicom', 'transfer-syntaxes', 'jpeg_ls.dcm'));
    // The frame's item: the first item whose value starts with SOI (FF D8).
    let at = seed.indexOf(ITEM);
    while (at >= 0 && !(seed[at + 8] === 0xff && seed[at + 9] === 0xd8)) {
      at = seed.indexOf(ITEM, at + 4);
    }
    expect(at).toBeGreaterThan(0);
    const half = (seed.readUInt32LE(at + 4) >> 2) << 1; // even length, half the stream
    const header = Buffer.from(seed.subarray(0, at + 8));
    header.writeUInt32LE(half, at + 4);
    const cut = Buffer.concat([header, seed.subarray(at + 8, at + 8 + half), SEQ_END]);
    const folder = path.join(dir, 'jpegls');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder));
    await writeFile(path.join(folder, 'cut.dcm'), cut);
    const t0 = performance.now();
    const e = await importPath(folder).catch((x: unknown) => x);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(isMetaKdError(e, ErrorCode.DicomInvalid)).toBe(true);
    expect((e as Error).message).toMatch(/cut\.dcm.*truncated \(its stream has no end-of-image/);
  });

  /** Renames element (0028,xxxx) of an Explicit VR LE file so it is absent. */
  async function withoutUs(file: string, element: number): Promise<string> {
    const seed = await readFile(file);
    const tag = Buffer.from([0x28, 0x00, element & 0xff, element >> 8, 0x55, 0x53]);
    const at = seed.indexOf(tag);
    expect(at).toBeGreaterThan(0);
    const out = Buffer.from(seed);
    out[at + 2] = 0x12; // (0028,0012): not an attribute readSeg knows
    const name = path.join(dir, `seg-without-${element.toString(16)}.dcm`);
    await writeFile(name, out);
    return name;
  }

  it.each([
    ['Columns', 0x0011],
    ['Rows', 0x0010],
  ])('2. a SEG without %s is DicomInvalid, not a NaN-sized labelmap', async (_, element) => {
    const seed = dataPath('seg', 'dcmqi', 'segmentations', 'sparse-labelmap-noppv.dcm');
    const file = await withoutUs(seed, element);
    let e: unknown;
    try {
      readSeg(file);
    } catch (x) {
      e = x;
    }
    expect(isMetaKdError(e, ErrorCode.DicomInvalid)).toBe(true);
    expect((e as Error).message).toMatch(/must be positive integers/);
  });

  it('4. a SEG whose frames lost their positions is SegUnsupported, not a TypeError', async () => {
    const seed = await readFile(
      dataPath('seg', 'dcmqi', 'segmentations', 'sparse-labelmap-noppv.dcm'),
    );
    const tag = Buffer.from([0x20, 0x00, 0x13, 0x91, 0x53, 0x51]); // (0020,9113) SQ
    const out = Buffer.from(seed);
    let at = out.indexOf(tag);
    expect(at).toBeGreaterThan(0);
    for (; at >= 0; at = out.indexOf(tag, at + 1)) out[at + 2] = 0x14; // (0020,9114): unknown
    const file = path.join(dir, 'seg-no-positions.dcm');
    await writeFile(file, out);
    let e: unknown;
    try {
      readSeg(file);
    } catch (x) {
      e = x;
    }
    expect(isMetaKdError(e, ErrorCode.SegUnsupported)).toBe(true);
    expect((e as Error).message).toMatch(/frames carry no position/);
  });

  it('3. a SEG whose orientation does not parse is DicomInvalid, not "affine is singular"', async () => {
    const seed = await readFile(dataPath('seg', 'dcmqi', 'sr-example', 'seg.dcm'));
    const text = '\\1.000000e+00\\0.000000e+00';
    const at = seed.indexOf(text, 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    const out = Buffer.from(seed);
    out.write('d', at + 9, 'latin1'); // "1.000000d+00": not a number
    const file = path.join(dir, 'seg-bad-orientation.dcm');
    await writeFile(file, out);
    let e: unknown;
    try {
      readSeg(file);
    } catch (x) {
      e = x;
    }
    expect(isMetaKdError(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /the frames give no usable grid \(Error: affine is singular\)/,
    );
  });
});

describe('frame headers are checked before a codec runs', () => {
  /** A minimal JPEG-family stream: SOI, one SOF segment of the given marker and size, EOI. */
  const stream = (sof: number, w: number, h: number, end = true): Uint8Array =>
    Uint8Array.from([
      0xff,
      0xd8,
      0xff,
      sof,
      0x00,
      0x0b,
      0x10,
      h >> 8,
      h & 0xff,
      w >> 8,
      w & 0xff,
      0x01,
      0x01,
      0x11,
      0x00,
      ...(end ? [0xff, 0xd9] : [0x12, 0x34]),
    ]);

  it('accepts a stream of the right family and size', () => {
    expect(frameHeaderProblem(TransferSyntax.JPEGLSLossless, stream(0xf7, 5, 4), 4, 5)).toBe(
      undefined,
    );
    expect(frameHeaderProblem(TransferSyntax.JPEGLosslessSV1, stream(0xc3, 5, 4), 4, 5)).toBe(
      undefined,
    );
  });

  it('refuses a JPEG lossless stream labelled JPEG-LS, a wrong size and a cut stream', () => {
    expect(frameHeaderProblem(TransferSyntax.JPEGLSLossless, stream(0xc3, 5, 4), 4, 5)).toMatch(
      /holds a jpeg stream but the transfer syntax says jpeg-ls/,
    );
    expect(frameHeaderProblem(TransferSyntax.JPEGLSLossless, stream(0xf7, 5000, 4), 4, 5)).toMatch(
      /5000×4 but Columns×Rows is 5×4/,
    );
    expect(
      frameHeaderProblem(TransferSyntax.JPEGLSLossless, stream(0xf7, 5, 4, false), 4, 5),
    ).toMatch(/truncated/);
  });

  it('leaves RLE alone (its segments have no such header)', () => {
    expect(frameHeaderProblem(TransferSyntax.RLELossless, new Uint8Array(8), 4, 5)).toBe(undefined);
  });
});
