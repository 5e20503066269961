/**
 * A research project end to end through the api, with the shipped model on real BraTS cases:
 * create from a folder → background model run (a broken case fails on its own) → two readers
 * annotate one case (one edits, both sign off) → agreement → STAPLE consensus recorded in the
 * audit → export (BraTS naming) re-imports with identical voxels, and a second export resumes →
 * a blinded project starts readers from an empty mask.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataPath, describeData, repoRoot } from '../../helpers/data.ts';
import { createApiService, type ApiService } from '../../../src-main/api/service.ts';
import { readNifti } from '../../../src-main/core/io/nifti/readNifti.ts';
import { signOffAsSeen } from './signOff.ts';

const CASE = 'Brats18_2013_20_1';
let dir: string;
let api: ApiService;

function linkCase(src: string, dst: string, keep: (f: string) => boolean = () => true): void {
  mkdirSync(dst, { recursive: true });
  for (const f of readdirSync(src))
    if (!f.endsWith('_seg.nii.gz') && keep(f)) symlinkSync(path.join(src, f), path.join(dst, f));
}

const signOff = (sessionId: string, reader: string) => signOffAsSeen(api, sessionId, reader);

async function runModel(projectId: string): Promise<void> {
  await api.invoke('runProjectModel', { projectId });
  const t0 = Date.now();
  while ((await api.invoke('projectRunStatus', { projectId })).running) {
    if (Date.now() - t0 > 180_000) throw new Error('project model run did not finish');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeData('annotation project through the api', () => {
  let projectId: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'metakd-project-'));
    const cases = path.join(dir, 'cases');
    linkCase(dataPath('brats18', CASE), path.join(cases, CASE));
    // Only FLAIR and T1ce: the worklist shows T1 and T2 missing.
    linkCase(dataPath('brats18', 'Brats18_CBICA_AQQ_1'), path.join(cases, 'two_sequences'), (f) =>
      /_(flair|t1ce)\.nii\.gz$/.test(f),
    );
    mkdirSync(path.join(cases, 'empty_case'));
    api = createApiService({
      appVersion: 'test',
      dataDir: path.join(dir, 'data'),
      modelsDir: path.join(repoRoot, 'models'),
    });
    const p = await api.invoke('createProject', {
      folder: cases,
      name: 'reader study',
      readers: ['ann', 'bob'],
    });
    projectId = p.id;
  }, 60_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('runs the model over every case in the background; a broken case fails alone', async () => {
    await runModel(projectId);
    const w = await api.invoke('getWorklist', { projectId });
    const row = (id: string) => w.rows.find((r) => r.caseId === id)!;
    expect(row(CASE)).toMatchObject({ model: 'done', missing: [] });
    expect(row('two_sequences')).toMatchObject({ model: 'done', missing: ['t1', 't2'] });
    expect(row('empty_case').model).toBe('failed');
    expect(row('empty_case').modelError).toMatch(/EMPTY_FOLDER|NO_IMAGES/);
    expect(w.progress).toMatchObject({ cases: 3, modelDone: 2, modelFailed: 1, signedOff: 0 });
    // Nothing left to run: a second run starts nothing.
    expect((await api.invoke('runProjectModel', { projectId })).running).toBe(false);
  }, 200_000);

  it('two readers annotate, agreement and a STAPLE consensus are recorded', async () => {
    const ann = await api.invoke('startAnnotation', { projectId, caseId: CASE, reader: 'ann' });
    expect(ann).toMatchObject({ origin: 'model', created: true });
    expect(ann.session.volumesMl.wt).toBeGreaterThan(1);
    // ann erases the tumour core's component at its first voxel of label 1 or 4.
    const lm = await api.invoke('getSessionLabelmap', { sessionId: ann.session.id });
    const labels = new Uint8Array(lm.data);
    const x = labels.findIndex((v) => v === 2);
    const [di, dj] = lm.geometry.dims;
    const seed = [x % di, Math.floor(x / di) % dj, Math.floor(x / (di * dj))] as const;
    const edited = await api.invoke('editSession', {
      sessionId: ann.session.id,
      reader: 'ann',
      edit: { kind: 'relabelComponent', seedIjk: seed, toLabel: 0 },
    });
    expect(edited.volumesMl.ed).toBeLessThan(ann.session.volumesMl.ed);
    await signOff(ann.session.id, 'ann');
    const bob = await api.invoke('startAnnotation', { projectId, caseId: CASE, reader: 'bob' });
    await signOff(bob.session.id, 'bob');
    // Starting again resumes the reader's own session.
    const again = await api.invoke('startAnnotation', { projectId, caseId: CASE, reader: 'bob' });
    expect(again).toMatchObject({ created: false });
    expect(again.session.id).toBe(bob.session.id);

    const [ag] = await api.invoke('projectAgreement', { projectId, caseId: CASE });
    const pair = (a: string, b: string) => ag.pairs.find((p) => p.a === a && p.b === b)!;
    expect(pair('bob', 'model').dice).toEqual({ et: 1, tc: 1, wt: 1 });
    expect(pair('ann', 'bob').dice.wt).toBeLessThan(1);
    expect(pair('ann', 'bob').volumeDiffMl.wt).toBeLessThan(0);
    const w = await api.invoke('getWorklist', { projectId });
    const row = w.rows.find((r) => r.caseId === CASE)!;
    expect(row.readers.map((r) => r.state)).toEqual(['signed-off', 'signed-off']);
    expect(row.agreement?.pairs).toHaveLength(3);

    const cons = await api.invoke('startConsensus', {
      projectId,
      caseId: CASE,
      reader: 'adjudicator',
      method: 'staple',
    });
    expect(cons.origin).toBe('consensus');
    expect(cons.session.audit[0].detail).toMatch(/STAPLE of ann, bob/);
  }, 120_000);

  it('exports signed-off annotations in BraTS naming that re-import voxel for voxel', async () => {
    const out = path.join(dir, 'export');
    const r = await api.invoke('exportProject', { projectId, outDir: out });
    expect(r.annotations.map((a) => `${a.reader}/${a.caseId}`).sort()).toEqual([
      `ann/${CASE}`,
      `bob/${CASE}`,
    ]);
    expect(r.notSignedOff).toBe(1); // the adjudicator's consensus is not signed off
    for (const a of r.annotations) {
      expect(path.basename(a.file!)).toBe(`${CASE}_seg.nii.gz`);
      const sessionId = (await api.invoke('getWorklist', { projectId })).rows
        .find((x) => x.caseId === CASE)!
        .readers.find((c) => c.reader === a.reader)!.sessionId!;
      const lm = await api.invoke('getSessionLabelmap', { sessionId });
      const f = (await readNifti(a.file!)).frames[0];
      const back = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
      expect(back.equals(new Uint8Array(lm.data))).toBe(true);
    }
    const tsv = readFileSync(r.tsv, 'utf8').trim().split('\n');
    expect(tsv).toHaveLength(3);
    expect(tsv[0]).toMatch(/^case\treader\tsigned_off_at\tncr_ml/);
    // An exported mask comes back as a reference annotation, voxel for voxel.
    const annFile = r.annotations.find((a) => a.reader === 'ann')!.file;
    const ref = await api.invoke('importAnnotation', {
      projectId,
      caseId: CASE,
      reader: 'reference',
      file: annFile,
    });
    expect(ref.origin).toBe('imported');
    const [ag] = await api.invoke('projectAgreement', { projectId, caseId: CASE });
    expect(ag.pairs.find((p) => p.a === 'ann' && p.b === 'reference')?.dice).toEqual({
      et: 1,
      tc: 1,
      wt: 1,
    });
    // A file that is not a BraTS labelmap is refused by name.
    await expect(
      api.invoke('importAnnotation', {
        projectId,
        caseId: CASE,
        reader: 'reference',
        file: dataPath('brats18', CASE, `${CASE}_flair.nii.gz`),
      }),
    ).rejects.toThrow(/a BraTS labelmap holds only 0, 1, 2 and 4/);
    // Resumed: nothing changed, nothing written again.
    const again = await api.invoke('exportProject', { projectId, outDir: out });
    expect(again.annotations.every((a) => !a.written)).toBe(true);
  }, 60_000);

  it('a blinded project starts readers from an empty mask', async () => {
    const folder = path.join(dir, 'blind');
    linkCase(dataPath('brats18', CASE), path.join(folder, CASE));
    const p = await api.invoke('createProject', {
      folder,
      readers: ['cat'],
      settings: { showModelMask: false, showContributions: false },
    });
    await expect(
      api.invoke('startAnnotation', { projectId: p.id, caseId: CASE, reader: 'cat' }),
    ).rejects.toThrow(/has not run on this case/);
    await runModel(p.id);
    const a = await api.invoke('startAnnotation', { projectId: p.id, caseId: CASE, reader: 'cat' });
    expect(a.origin).toBe('empty');
    expect(a.session.volumesMl.wt).toBe(0);
    expect(a.session.result?.contributions).toBeUndefined();
    await expect(
      api.invoke('startAnnotation', { projectId: p.id, caseId: CASE, reader: 'dan' }),
    ).rejects.toThrow(/not a reader/);
  }, 200_000);
});
