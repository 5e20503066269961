/**
 * Exports without re-segmenting (issue 11): `metakd export --session <id>` writes a stored review
 * session as the reader left it, and the api's export of a finished job writes the job's labelmap.
 * Neither may run the model again. That is pinned without mocks by taking the model away: the job
 * is segmented with a copy of the shipped model that is deleted before its export, and the session
 * is exported by a fresh service (as a new CLI process would be) whose model folder is empty — a
 * model run would fail in both. The fresh service also sees only `exportSeg`/`exportNifti` calls,
 * and no job progress is emitted. The four-series DICOM study is generated from a BraTS case.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../src-main/api/service.ts';
import type { ApiEvent } from '../../src-main/api/contract.ts';
import type { ExportResultDto } from '../../src-main/api/contract/export.ts';
import {
  writeMrStudyFromBratsCase,
  type WrittenMrStudy,
} from '../../src-main/core/io/dicom/writeMrStudy.ts';
import { readDicomFile } from '../../src-main/core/export/seg/dcmjsSeg.ts';
import { dataPath, describeData, repoRoot } from '../helpers/data.ts';
import { runCli } from '../helpers/cliRunner.ts';

const CASE = 'Brats18_2013_20_1';
const READER = 'Dr Export';

/** An api service that records which methods were called (observation only). */
function recording(api: ApiService, calls: string[]): ApiService {
  return {
    has: (n) => api.has(n),
    invoke: (name, params, ctx) => {
      calls.push(name);
      return api.invoke(name, params, ctx);
    },
  };
}

describeData('export without re-segmenting', () => {
  let tmp: string;
  let home: string;
  let modelCopy: string;
  let study: WrittenMrStudy;
  let api: ApiService;
  let jobId: string;
  let sessionId: string;
  const savedModelEnv = process.env.METAKD_MODEL;

  beforeAll(async () => {
    delete process.env.METAKD_MODEL;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-export-session-'));
    home = path.join(tmp, 'data');
    modelCopy = path.join(tmp, 'model');
    await cp(path.join(repoRoot, 'models', 'metakd-brats'), modelCopy, { recursive: true });
    study = await writeMrStudyFromBratsCase(dataPath('brats18', CASE), path.join(tmp, 'study'));
    api = createApiService({ ...defaultServiceOptions(), dataDir: home });
    const imported = await api.invoke('importStudy', { path: study.outDir });
    ({ jobId } = await api.invoke('startSegmentation', {
      studyId: imported.studies[0].id,
      provider: 'cpu',
      modelDir: modelCopy,
    }));
    await api.invoke('awaitSegmentation', { jobId });
  }, 180_000);

  afterAll(async () => {
    if (savedModelEnv === undefined) delete process.env.METAKD_MODEL;
    else process.env.METAKD_MODEL = savedModelEnv;
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('exports a finished job from its labelmap: the model is gone and no job runs', async () => {
    await rm(modelCopy, { recursive: true, force: true });
    const lm = await api.invoke('getLabelmap', { jobId });
    const labels = Buffer.from(lm.data, 'base64');
    const count = (v: number) => labels.reduce((n, x) => n + (x === v ? 1 : 0), 0);
    const events: ApiEvent[] = [];
    const t0 = performance.now();
    const r = await api.invoke(
      'exportNifti',
      { jobId, outDir: path.join(tmp, 'job-export') },
      { emit: (e) => events.push(e) },
    );
    const ms = performance.now() - t0;
    expect(events).toEqual([]);
    expect(r).toMatchObject({ labelSource: 'job', algorithmType: 'AUTOMATIC' });
    expect(r.provenance.editedByHuman).toBe(false);
    // The reference series' grid is the labelmap's: the counts are the job's, voxel for voxel.
    expect(r.voxels).toEqual({ NCR: count(1), ED: count(2), ET: count(4) });
    expect(count(1) + count(2) + count(4)).toBeGreaterThan(0);
    console.info(`export of a finished job (NIfTI, no model): ${ms.toFixed(0)} ms`);
  });

  it('`metakd export --session` writes the edited, signed-off session as SEMIAUTOMATIC', async () => {
    const session = await api.invoke('createSession', { jobId, reader: READER });
    sessionId = session.id;
    const [nx, ny, nz] = session.geometry.dims;
    const centre: [number, number, number] = [nx >> 1, ny >> 1, nz >> 1];
    const edited = await api.invoke('editSession', {
      sessionId,
      reader: READER,
      edit: { kind: 'paintSphere', centerIjk: centre, radiusMm: 4, label: 2, plane: null },
    });
    // What the reader saw: the sign-off check of issue 11.
    const seen = { updatedAt: edited.updatedAt, inputSeries: edited.result?.inputSeries ?? null };
    const signed = await api.invoke('signOffSession', { sessionId, reader: READER, seen });
    const lm = await api.invoke('getSessionLabelmap', { sessionId });
    const labels = new Uint8Array(lm.data);
    const ed = labels.reduce((n, x) => n + (x === 2 ? 1 : 0), 0);
    expect(signed.signOff?.reader).toBe(READER);

    // A fresh service, as a new `metakd` process: no study imported, no job, no model at all.
    const emptyModels = path.join(tmp, 'no-models');
    await mkdir(emptyModels);
    const calls: string[] = [];
    const fresh = recording(
      createApiService({ ...defaultServiceOptions(), dataDir: home, modelsDir: emptyModels }),
      calls,
    );
    const out = path.join(tmp, 'session-export');
    const t0 = performance.now();
    const seg = await runCli(
      ['export', '--session', sessionId, '--format', 'seg', '--out', out, '--json'],
      { api: fresh },
    );
    const ms = performance.now() - t0;
    expect(seg.stderr).toBe('');
    expect(seg.code).toBe(0);
    const r = JSON.parse(seg.stdout) as ExportResultDto;
    expect(r).toMatchObject({ labelSource: 'session', algorithmType: 'SEMIAUTOMATIC' });
    expect(r.provenance).toMatchObject({ editedByHuman: true, editedBy: READER });
    expect(r.voxels.ED).toBe(ed);
    const ds = readDicomFile(r.file).dataset as {
      ContentCreatorName?: unknown;
      SegmentSequence?: { SegmentAlgorithmType?: string; SegmentLabel?: string }[];
      StudyInstanceUID?: string;
    };
    expect(ds.StudyInstanceUID).toBe(study.StudyInstanceUID);
    expect(String(ds.ContentCreatorName)).toContain('Dr Export');
    const types = new Set((ds.SegmentSequence ?? []).map((s) => s.SegmentAlgorithmType));
    expect([...types]).toEqual(['SEMIAUTOMATIC']);
    console.info(
      `metakd export --session (SEG, fresh service, study re-imported): ${ms.toFixed(0)} ms`,
    );

    const nifti = await runCli(
      ['export', '--session', sessionId, '--format', 'nifti', '--out', out],
      { api: fresh },
    );
    expect(nifti.code).toBe(0);
    expect(nifti.stdout).toContain(`review session: edited by ${READER}`);
    expect(nifti.stdout).toContain('SEMIAUTOMATIC');
    const sidecarFile = /wrote (.+\.json)\n/.exec(nifti.stdout)?.[1];
    const sidecar = JSON.parse(await readFile(sidecarFile ?? '', 'utf8')) as {
      Provenance: { EditedByHuman: boolean; EditedBy: string };
    };
    expect(sidecar.Provenance).toMatchObject({ EditedByHuman: true, EditedBy: READER });
    expect(calls).toEqual(['exportSeg', 'exportNifti']);
  });

  it('refuses --session with a case or a segmenting option, and names an unknown session', async () => {
    const withCase = await runCli(
      ['export', study.outDir, '--session', sessionId, '--format', 'seg'],
      { api },
    );
    expect(withCase.code).not.toBe(0);
    expect(withCase.stderr).toContain('--session takes no <case>');
    const withProvider = await runCli(
      ['export', '--session', sessionId, '--format', 'seg', '--provider', 'cpu'],
      { api },
    );
    expect(withProvider.code).not.toBe(0);
    expect(withProvider.stderr).toContain('--provider does not go with --session');
    const unknown = await runCli(
      ['export', '--session', '00000000-0000-4000-8000-000000000000', '--format', 'seg'],
      { api },
    );
    expect(unknown.code).toBe(3);
  });
});
