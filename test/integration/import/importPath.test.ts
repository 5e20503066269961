/**
 * importPath dispatch on real data: NIfTI files go to the NIfTI reader (one study per folder),
 * DICOM to the DICOM importer, both from one folder tree; JSON sidecars of NIfTI files are not
 * counted as skipped.
 */
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataPath, describeData } from '../../helpers/data.ts';
import { importPath } from '../../../src-main/core/study/importStudy.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-import-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const CASE = 'Brats18_2013_20_1';

describeData('importPath on NIfTI and mixed folders', () => {
  it('a BraTS case folder is one study of its NIfTI series', async () => {
    const dir = dataPath('brats18', CASE);
    const r = await importPath(dir);
    expect(r.skipped).toEqual([]);
    expect(r.studies).toHaveLength(1);
    expect(r.studies[0].id).toBe(dir);
    const names = r.studies[0].series.map((s) => s.SeriesDescription).sort();
    expect(names).toEqual(['flair', 'seg', 't1', 't1ce', 't2'].map((s) => `${CASE}_${s}`));
    for (const s of r.studies[0].series) {
      expect(s.source).toBe('nifti');
      expect(s.volume.geometry.dims).toEqual([240, 240, 155]);
    }
  });

  it('a tree with two NIfTI folders, a DICOM series and a sidecar gives three studies', async () => {
    const root = path.join(tmp, 'tree');
    for (const [folder, suffix] of [
      ['a', 't1'],
      ['b', 't2'],
    ] as const) {
      await mkdir(path.join(root, folder), { recursive: true });
      const name = `${CASE}_${suffix}.nii.gz`;
      await symlink(dataPath('brats18', CASE, name), path.join(root, folder, name));
    }
    await writeFile(
      path.join(root, 'a', `${CASE}_t1.json`),
      JSON.stringify({ SeriesDescription: 'T1 MPRAGE', RepetitionTime: 2.3 }),
    );
    await mkdir(path.join(root, 'dicom'));
    for (const n of ['001', '002', '003']) {
      const f = `brain_${n}.dcm`;
      await copyFile(dataPath('dicom', 'ge-signa-brain-pd', f), path.join(root, 'dicom', f));
    }
    await writeFile(path.join(root, 'notes.txt'), 'not an image');
    const progress: number[] = [];
    const r = await importPath(root, { onProgress: (done) => progress.push(done) });
    expect(r.studies).toHaveLength(3);
    expect(r.skipped.map((s) => path.basename(s.file))).toEqual(['notes.txt']);
    expect(progress.at(-1)).toBe(6); // 2 NIfTI + 3 DICOM + notes.txt (the sidecar is not a file to import)
    const all = r.studies.flatMap((s) => s.series);
    expect(
      all.find((s) => s.source === 'nifti' && s.SeriesDescription === 'T1 MPRAGE'),
    ).toBeDefined();
    const dicom = all.find((s) => s.source === 'dicom');
    expect(dicom?.volume.geometry.dims).toEqual([256, 256, 3]);
  });
});
