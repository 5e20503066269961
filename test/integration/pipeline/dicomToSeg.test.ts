/**
 * The whole pipeline through the api, as the app and `metakd export` run it: the four-series DICOM
 * study generated from a BraTS case is imported, segmented with the shipped model, and the
 * engine's labelmap exported as DICOM SEG (and NIfTI). The SEG read back with readSeg equals the
 * engine's labelmap voxel for voxel, dciodvfy reports no errors, and the provenance (AUTOMATIC,
 * model name and version, sha, provider, sequences) is in the SEG and the NIfTI sidecar. A review
 * session's edit turns the export SEMIAUTOMATIC with the reader as editor.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataPath, describeData } from '../../helpers/data.ts';
import { writeMrStudyFromBratsCase } from '../../../src-main/core/io/dicom/writeMrStudy.ts';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../../src-main/api/service.ts';
import type { SegmentationResultDto } from '../../../src-main/api/contract/inference.ts';
import { readSeg } from '../../../src-main/core/export/seg/readSeg.ts';
import { readSourceSeries } from '../../../src-main/core/export/seg/sourceSeries.ts';
import { readDicomFile } from '../../../src-main/core/export/seg/dcmjsSeg.ts';
import { readNifti } from '../../../src-main/core/io/nifti/index.ts';
import { findVulkanLoader } from '../../../src-main/core/inference/providers.ts';
import { main } from '../../../src-main/cli/main.ts';

const CASE = 'Brats18_2013_20_1';
const hasDciodvfy = spawnSync('dciodvfy', [], { encoding: 'utf8' }).error === undefined;

let tmp: string;
let studyDir: string;
let api: ApiService;
let seriesFiles: Map<string, readonly string[]>;
let result: SegmentationResultDto;
let engineLabels: Uint8Array;

/** dciodvfy's error lines for a file. */
function dciodvfyErrors(file: string): string[] {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('Error'));
}

describeData('DICOM study → segment → SEG → read back (real model)', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'metakd-pipeline-'));
    const study = await writeMrStudyFromBratsCase(
      dataPath('brats18', CASE),
      path.join(tmp, 'study'),
    );
    studyDir = study.outDir;
    seriesFiles = new Map(study.series.map((s) => [s.SeriesInstanceUID, s.files]));
    api = createApiService({ ...defaultServiceOptions(), dataDir: path.join(tmp, 'data') });
    const imported = await api.invoke('importStudy', { path: study.outDir });
    expect(imported.studies).toHaveLength(1);
    const { jobId } = await api.invoke('startSegmentation', { studyId: imported.studies[0].id });
    result = await api.invoke('awaitSegmentation', { jobId });
    const lm = await api.invoke('getLabelmap', { jobId });
    engineLabels = new Uint8Array(Buffer.from(lm.data, 'base64'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('ran the model on all four generated series, saying why WebGPU was or was not used', () => {
    expect(result.usedSequences).toEqual(['flair', 't1', 't1ce', 't2']);
    expect(result.volumesMl.wt).toBeGreaterThan(0);
    const webgpu = result.providerAttempts.find((a) => a.provider === 'webgpu');
    if (!findVulkanLoader()) expect(webgpu?.reason).toMatch(/^no Vulkan loader found/);
  });

  it('exports a SEG that reads back to the engine labelmap voxel for voxel, with provenance', async () => {
    const r = await api.invoke('exportSeg', {
      jobId: result.jobId,
      outDir: path.join(tmp, 'out'),
    });
    expect(r.labelSource).toBe('job');
    expect(r.algorithmType).toBe('AUTOMATIC');
    expect(r.sourceSeriesId).toBe(result.referenceSeriesId);
    const files = seriesFiles.get(String(r.ReferencedSeriesInstanceUID));
    expect(files).toBeDefined();
    const back = readSeg(r.file, { reference: readSourceSeries(files ?? []) });
    expect(back.bratsLabels).toBe(true);
    expect(back.labelmap.geometry.dims).toEqual(result.inputs[result.referenceSlot]?.dims);
    expect(back.labelmap.data.length).toBe(engineLabels.length);
    let differing = 0;
    for (let i = 0; i < engineLabels.length; i++)
      if (back.labelmap.data[i] !== engineLabels[i]) differing++;
    expect(differing).toBe(0);
    expect(back.segments.map((s) => s.voxels)).toEqual(
      [1, 2, 4].map((v) => engineLabels.filter((x) => x === v).length).filter((n) => n > 0),
    );
    const modelName = `MetaKD ${result.model.name} ${result.model.version}`;
    for (const s of back.segments) {
      expect(s.SegmentAlgorithmType).toBe('AUTOMATIC');
      expect(s.SegmentAlgorithmName).toBe(modelName);
    }
    const ds = readDicomFile(r.file, { headerOnly: true }).dataset;
    const versions = [ds.SoftwareVersions].flat().map(String);
    expect(versions).toContain(
      `${result.model.name} ${result.model.version} sha256 ${result.model.sha256.decoder.slice(0, 12)}`,
    );
    expect(versions).toContain(`onnxruntime provider ${result.provider}`);
    expect(String(ds.ContentDescription)).toContain(result.usedSequences.join('+'));
  });

  (hasDciodvfy ? it : it.skip)('dciodvfy reports no errors on the exported SEG', async () => {
    const r = await api.invoke('exportSeg', { jobId: result.jobId, outDir: path.join(tmp, 'v') });
    expect(dciodvfyErrors(r.file)).toEqual([]);
  });

  it('exports NIfTI with the provenance sidecar; on the reference grid it equals the engine labelmap', async () => {
    const r = await api.invoke('exportNifti', {
      jobId: result.jobId,
      outDir: path.join(tmp, 'nii'),
    });
    const mask = (await readNifti(r.file)).frames[0];
    expect(mask.length).toBe(engineLabels.length);
    let differing = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] !== engineLabels[i]) differing++;
    expect(differing).toBe(0);
    const side = JSON.parse(readFileSync(r.sidecar ?? '', 'utf8')) as {
      Provenance: Record<string, unknown>;
    };
    expect(side.Provenance).toMatchObject({
      Algorithm: 'MetaKD',
      AlgorithmType: 'AUTOMATIC',
      ModelName: result.model.name,
      ModelVersion: result.model.version,
      ModelSha256: result.model.sha256.decoder,
      ModelGraphsSha256: result.model.sha256,
      Provider: result.provider,
      SequencesUsed: result.usedSequences,
      EditedByHuman: false,
    });
  });

  it('a review session edit makes the export SEMIAUTOMATIC with the reader as editor', async () => {
    const session = await api.invoke('createSession', { jobId: result.jobId, reader: 'Dr Grey' });
    const [nx, ny] = session.geometry.dims;
    const seed = engineLabels.findIndex((v) => v === 2);
    expect(seed).toBeGreaterThanOrEqual(0);
    const seedIjk: [number, number, number] = [
      seed % nx,
      Math.floor(seed / nx) % ny,
      Math.floor(seed / (nx * ny)),
    ];
    await api.invoke('editSession', {
      sessionId: session.id,
      reader: 'Dr Grey',
      edit: { kind: 'relabelComponent', seedIjk, toLabel: 1 },
    });
    const edited = await api.invoke('getSessionLabelmap', { sessionId: session.id });
    const r = await api.invoke('exportSeg', {
      sessionId: session.id,
      outDir: path.join(tmp, 'session'),
    });
    expect(r.labelSource).toBe('session');
    expect(r.algorithmType).toBe('SEMIAUTOMATIC');
    expect(r.provenance.editedBy).toBe('Dr Grey');
    const files = seriesFiles.get(String(r.ReferencedSeriesInstanceUID)) ?? [];
    const back = readSeg(r.file, { reference: readSourceSeries(files) });
    expect(Buffer.from(back.labelmap.data).equals(Buffer.from(edited.data))).toBe(true);
    expect(back.segments.every((s) => s.SegmentAlgorithmType === 'SEMIAUTOMATIC')).toBe(true);
    const ds = readDicomFile(r.file, { headerOnly: true }).dataset;
    expect(JSON.stringify(ds.ContentCreatorName)).toMatch(/Dr Grey/);
  });

  it('`metakd export <dicom-study> --format seg` segments and exports in one go', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await main(
      ['export', studyDir, '--format', 'seg', '--out', path.join(tmp, 'cli'), '--json'],
      { stdout, stderr },
      api,
    );
    expect(err).toMatch(/segmented with metakd-brats/);
    expect(code).toBe(0);
    const r = JSON.parse(out) as { file: string; labelSource: string; algorithmType: string };
    expect(r).toMatchObject({ labelSource: 'job', algorithmType: 'AUTOMATIC' });
    const back = readSeg(r.file, {
      reference: readSourceSeries(seriesFiles.get(String(readRef(r.file))) ?? []),
    });
    // The same model on the same input: the same labelmap as the api run above.
    expect(Buffer.from(back.labelmap.data).equals(Buffer.from(engineLabels))).toBe(true);
  });
});

/** SeriesInstanceUID a SEG references. */
function readRef(file: string): unknown {
  const ds = readDicomFile(file, { headerOnly: true }).dataset;
  return (ds.ReferencedSeriesSequence as { SeriesInstanceUID?: unknown }[])[0]?.SeriesInstanceUID;
}
