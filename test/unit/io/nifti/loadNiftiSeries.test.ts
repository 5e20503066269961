/**
 * loadNiftiSeries: naming, stable ids, 4-D splitting (MSD brain tumour order, dataset.json,
 * plain frames) and BIDS / dcm2niix JSON sidecars.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadNiftiSeries,
  niftiSeriesId,
} from '../../../../src-main/core/io/nifti/loadNiftiSeries.ts';
import { buildNifti, ramp } from './buildNifti.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-nifti-series-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a gzipped int16 NIfTI with `frames` frames of 2×2×2, frame t filled with 100·t + i. */
async function write4d(file: string, frames: number): Promise<string> {
  const dims = frames > 1 ? [2, 2, 2, frames] : [2, 2, 2];
  const values = ramp(8 * frames).map((v) => 100 * Math.floor(v / 8) + (v % 8));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, gzipSync(buildNifti({ dims, type: 'int16', values, qformCode: 1 })));
  return file;
}

describe('3-D file', () => {
  it('gives one series named after the file, with a stable path-derived id', async () => {
    const file = await write4d(path.join(dir, 'plain', 'Brats18_X_1_t1ce.nii.gz'), 1);
    const [s, ...rest] = await loadNiftiSeries(file);
    expect(rest).toHaveLength(0);
    expect(s.SeriesDescription).toBe('Brats18_X_1_t1ce');
    expect(s.source).toBe('nifti');
    expect(s.files).toEqual([file]);
    expect(s.channelIndex).toBeUndefined();
    expect(s.id).toBe(niftiSeriesId(file));
    expect((await loadNiftiSeries(file))[0].id).toBe(s.id); // same path → same id
    expect(niftiSeriesId(path.join(dir, 'other.nii.gz'))).not.toBe(s.id);
    expect(s.volume.geometry.dims).toEqual([2, 2, 2]);
    expect(Array.from(s.volume.data)).toEqual(ramp(8));
  });
});

describe('4-D files', () => {
  it('MSD brain tumour BRATS_xxx: four series in FLAIR, T1w, T1gd, T2w order', async () => {
    const file = await write4d(
      path.join(dir, 'Task01_BrainTumour', 'imagesTs', 'BRATS_485.nii.gz'),
      4,
    );
    const series = await loadNiftiSeries(file);
    expect(series.map((s) => s.SeriesDescription)).toEqual([
      'BRATS_485 [FLAIR]',
      'BRATS_485 [T1w]',
      'BRATS_485 [T1gd]',
      'BRATS_485 [T2w]',
    ]);
    expect(series.map((s) => s.channelIndex)).toEqual([0, 1, 2, 3]);
    expect(new Set(series.map((s) => s.id)).size).toBe(4);
    series.forEach((s, t) => expect(s.volume.data[3]).toBe(100 * t + 3));
  });

  it('channel names from an MSD dataset.json above imagesTr', async () => {
    const root = path.join(dir, 'Task99_Custom');
    await mkdir(path.join(root, 'imagesTr'), { recursive: true });
    await writeFile(
      path.join(root, 'dataset.json'),
      JSON.stringify({ modality: { 0: 'T2w', 1: 'FLAIR' } }),
    );
    const file = await write4d(path.join(root, 'imagesTr', 'case_001.nii.gz'), 2);
    const series = await loadNiftiSeries(file);
    expect(series.map((s) => s.SeriesDescription)).toEqual(['case_001 [T2w]', 'case_001 [FLAIR]']);
  });

  it('any other 4-D file: one series per frame, "[frame n]" from 1', async () => {
    const file = await write4d(path.join(dir, 'plain', 'dwi.nii.gz'), 3);
    const series = await loadNiftiSeries(file);
    expect(series.map((s) => s.SeriesDescription)).toEqual([
      'dwi [frame 1]',
      'dwi [frame 2]',
      'dwi [frame 3]',
    ]);
    series.forEach((s, t) => expect(s.volume.data[0]).toBe(100 * t));
  });

  it('a 4-frame file not named BRATS_n is not given MSD names', async () => {
    const file = await write4d(path.join(dir, 'plain', 'brain4.nii.gz'), 4);
    const series = await loadNiftiSeries(file);
    expect(series[0].SeriesDescription).toBe('brain4 [frame 1]');
  });
});

describe('JSON sidecar', () => {
  it('maps BIDS / dcm2niix keys onto SeriesInfo (s → ms, "_" → "\\\\")', async () => {
    const file = await write4d(path.join(dir, 'bids', 'sub-01_FLAIR.nii.gz'), 1);
    const sidecar = {
      SeriesDescription: 'AX FLAIR',
      ProtocolName: 'T2_FLAIR_AX',
      RepetitionTime: 9,
      EchoTime: 0.081,
      InversionTime: 2.5,
      ScanningSequence: 'SE_IR',
      SequenceVariant: 'SK_SP_MP',
      ImageType: ['ORIGINAL', 'PRIMARY', 'M', 'ND'],
      ContrastBolusAgent: 'Gadovist',
      SeriesNumber: 5,
      AcquisitionTime: '10:43:22.500000',
      Manufacturer: 'Siemens',
      FlipAngle: 150,
    };
    await writeFile(path.join(dir, 'bids', 'sub-01_FLAIR.json'), JSON.stringify(sidecar));
    const [s] = await loadNiftiSeries(file);
    expect(s).toMatchObject({
      SeriesDescription: 'AX FLAIR',
      ProtocolName: 'T2_FLAIR_AX',
      RepetitionTime: 9000,
      EchoTime: 81,
      InversionTime: 2500,
      ScanningSequence: 'SE\\IR',
      SequenceVariant: 'SK\\SP\\MP',
      ImageType: ['ORIGINAL', 'PRIMARY', 'M', 'ND'],
      ContrastBolusAgent: 'Gadovist',
      SeriesNumber: 5,
      AcquisitionTime: '104322.500000',
      Manufacturer: 'Siemens',
      FlipAngle: 150,
    });
    expect(s.sidecar).toEqual(sidecar);
    expect(s.files).toEqual([file, path.join(dir, 'bids', 'sub-01_FLAIR.json')]);
  });

  it('an invalid sidecar is ignored with a warning, never an error', async () => {
    const file = await write4d(path.join(dir, 'bad', 't2.nii.gz'), 1);
    await writeFile(path.join(dir, 'bad', 't2.json'), '{ not json');
    const [s] = await loadNiftiSeries(file);
    expect(s.SeriesDescription).toBe('t2');
    expect(s.sidecar).toBeUndefined();
    expect(s.warnings.join(' ')).toMatch(/not valid JSON/);
  });
});
