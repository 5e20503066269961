/**
 * The DICOM study generator on real BraTS cases: the written study imports back with the same
 * voxels and world coordinates (≤ 1e-3 mm) as the NIfTI files, carries realistic headers, and
 * passes dciodvfy without errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataPath, describeData } from '../../helpers/data.ts';
import { importPath } from '../../../src-main/core/study/importStudy.ts';
import {
  findBratsCaseFiles,
  writeMrStudyFromBratsCase,
} from '../../../src-main/core/io/dicom/writeMrStudy.ts';
import { readNifti } from '../../../src-main/core/io/nifti/readNifti.ts';
import { voxelToLps } from '../../../src-main/core/volume/Geometry.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-gen-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const DESCRIPTION: Record<ModelSlot, string> = {
  t1: 'AX T1 SE',
  t2: 'AX T2 FSE',
  flair: 'AX FLAIR',
  t1ce: 'AX T1 POST GD',
};

/** dciodvfy "Error" lines for a file (warnings are allowed). */
function dciodvfyErrors(file: string): string[] {
  let out: string;
  try {
    out = execFileSync('dciodvfy', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out =
      String((e as { stderr?: string }).stderr ?? '') +
      String((e as { stdout?: string }).stdout ?? '');
  }
  return out.split('\n').filter((l) => l.startsWith('Error'));
}

async function roundTrip(caseDir: string, name: string): Promise<void> {
  const out = path.join(tmp, name);
  const written = await writeMrStudyFromBratsCase(caseDir, out);
  expect(written.series.map((s) => s.slot)).toEqual(['t1', 't2', 'flair', 't1ce']);
  const r = await importPath(out);
  expect(r.skipped).toEqual([]);
  expect(r.studies).toHaveLength(1);
  const study = r.studies[0];
  expect(study.id).toBe(written.StudyInstanceUID);
  expect(study.series.map((s) => s.SeriesDescription)).toEqual([
    'AX T1 SE',
    'AX T2 FSE',
    'AX FLAIR',
    'AX T1 POST GD',
  ]);
  const files = await findBratsCaseFiles(caseDir);
  for (const w of written.series) {
    const s = study.series.find((x) => x.SeriesInstanceUID === w.SeriesInstanceUID);
    expect(s, w.SeriesDescription).toBeDefined();
    if (!s) continue;
    expect(s.SeriesDescription).toBe(DESCRIPTION[w.slot]);
    expect(s.warnings).toEqual([]);
    const nii = await readNifti(files[w.slot]);
    const g = s.volume.geometry;
    expect(g.dims).toEqual(nii.geometry.dims);
    expect(g.dims[2]).toBe(155);
    // World coordinates of every corner and a diagonal of voxels agree within 1e-3 mm.
    let maxMm = 0;
    for (let t = 0; t <= 10; t++) {
      const ijk = [0, 1, 2].map((a) => Math.round((t / 10) * (g.dims[a] - 1))) as [
        number,
        number,
        number,
      ];
      const p = voxelToLps(g, ijk);
      const q = voxelToLps(nii.geometry, ijk);
      maxMm = Math.max(maxMm, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
    }
    expect(maxMm).toBeLessThanOrEqual(1e-3);
    // Same voxels, exactly (BraTS intensities are integers that fit int16).
    const a = s.volume.data;
    const b = nii.frames[0];
    expect(a.length).toBe(b.length);
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
    expect(diff).toBe(0);
  }
  // Realistic headers: contrast only on the post-contrast T1, TI only on FLAIR, one frame of
  // reference, series numbers and times in acquisition order.
  const bySlot = (slot: ModelSlot) =>
    study.series.find((s) => s.SeriesDescription === DESCRIPTION[slot]);
  expect(bySlot('t1ce')?.ContrastBolusAgent).toMatch(/GADOBUTROL/);
  expect(bySlot('t1')?.ContrastBolusAgent).toBeUndefined();
  expect(bySlot('flair')).toMatchObject({ ScanningSequence: 'SE\\IR', InversionTime: 2500 });
  expect(bySlot('t2')).toMatchObject({
    ScanningSequence: 'SE',
    RepetitionTime: 4500,
    EchoTime: 98,
  });
  expect(new Set(study.series.map((s) => s.FrameOfReferenceUID))).toEqual(
    new Set([written.FrameOfReferenceUID]),
  );
  expect(study.series.map((s) => s.SeriesNumber)).toEqual([2, 3, 4, 5]);
  const times = study.series.map((s) => s.SeriesTime ?? '');
  expect([...times].sort()).toEqual(times);
  for (const w of written.series) expect(dciodvfyErrors(w.files[0])).toEqual([]);
}

describeData('DICOM study generator', () => {
  it('a BraTS 2018 case round-trips through DICOM with the same voxels and coordinates', async () => {
    await roundTrip(dataPath('brats18', 'Brats18_2013_20_1'), 'b18');
  });

  it('a BraTS 2023 case (-t1n/-t1c/-t2w/-t2f names) round-trips too', async () => {
    await roundTrip(dataPath('brats23', 'BraTS-GLI-00001-000'), 'b23');
  });

  it('refuses a folder that is not a BraTS case and a non-empty output folder', async () => {
    await expect(
      writeMrStudyFromBratsCase(dataPath('dicom'), path.join(tmp, 'x')),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      writeMrStudyFromBratsCase(dataPath('brats18', 'Brats18_2013_20_1'), path.join(tmp, 'b18')),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
