/**
 * DICOM import on synthetic files made in code: slice ordering and LPS geometry, series splits,
 * gaps and non-uniform spacing, rescale, enhanced multi-frame, headerless files, unsupported
 * syntaxes and broken input. Real files are covered by test/integration/dicom.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPath } from '../../../../src-main/core/study/importStudy.ts';
import { voxelToLps } from '../../../../src-main/core/volume/Geometry.ts';
import { voxelIndex } from '../../../../src-main/core/volume/Volume.ts';
import { isMetaKdError } from '../../../../src-main/core/errors.ts';
import { encodeDataSet, encodePart10 } from '../../../../src-main/core/io/dicom/writeDicom.ts';
import { MR_SOP_CLASS, el, enhancedBytes, sliceBytes, writeSlices } from './synthetic.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-dicom-unit-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh sub-folder of the temp folder. */
async function dir(name: string): Promise<string> {
  const d = path.join(tmp, name);
  await mkdir(d, { recursive: true });
  return d;
}

/** Expects a MetaKdError with `code` whose message names `file`. */
async function expectError(p: Promise<unknown>, code: string, file: string): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isMetaKdError(e), `expected a MetaKdError, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code).toBe(code);
  expect((e as Error).message).toContain(file);
  return e as Error;
}

describe('slice ordering and geometry', () => {
  it('orders an oblique stack along its normal and builds the LPS geometry', async () => {
    const d = await dir('oblique');
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const iop = [1, 0, 0, 0, c, s]; // rows along +x, columns tilted towards +z
    const normal = [0, -s, c];
    const step = 2.5;
    const at = (k: number): [number, number, number] => [
      -10 + normal[0] * step * k,
      20 + normal[1] * step * k,
      5 + normal[2] * step * k,
    ];
    // Written in scrambled order; instance numbers deliberately disagree with position.
    const order = [3, 0, 4, 1, 2];
    await writeSlices(
      d,
      order.map((k, n) => ({
        name: `f${n}`,
        series: '1.2.3.4.1',
        ipp: at(k),
        iop,
        instanceNumber: 10 + k,
      })),
    );
    const r = await importPath(d);
    expect(r.studies).toHaveLength(1);
    const series = r.studies[0].series[0];
    const g = series.volume.geometry;
    expect(g.dims).toEqual([5, 4, 5]);
    expect(g.spacing[0]).toBeCloseTo(0.8, 9); // column spacing (PixelSpacing[1])
    expect(g.spacing[1]).toBeCloseTo(0.5, 9);
    expect(g.spacing[2]).toBeCloseTo(step, 6);
    g.directionLps[2].forEach((v, i) => expect(v).toBeCloseTo(normal[i], 6));
    for (let k = 0; k < 5; k++) {
      const p = voxelToLps(g, [0, 0, k]);
      p.forEach((v, i) => expect(v).toBeCloseTo(at(k)[i], 4));
      // value = instanceNumber·10 + column: slice k came from instance 10 + k
      expect(series.volume.data[voxelIndex(g.dims, 3, 1, k)]).toBe((10 + k) * 10 + 3);
    }
    expect(series.warnings).toEqual([]);
    expect(series.instances?.map((i) => path.basename(i.file))).toEqual([
      'f1.dcm',
      'f3.dcm',
      'f4.dcm',
      'f0.dcm',
      'f2.dcm',
    ]);
    expect(series.instances?.[0].SOPClassUID).toBe(MR_SOP_CLASS);
  });

  it('reports a gap with its size and non-uniform spacing with its range', async () => {
    const gapDir = await dir('gap');
    const zs = [0, 3, 6, 12, 15];
    await writeSlices(
      gapDir,
      zs.map((z, n) => ({ name: `g${n}`, series: '1.9.1', ipp: [0, 0, z], instanceNumber: n + 1 })),
    );
    const gap = (await importPath(gapDir)).studies[0].series[0];
    expect(gap.volume.geometry.spacing[2]).toBe(3);
    expect(gap.warnings.join(' ')).toMatch(
      /gap in slice positions: 6 mm after slice 3 \(≈1 missing\).*median spacing 3 mm/,
    );

    const unevenDir = await dir('uneven');
    const zu = [0, 3, 6, 8.5, 11];
    await writeSlices(
      unevenDir,
      zu.map((z, n) => ({ name: `u${n}`, series: '1.9.2', ipp: [0, 0, z], instanceNumber: n + 1 })),
    );
    const uneven = (await importPath(unevenDir)).studies[0].series[0];
    expect(uneven.warnings.join(' ')).toMatch(
      /non-uniform slice spacing: steps from 2.5 mm to 3 mm/,
    );
  });
});

describe('series splitting', () => {
  it('splits a series that mixes sizes, orientations and echoes into sub-series', async () => {
    const d = await dir('split');
    const uid = '1.2.3.4.77';
    const slices = [
      ...[0, 1, 2].map((k) => ({
        name: `ax${k}`,
        series: uid,
        ipp: [0, 0, k] as [number, number, number],
        instanceNumber: k + 1,
      })),
      ...[0, 1].map((k) => ({
        name: `cor${k}`,
        series: uid,
        ipp: [0, k, 0] as [number, number, number],
        iop: [1, 0, 0, 0, 0, -1],
        instanceNumber: 10 + k,
      })),
      ...[0, 1].map((k) => ({
        name: `big${k}`,
        series: uid,
        rows: 6,
        ipp: [0, 0, k] as [number, number, number],
        instanceNumber: 20 + k,
      })),
      ...[0, 1].map((k) => ({
        name: `e2${k}`,
        series: uid,
        echoNumber: 2,
        ipp: [0, 0, k] as [number, number, number],
        instanceNumber: 30 + k,
      })),
    ];
    await writeSlices(d, slices);
    const series = (await importPath(d)).studies[0].series;
    expect(series.map((s) => s.id).sort()).toEqual([
      `${uid}#1`,
      `${uid}#2`,
      `${uid}#3`,
      `${uid}#4`,
    ]);
    expect(series.map((s) => s.volume.geometry.dims[2]).sort()).toEqual([2, 2, 2, 3]);
    const w = series[0].warnings.join(' ');
    expect(w).toMatch(
      /split into 4 sub-series because it mixes sizes .* and echoes .* and orientations/,
    );
    expect(series.every((s) => s.SeriesInstanceUID === uid)).toBe(true);
  });

  it('keeps one of each repeated position and says so', async () => {
    const d = await dir('repeat');
    await writeSlices(
      d,
      [0, 1, 0, 1].map((z, n) => ({
        name: `r${n}`,
        series: '1.5.5',
        ipp: [0, 0, z] as [number, number, number],
        instanceNumber: n + 1,
      })),
    );
    const s = (await importPath(d)).studies[0].series[0];
    expect(s.volume.geometry.dims[2]).toBe(2);
    expect(s.warnings.join(' ')).toMatch(/2 of 4 slices repeat a position/);
  });
});

describe('rescale', () => {
  it('keeps Int16 for an integral rescale and switches to Float32 otherwise', async () => {
    const a = await dir('rescale-int');
    await writeSlices(a, [
      { name: 'a', series: '1.6.1', ipp: [0, 0, 0], slope: 2, intercept: -5, instanceNumber: 1 },
    ]);
    const si = (await importPath(a)).studies[0].series[0];
    expect(si.volume.data).toBeInstanceOf(Int16Array);
    expect(si.volume.data[2]).toBe((1 * 10 + 2) * 2 - 5);

    const b = await dir('rescale-float');
    await writeSlices(b, [
      {
        name: 'b',
        series: '1.6.2',
        ipp: [0, 0, 0],
        slope: 0.25,
        intercept: 1.5,
        instanceNumber: 1,
      },
    ]);
    const sf = (await importPath(b)).studies[0].series[0];
    expect(sf.volume.data).toBeInstanceOf(Float32Array);
    expect(sf.volume.data[3]).toBeCloseTo(13 * 0.25 + 1.5, 6);
  });
});

describe('enhanced multi-frame MR', () => {
  it('stacks frames by their per-frame positions with shared orientation and spacing', async () => {
    const d = await dir('enhanced');
    await writeFile(path.join(d, 'mf.dcm'), enhancedBytes());
    const s = (await importPath(d)).studies[0].series[0];
    const g = s.volume.geometry;
    expect(g.dims).toEqual([2, 3, 3]);
    expect(g.spacing).toEqual([0.9, 0.7, 2]);
    expect(g.originLps).toEqual([1, 2, 0]);
    expect(s.RepetitionTime).toBe(5000);
    // slice k=0 is frame 1 (z=0), k=1 frame 2 (z=2), k=2 frame 0 (z=4)
    expect([0, 1, 2].map((k) => s.volume.data[voxelIndex(g.dims, 0, 0, k)])).toEqual([100, 200, 0]);
    expect(s.instances?.map((i) => i.frameNumber)).toEqual([2, 3, 1]);
  });
});

/** Implicit VR little-endian encoding of (tag, value) pairs, no preamble or meta header. */
function implicitDataSet(entries: readonly [number, number, Buffer][]): Buffer {
  return Buffer.concat(
    entries.flatMap(([g, e, v]) => {
      const h = Buffer.alloc(8);
      h.writeUInt16LE(g, 0);
      h.writeUInt16LE(e, 2);
      h.writeUInt32LE(v.length, 4);
      return [h, v];
    }),
  );
}

const us = (v: number): Buffer => Buffer.from(new Uint16Array([v]).buffer);
const str = (s: string): Buffer => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

describe('headerless and odd files', () => {
  it('reads a headerless implicit VR data set and a headerless explicit one', async () => {
    const d = await dir('headerless');
    const px = new Int16Array([1, 2, 3, 4]);
    const implicit = implicitDataSet([
      [0x0008, 0x0016, str(MR_SOP_CLASS)],
      [0x0008, 0x0018, str('1.2.3.9')],
      [0x0020, 0x000d, str('1.2.3')],
      [0x0020, 0x000e, str('1.2.3.1')],
      [0x0020, 0x0032, str('0\\0\\0')],
      [0x0020, 0x0037, str('1\\0\\0\\0\\1\\0')],
      [0x0028, 0x0010, us(2)],
      [0x0028, 0x0011, us(2)],
      [0x0028, 0x0100, us(16)],
      [0x0028, 0x0103, us(1)],
      [0x7fe0, 0x0010, Buffer.from(px.buffer)],
    ]);
    await writeFile(path.join(d, 'IMPLICIT'), implicit);
    const explicit = Buffer.concat(
      encodeDataSet([
        el(0x0008, 0x0016, 'UI', MR_SOP_CLASS),
        el(0x0020, 0x000e, 'UI', '1.2.3.2'),
        el(0x0028, 0x0010, 'US', [2]),
        el(0x0028, 0x0011, 'US', [2]),
        el(0x0028, 0x0100, 'US', [16]),
        el(0x7fe0, 0x0010, 'OW', new Uint8Array(px.buffer)),
      ]),
    );
    await writeFile(path.join(d, 'EXPLICIT'), explicit);
    const series = (await importPath(d)).studies.flatMap((s) => s.series);
    expect(series).toHaveLength(2);
    for (const s of series) expect(Array.from(s.volume.data)).toEqual([1, 2, 3, 4]);
  });

  it('skips DICOMDIR, non-image DICOM and non-DICOM files, counting them with reasons', async () => {
    const d = await dir('mixed');
    await writeSlices(d, [{ name: 'img', series: '1.7.1', ipp: [0, 0, 0] }]);
    await writeFile(
      path.join(d, 'DICOMDIR'),
      encodePart10([el(0x0004, 0x1130, 'CS', 'FILESET')], {
        SOPClassUID: '1.2.840.10008.1.3.10',
        SOPInstanceUID: '1.2.3.99',
      }),
    );
    await writeFile(path.join(d, 'notes.txt'), 'hello, not an image\n');
    await writeFile(path.join(d, 'empty.dcm'), Buffer.alloc(0));
    const r = await importPath(d);
    expect(r.studies.flatMap((s) => s.series)).toHaveLength(1);
    const reasons = Object.fromEntries(r.skipped.map((s) => [path.basename(s.file), s.reason]));
    expect(reasons).toEqual({
      DICOMDIR: 'DICOMDIR (index file)',
      'notes.txt': 'not a DICOM or NIfTI file',
      'empty.dcm': 'empty file (0 bytes)',
    });
  });
});

describe('bad input', () => {
  it('a file cut mid-element is DicomInvalid naming the file, without patient data', async () => {
    const d = await dir('truncated');
    const full = sliceBytes({ series: '1.8.1', ipp: [0, 0, 0] });
    const file = path.join(d, 'cut.dcm');
    // Cut inside the PatientName value's neighbourhood: well before the pixel data.
    await writeFile(file, full.subarray(0, 300));
    const e = await expectError(importPath(file), 'DICOM_INVALID', file);
    expect(e.message).not.toMatch(/SECRET/);
    // Cut inside the pixel data.
    const file2 = path.join(d, 'cut-pixels.dcm');
    await writeFile(file2, full.subarray(0, full.length - 7));
    await expectError(importPath(file2), 'DICOM_INVALID', file2);
  });

  it('an empty folder is EmptyFolder and a folder without images is NoImages, naming it', async () => {
    const empty = await dir('empty');
    await expectError(importPath(empty), 'EMPTY_FOLDER', empty);
    const noImages = await dir('no-images');
    await writeFile(path.join(noImages, 'readme.md'), '# nothing here\n');
    await writeFile(path.join(noImages, 'zero.bin'), Buffer.alloc(0));
    await expectError(importPath(noImages), 'NO_IMAGES', noImages);
    const zero = path.join(noImages, 'zero.bin');
    await expectError(importPath(zero), 'NO_IMAGES', zero);
    await expectError(importPath(path.join(tmp, 'does-not-exist')), 'NOT_FOUND', 'does-not-exist');
  });

  it('an encapsulated syntax without a decoder is DicomUnsupportedTransferSyntax naming file and syntax', async () => {
    const d = await dir('unsupported');
    const file = path.join(d, 'jpeg12.dcm');
    const ts = '1.2.840.10008.1.2.4.51'; // JPEG Extended 12-bit: libjpeg-turbo-8bit cannot
    const body = Buffer.concat(
      encodeDataSet([
        el(0x0008, 0x0016, 'UI', MR_SOP_CLASS),
        el(0x0008, 0x0018, 'UI', '1.2.3.50'),
        el(0x0020, 0x000e, 'UI', '1.2.3.51'),
        el(0x0028, 0x0010, 'US', [2]),
        el(0x0028, 0x0011, 'US', [2]),
        el(0x0028, 0x0100, 'US', [16]),
      ]),
    );
    const meta = encodePart10([], {
      SOPClassUID: MR_SOP_CLASS,
      SOPInstanceUID: '1.2.3.50',
      transferSyntaxUID: ts,
    });
    // Encapsulated pixel data: undefined length, empty offset table item, one fragment, delimiter.
    const pixel = Buffer.from([
      0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0,
      0, 0, 0, 0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0, 0xff, 0xd8, 0xff, 0xd9, 0xfe, 0xff, 0xdd, 0xe0,
      0, 0, 0, 0,
    ]);
    await writeFile(file, Buffer.concat([meta, body, pixel]));
    const e = await expectError(importPath(file), 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX', file);
    expect(e.message).toContain('JPEG Extended');
    expect(e.message).toContain(ts);
    // Beside a readable series, the undecodable one is skipped with the reason, not fatal.
    await writeSlices(d, [{ name: 'good', series: '1.2.3.52', ipp: [0, 0, 0] }]);
    const r = await importPath(d);
    expect(r.studies.flatMap((x) => x.series)).toHaveLength(1);
    expect(r.skipped).toEqual([{ file, reason: e.message }]);
    expect(r.warnings.join(' ')).toContain('JPEG Extended');
  });
});

describe('progress and cancellation', () => {
  it('reports progress per file and stops when cancelled', async () => {
    const d = await dir('progress');
    await writeSlices(
      d,
      [0, 1, 2].map((z) => ({
        name: `p${z}`,
        series: '1.4.4',
        ipp: [0, 0, z] as [number, number, number],
      })),
    );
    const seen: [number, number][] = [];
    await importPath(d, { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const ac = new AbortController();
    ac.abort();
    await expect(importPath(d, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
