/**
 * Real DICOM files from ../shared/data/dicom: the GE Signa series (geometry checked against the
 * headers by hand and against dcm2niix), every transfer-syntax sample (decoded and compared with
 * the same image decompressed by dcmtk / dcm2niix), the Philips multi-frame file, and broken
 * copies of real files.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataPath, describeData } from '../../helpers/data.ts';
import { importPath } from '../../../src-main/core/study/importStudy.ts';
import { voxelToLps } from '../../../src-main/core/volume/Geometry.ts';
import type { Series } from '../../../src-main/core/study/types.ts';
import { compareThroughWorld, dcm2niixVolume, dcmtk } from './compare.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-dicom-real-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const ts = (name: string): string => dataPath('dicom', 'transfer-syntaxes', name);

async function onlySeries(p: string): Promise<Series> {
  const r = await importPath(p);
  expect(r.studies).toHaveLength(1);
  expect(r.studies[0].series).toHaveLength(1);
  return r.studies[0].series[0];
}

describeData('GE Signa brain PD series', () => {
  it('imports with the geometry of its headers and matches dcm2niix voxel for voxel', async () => {
    const dir = dataPath('dicom', 'ge-signa-brain-pd');
    const s = await onlySeries(dir);
    const g = s.volume.geometry;
    expect(g.dims).toEqual([256, 256, 20]);
    // Hand-checked from the headers: instance 1 is the most inferior slice; IOP rows [1,0,0],
    // columns [0,0.99096,0.134158]; PixelSpacing 0.859375; slice steps 6.9–7.1 mm (rounded IPPs).
    expect(g.originLps).toEqual([-110.5, -78.3063, -72.7575]);
    expect(g.directionLps[0]).toEqual([1, 0, 0]);
    g.directionLps[1].forEach((v, i) => expect(v).toBeCloseTo([0, 0.99096, 0.134158][i], 4));
    expect(g.spacing[0]).toBe(0.859375);
    expect(g.spacing[2]).toBeGreaterThan(6.9);
    expect(g.spacing[2]).toBeLessThan(7.05);
    const last = voxelToLps(g, [0, 0, 19]);
    // IPP of instance 20 is [-110.5, -96.2063, 59.0425]. The mean step is used (uniform stack);
    // the rounded positions drift 0.056 mm off the normal, so the last slice lands within 0.06 mm.
    [-110.5, -96.2063, 59.0425].forEach((v, i) => expect(Math.abs(last[i] - v)).toBeLessThan(0.06));
    expect(s.instances?.map((x) => path.basename(x.file))).toEqual(
      Array.from({ length: 20 }, (_, n) => `brain_${String(n + 1).padStart(3, '0')}.dcm`),
    );
    expect(s).toMatchObject({
      SeriesDescription: 'FSE PD AXIAL OBL',
      ScanningSequence: 'SE',
      SequenceVariant: 'SK',
      RepetitionTime: 2300,
      EchoTime: 22,
      Manufacturer: 'GE Medical Systems',
    });
    expect(s.warnings).toEqual([]);
    const out = path.join(tmp, 'ge-d2n');
    await mkdir(out);
    const ref = await dcm2niixVolume(dir, out, false);
    const c = compareThroughWorld(s.volume, ref, 5);
    expect(c.samples).toBeGreaterThan(10_000);
    // dcm2niix takes its slice step from the first two positions (7.071 mm here, a 0.1-mm rounded
    // step), so its far slices sit up to ~1 mm (0.15 slice) from the true positions that we follow
    // (last IPP checked above). Every sample still maps to the same voxel with the same value.
    expect(c.maxIndexError).toBeLessThan(0.25);
    expect(c.maxValueDiff).toBe(0);
  });
});

/** Compressed sample, the tool that writes its uncompressed sibling, and the allowed difference. */
const DECOMPRESSED_BY_DCMTK: readonly [string, string, string[], number][] = [
  ['jpeg_lossless_sel1.dcm', 'dcmdjpeg', [], 0],
  ['jpeg_ls.dcm', 'dcmdjpls', [], 0],
  ['rle.dcm', 'dcmdrle', [], 0],
  ['deflated.dcm', 'dcmconv', ['+te'], 0],
  ['explicit_big.dcm', 'dcmconv', ['+te'], 0],
  // Lossy: libjpeg-turbo and dcmtk's IJG code may round the IDCT differently by a grey level.
  ['jpeg_baseline_8bit.dcm', 'dcmdjpeg', [], 2],
];

describeData('transfer-syntax samples', () => {
  for (const [name, tool, args, tolerance] of DECOMPRESSED_BY_DCMTK) {
    it(`${name} decodes to the same voxels as ${tool}'s uncompressed copy`, async () => {
      const ours = await onlySeries(ts(name));
      const sibling = dcmtk(tool, ts(name), path.join(tmp, `${tool}-${name}`), args);
      const ref = await onlySeries(sibling);
      expect(ref.volume.geometry).toEqual(ours.volume.geometry);
      expect(ours.volume.data.length).toBe(ref.volume.data.length);
      let maxDiff = 0;
      for (let i = 0; i < ref.volume.data.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(ours.volume.data[i] - ref.volume.data[i]));
      }
      expect(maxDiff).toBeLessThanOrEqual(tolerance);
      // Not a trivially blank image.
      expect(new Set(ours.volume.data).size).toBeGreaterThan(20);
    });
  }

  it('jpeg_2000.dcm decodes to the voxels dcm2niix (OpenJPEG) gives, in CT units', async () => {
    const ours = await onlySeries(ts('jpeg_2000.dcm'));
    const out = path.join(tmp, 'j2k-d2n');
    await mkdir(out);
    const ref = await dcm2niixVolume(ts('jpeg_2000.dcm'), out, true);
    const c = compareThroughWorld(ours.volume, ref, 3);
    expect(c.samples).toBeGreaterThan(20_000);
    expect(c.maxIndexError).toBeLessThan(1e-3);
    expect(c.maxValueDiff).toBeLessThan(1e-3);
    let min = Infinity;
    for (const v of ours.volume.data) min = Math.min(min, v);
    expect(min).toBeLessThan(-1000); // RescaleIntercept −1024 applied: air/padding is below −1000 HU
  });

  it('implicit_little.dcm is the GE FLAIR slice with ScanningSequence RM', async () => {
    const s = await onlySeries(ts('implicit_little.dcm'));
    expect(s).toMatchObject({
      SeriesDescription: 'FLAIR',
      ScanningSequence: 'RM',
      SequenceName: 'flair',
      RepetitionTime: 10002,
      EchoTime: 159.5,
      Manufacturer: 'GE MEDICAL SYSTEMS',
    });
    expect(s.volume.geometry.dims).toEqual([256, 256, 1]);
    // The header says ContrastBolusAgent "NONE": that is no agent.
    expect(s.ContrastBolusAgent).toBeUndefined();
  });

  it('the Philips multi-frame file imports its 16 frames as one series', async () => {
    const s = await onlySeries(ts('explicit_little.dcm'));
    expect(s.volume.geometry.dims).toEqual([256, 256, 16]);
    expect(s).toMatchObject({ Manufacturer: 'Philips', RepetitionTime: 1333.33, EchoTime: 11.98 });
    expect(s.instances).toHaveLength(16);
    expect(s.instances?.[15].frameNumber).toBe(16);
    // Frames differ from each other (a cine/multi-slice acquisition, not one frame repeated).
    const plane = 256 * 256;
    const f0 = s.volume.data.subarray(0, plane);
    const f8 = s.volume.data.subarray(8 * plane, 9 * plane);
    expect(f0.some((v, i) => v !== f8[i])).toBe(true);
  });

  it('a folder of all samples imports each and skips nothing', async () => {
    const r = await importPath(dataPath('dicom', 'transfer-syntaxes'));
    expect(r.skipped).toEqual([]);
    expect(r.studies.flatMap((s) => s.series).length).toBeGreaterThanOrEqual(8);
  });
});

describeData('broken copies of real files', () => {
  it('a real file cut mid-element is DicomInvalid naming it; in a folder it is skipped', async () => {
    const bytes = await readFile(dataPath('dicom', 'ge-signa-brain-pd', 'brain_002.dcm'));
    const dir = path.join(tmp, 'cut');
    await mkdir(dir);
    const cut = path.join(dir, 'cut.dcm');
    await writeFile(cut, bytes.subarray(0, 1000));
    await expect(importPath(cut)).rejects.toMatchObject({ code: 'DICOM_INVALID', file: cut });
    // Cut inside the pixel data of a file larger than the header probe (pixel data read lazily).
    const cutPixels = path.join(tmp, 'cut-pixels.dcm');
    await writeFile(cutPixels, bytes.subarray(0, 100_000));
    await expect(importPath(cutPixels)).rejects.toMatchObject({
      code: 'DICOM_INVALID',
      file: cutPixels,
    });
    await copyFile(
      dataPath('dicom', 'ge-signa-brain-pd', 'brain_003.dcm'),
      path.join(dir, 'ok.dcm'),
    );
    await writeFile(path.join(dir, 'report.pdf'), '%PDF-1.4 not an image');
    const r = await importPath(dir);
    expect(r.studies.flatMap((s) => s.series)).toHaveLength(1);
    expect(r.skipped.map((s) => path.basename(s.file)).sort()).toEqual(['cut.dcm', 'report.pdf']);
    expect(r.warnings.join(' ')).toContain('cut.dcm');
  });
});
