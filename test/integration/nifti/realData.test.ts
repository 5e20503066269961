/**
 * Real NIfTI files from ../shared/data: BraTS 2018 and 2023 cases, the raw oblique TCGA scans and a
 * dcm2niix conversion of the GE DICOM series (with its JSON sidecar). Geometry and voxels are
 * checked against the known facts of the data and against nibabel as an independent reader; our
 * writer's output is read back by both.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { ErrorCode, MetaKdError } from '../../../src-main/core/errors.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadNiftiSeries } from '../../../src-main/core/io/nifti/loadNiftiSeries.ts';
import { readNifti } from '../../../src-main/core/io/nifti/readNifti.ts';
import type { NiftiImage } from '../../../src-main/core/io/nifti/readNifti.ts';
import { encodeNiftiFrames, writeNifti } from '../../../src-main/core/io/nifti/writeNifti.ts';
import type { VoxelArray } from '../../../src-main/core/volume/Volume.ts';
import { affineRas, sameGrid } from '../../../src-main/core/volume/Geometry.ts';
import { axisCodes, obliquityDegrees } from '../../../src-main/core/volume/orientation.ts';
import { dataPath, describeData } from '../../helpers/data.ts';
import { nibabelPython, nibabelSummaries, sampleIndices } from './nibabel.ts';

const BRATS18 = dataPath('brats18', 'Brats18_2013_20_1');
const BRATS23 = dataPath('brats23', 'BraTS-GLI-00001-000');
const TCGA = dataPath('raw', 'TCGA-FG-6692');
const niftiIn = (d: string) =>
  existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('.nii.gz'))
        .map((f) => path.join(d, f))
    : [];

/** Byte-identical arrays of the same type (vitest's deep equality takes minutes on 9 M voxels). */
function expectSameVoxels(a: VoxelArray, b: VoxelArray): void {
  expect(a.constructor).toBe(b.constructor);
  const bytes = (v: VoxelArray) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  expect(bytes(a).equals(bytes(b))).toBe(true);
}

/** Sum over every frame. */
function sum(img: NiftiImage): number {
  let s = 0;
  for (const f of img.frames) for (let i = 0; i < f.length; i++) s += f[i];
  return s;
}

/** Our image agrees with nibabel: shape, RAS affine (≤ 1e-4 mm), dtype, voxel sum and samples. */
function expectSameAsNibabel(img: NiftiImage, nb: ReturnType<typeof nibabelSummaries>): void {
  const ref = nb?.[img.file];
  if (!ref) return;
  expect(ref.shape.slice(0, 3)).toEqual([...img.geometry.dims]);
  const ours = affineRas(img.geometry);
  ref.affine
    .slice(0, 12)
    .forEach((v, i) => expect(Math.abs(v - ours[i]), `affine[${i}]`).toBeLessThan(1e-4));
  expect(ref.dtype).toBe(img.info.datatype);
  expect(sum(img)).toBe(ref.sum);
  const f = img.frames[0];
  expect(sampleIndices(f.length).map((i) => f[i])).toEqual(ref.samples);
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'metakd-nifti-real-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describeData('NIfTI real data', () => {
  // Makes a skipped nibabel cross-check visible in the output instead of silently passing.
  console.info(
    nibabelPython
      ? `nibabel cross-check: ${nibabelPython}`
      : 'nibabel not found: cross-checks skipped',
  );

  it('BraTS 2018 case: 240×240×155, 1 mm, LPS axes, int16, same as nibabel', async () => {
    const files = niftiIn(BRATS18).filter((f) => !f.endsWith('_seg.nii.gz'));
    expect(files).toHaveLength(4);
    const nb = nibabelSummaries(files);
    for (const file of files) {
      const img = await readNifti(file);
      expect(img.geometry.dims).toEqual([240, 240, 155]);
      expect(img.geometry.spacing).toEqual([1, 1, 1]);
      expect(img.geometry.directionLps).toEqual([
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]);
      expect(axisCodes(img.geometry)).toBe('LPS');
      expect(img.info.datatype).toBe('int16');
      expect(img.frames).toHaveLength(1);
      expectSameAsNibabel(img, nb);
    }
  });

  it('BraTS 2023 case (header extension, vox_offset 2880): same grid as BraTS 2018, same as nibabel', async () => {
    const files = niftiIn(BRATS23);
    expect(files).toHaveLength(4);
    const nb = nibabelSummaries(files);
    for (const file of files) {
      const img = await readNifti(file);
      expect(img.info.header.voxOffset).toBeGreaterThan(352);
      expect(img.geometry.dims).toEqual([240, 240, 155]);
      expect(axisCodes(img.geometry)).toBe('LPS');
      expectSameAsNibabel(img, nb);
    }
  });

  it('raw TCGA-FG-6692: oblique 0.9×0.9×5.5 mm axial scans, LAS, same as nibabel', async () => {
    const files = niftiIn(TCGA);
    expect(files).toHaveLength(4);
    const nb = nibabelSummaries(files);
    for (const file of files) {
      const img = await readNifti(file);
      const [sx, sy, sz] = img.geometry.spacing;
      expect(sx).toBeCloseTo(0.8984375, 4);
      expect(sy).toBeCloseTo(0.8984375, 4);
      expect(sz).toBeCloseTo(5.5, 3);
      expect(img.geometry.dims[2]).toBe(26);
      expect(axisCodes(img.geometry)).toBe('LAS');
      expect(obliquityDegrees(img.geometry)).toBeGreaterThan(1); // tilted acquisition
      expectSameAsNibabel(img, nb);
    }
  });

  it('write → read round trip of a TCGA scan: same voxels, geometry ≤ 1e-4 mm, nibabel agrees', async () => {
    const src = niftiIn(TCGA)[0];
    const img = await readNifti(src);
    const out = path.join(tmp, 'roundtrip.nii.gz');
    await writeNifti(out, { geometry: img.geometry, data: img.frames[0] });
    const back = await readNifti(out);
    expect(sameGrid(back.geometry, img.geometry, 1e-4)).toBe(true);
    expectSameVoxels(back.frames[0], img.frames[0]);
    expectSameAsNibabel(back, nibabelSummaries([out]));
  });

  it('a BraTS case packed as an MSD 4-D BRATS_xxx file splits back into the four sequences', async () => {
    const order = ['flair', 't1', 't1ce', 't2']; // MSD order: FLAIR, T1w, T1gd, T2w
    const imgs = await Promise.all(
      order.map((s) => readNifti(path.join(BRATS18, `Brats18_2013_20_1_${s}.nii.gz`))),
    );
    const file = path.join(tmp, 'BRATS_001.nii.gz');
    await writeFile(
      file,
      encodeNiftiFrames(
        imgs[0].geometry,
        imgs.map((i) => i.frames[0]),
      ),
    );
    const series = await loadNiftiSeries(file);
    expect(series.map((s) => s.SeriesDescription)).toEqual([
      'BRATS_001 [FLAIR]',
      'BRATS_001 [T1w]',
      'BRATS_001 [T1gd]',
      'BRATS_001 [T2w]',
    ]);
    series.forEach((s, c) => {
      expectSameVoxels(s.volume.data, imgs[c].frames[0]);
      expect(sameGrid(s.volume.geometry, imgs[c].geometry, 1e-4)).toBe(true);
    });
  });

  it('a real BraTS .nii.gz cut short fails with NiftiTruncated naming the file', async () => {
    const src = path.join(BRATS18, 'Brats18_2013_20_1_t1.nii.gz');
    const cut = path.join(tmp, 'cut_t1.nii.gz');
    const bytes = await readFile(src);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const err = await readNifti(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetaKdError);
    expect(err).toMatchObject({ code: ErrorCode.NiftiTruncated, file: cut });
    expect((err as Error).message).toContain(cut);
  });

  it('dcm2niix conversion of the GE series: sidecar facts and the DICOM orientation', async () => {
    const out = path.join(tmp, 'd2n');
    await mkdir(out, { recursive: true });
    try {
      const args = [
        '-z',
        'y',
        '-b',
        'y',
        '-f',
        '%d_%s',
        '-o',
        out,
        dataPath('dicom', 'ge-signa-brain-pd'),
      ];
      execFileSync('dcm2niix', args, { stdio: 'ignore' });
    } catch {
      console.info('dcm2niix not available: skipping the sidecar check');
      return;
    }
    const [file] = niftiIn(out);
    const [s] = await loadNiftiSeries(file);
    expect(s).toMatchObject({
      SeriesDescription: 'FSE PD AXIAL OBL',
      ProtocolName: 'CLINICAL BRAIN',
      ScanningSequence: 'SE',
      RepetitionTime: 2300,
      EchoTime: 22,
      SeriesNumber: 2,
      Manufacturer: 'GE',
      ImageType: ['ORIGINAL', 'PRIMARY', 'MPR'],
    });
    // ImageOrientationPatient (LPS) row and column cosines from the sidecar: dcm2niix keeps the
    // row direction as i and flips the rows, so j runs against the DICOM column direction.
    const iop = s.sidecar?.ImageOrientationPatientDICOM as number[];
    const [dirI, dirJ] = s.volume.geometry.directionLps;
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(Math.abs(dirI[a]) - Math.abs(iop[a]))).toBeLessThan(1e-4);
      expect(Math.abs(Math.abs(dirJ[a]) - Math.abs(iop[3 + a]))).toBeLessThan(1e-4);
    }
    expect(obliquityDegrees(s.volume.geometry)).toBeCloseTo(
      (Math.atan2(0.134158, 0.99096) * 180) / Math.PI,
      2,
    );
  });
});
