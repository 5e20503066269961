/**
 * Issue 12 ("a result computed from inputs the engine cannot trust carries a warning in the
 * result, the UI and the export"). Symptom: the engine warned about an empty FLAIR, but the NIfTI
 * export's sidecar and the export result said nothing — a reader of the exported mask could not
 * know. Contract pinned: the export's provenance (result DTO and sidecar `Provenance.Warnings`)
 * repeats the engine's warnings, for a job and for a review session made from it. Also pinned
 * here: "UIDs and paths removable by a setting" for NIfTI sidecars (`anonymiseProvenance`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataPath, describeData, repoRoot } from '../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../fixtures/tinyModel.ts';
import { createApiService, type ApiService } from '../../src-main/api/service.ts';
import { readNifti } from '../../src-main/core/io/nifti/readNifti.ts';
import { writeNifti } from '../../src-main/core/io/nifti/writeNifti.ts';

const CASE = 'Brats18_2013_20_1';
const describeTiny = canMakeTinyModel() ? describeData : describeData.skip;

describeTiny('issue 12: engine warnings reach the export', () => {
  let dir: string;
  let api: ApiService;
  let jobId: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'metakd-i12-warn-'));
    const caseDir = path.join(dir, CASE);
    const src = dataPath('brats18', CASE);
    mkdirSync(caseDir);
    for (const s of ['t1', 't1ce', 't2'])
      symlinkSync(path.join(src, `${CASE}_${s}.nii.gz`), path.join(caseDir, `${CASE}_${s}.nii.gz`));
    const t1 = await readNifti(path.join(src, `${CASE}_t1.nii.gz`));
    await writeNifti(path.join(caseDir, `${CASE}_flair.nii.gz`), {
      geometry: t1.geometry,
      data: new Int16Array(t1.frames[0].length), // every voxel 0
    });
    api = createApiService({
      appVersion: 'test',
      dataDir: path.join(dir, 'data'),
      modelsDir: path.join(repoRoot, 'models'),
    });
    const imported = await api.invoke('importStudy', { path: caseDir });
    ({ jobId } = await api.invoke('startSegmentation', {
      studyId: imported.studies[0].id,
      modelDir: tinyModelDir(),
    }));
    await api.invoke('awaitSegmentation', { jobId });
  }, 240_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('the job export carries the empty-FLAIR warning in its result and sidecar', async () => {
    const r = await api.invoke('exportNifti', { jobId, outDir: path.join(dir, 'job') });
    expect(r.provenance.warnings?.join(' ')).toMatch(/FLAIR.*empty|empty.*FLAIR/i);
    const sidecar = JSON.parse(readFileSync(r.sidecar!, 'utf8'));
    expect(JSON.stringify(sidecar.Provenance.Warnings)).toMatch(/empty/i);
  });

  it('--anonymise-provenance (or the setting) leaves no path, folder name or UID in the sidecar', async () => {
    const plain = await api.invoke('exportNifti', { jobId, outDir: path.join(dir, 'plain') });
    const plainText = readFileSync(plain.sidecar!, 'utf8');
    expect(plainText).toContain(CASE); // study-relative id by default: the folder name stays
    expect(plainText).not.toContain(dir); // but never the absolute path
    const anon = await api.invoke('exportNifti', {
      jobId,
      outDir: path.join(dir, 'anon'),
      anonymiseProvenance: true,
    });
    const text = readFileSync(anon.sidecar!, 'utf8');
    expect(text).not.toContain(CASE);
    expect(text).not.toContain(dir);
    expect(JSON.parse(text).Provenance.SourceSeries.id).toBe('(removed)');
    // The same by default once settings.json asks for it.
    writeFileSync(
      path.join(dir, 'data', 'settings.json'),
      JSON.stringify({ export: { anonymiseProvenance: true } }),
    );
    const bySetting = await api.invoke('exportNifti', { jobId, outDir: path.join(dir, 'set') });
    expect(readFileSync(bySetting.sidecar!, 'utf8')).not.toContain(CASE);
    rmSync(path.join(dir, 'data', 'settings.json'));
  });

  it('so does the export of a review session made from it', async () => {
    const s = await api.invoke('createSession', { jobId, reader: 'ann' });
    const r = await api.invoke('exportNifti', {
      sessionId: s.id,
      outDir: path.join(dir, 'session'),
    });
    expect(r.provenance.warnings?.join(' ')).toMatch(/empty/i);
  });
});
