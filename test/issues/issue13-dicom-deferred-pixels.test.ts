/**
 * Issue 13 (fast `metakd inspect`): importing a plain 16-bit DICOM series reads headers only; the
 * voxels are read from the files on the first use of `volume.data`, with the same values, and a
 * file changed or removed in between is refused by name instead of read as if it were the same.
 * Headers longer than the first 4 KiB head are still read (a longer head, then the whole file).
 */
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPath } from '../../src-main/core/study/importStudy.ts';
import { ErrorCode, isMetaKdError } from '../../src-main/core/errors.ts';
import type { Series } from '../../src-main/core/study/types.ts';
import { el, patternPixels, sliceBytes, writeSlices } from '../unit/io/dicom/synthetic.ts';

/** 64 × 64 16-bit pixels: 8 KiB of pixel data, so the files are larger than the first head. */
const ROWS = 64;
const COLS = 64;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue13-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes a 3-slice series (optionally with a private element of `padding` bytes) and imports it. */
async function importSeries(name: string, padding = 0): Promise<Series> {
  const d = path.join(tmp, name);
  const extra = padding > 0 ? [el(0x0029, 0x1010, 'OB', new Uint8Array(padding).fill(7))] : [];
  await writeSlices(
    d,
    [0, 1, 2].map((k) => ({
      name: `s${k}`,
      series: `1.2.13.${name.length}`,
      rows: ROWS,
      cols: COLS,
      ipp: [0, 0, 2 * k] as const,
      instanceNumber: k + 1,
      extra,
    })),
  );
  const r = await importPath(d);
  expect(r.studies).toHaveLength(1);
  return r.studies[0].series[0];
}

/** The voxels every slice should hold: patternPixels of its instance number, slice after slice. */
function expectedVoxels(): Int16Array {
  const out = new Int16Array(ROWS * COLS * 3);
  for (let k = 0; k < 3; k++) out.set(patternPixels(ROWS, COLS, k + 1), k * ROWS * COLS);
  return out;
}

/** Reads `volume.data`, returning the error it throws. */
function dataError(series: Series): unknown {
  try {
    void series.volume.data;
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('issue 13: DICOM voxels are read when first used, not at import', () => {
  it('import leaves the voxels in the files; the first use reads the same values', async () => {
    const s = await importSeries('deferred');
    expect(s.volume.geometry.dims).toEqual([COLS, ROWS, 3]);
    expect(Object.getOwnPropertyDescriptor(s.volume, 'data')?.get).toBeDefined();
    expect(Array.from(s.volume.data)).toEqual(Array.from(expectedVoxels()));
    // Read once: from then on `data` is a plain value, the same array every time.
    const after = Object.getOwnPropertyDescriptor(s.volume, 'data');
    expect(after?.get).toBeUndefined();
    expect(after?.value).toBe(s.volume.data);
    expect(s.volume.data).toBeInstanceOf(Int16Array);
  });

  it('a structured clone (a worker message) carries the voxels', async () => {
    const s = await importSeries('clone');
    const copy = structuredClone(s.volume);
    expect(Array.from(copy.data)).toEqual(Array.from(expectedVoxels()));
  });

  it('a file changed after the import is refused by name when the voxels are read', async () => {
    const s = await importSeries('changed');
    const file = s.files[1];
    const bigger = sliceBytes({ series: '9.9', rows: ROWS + 1, cols: COLS, instanceNumber: 9 });
    await writeFile(file, bigger);
    const e = dataError(s);
    expect(isMetaKdError(e, ErrorCode.DicomInvalid)).toBe(true);
    expect((e as Error).message).toContain(file);
    expect((e as Error).message).toMatch(/changed since it was imported/);
  });

  it('a file removed after the import is refused by name when the voxels are read', async () => {
    const s = await importSeries('removed');
    await unlink(s.files[2]);
    const e = dataError(s);
    expect(isMetaKdError(e, ErrorCode.DicomInvalid)).toBe(true);
    expect((e as Error).message).toContain(s.files[2]);
  });

  it('headers longer than the first 4 KiB head, or than 16 KiB, import with the same voxels', async () => {
    for (const padding of [6000, 20000]) {
      const s = await importSeries(`long-header-${padding}`, padding);
      expect(s.volume.geometry.dims).toEqual([COLS, ROWS, 3]);
      expect(Array.from(s.volume.data)).toEqual(Array.from(expectedVoxels()));
    }
  });
});
