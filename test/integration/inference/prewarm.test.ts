/**
 * Issue 13 (fast start): the segmentation worker opens a model's sessions ahead of a job (the CLI
 * asks while the study imports). A job then reuses them instead of creating its own, and a job
 * that arrives while the warm-up is still running is not queued behind it and gives the same
 * labelmap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { describeData, dataPath, repoRoot } from '../../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../../fixtures/tinyModel.ts';
import { readBratsCase } from '../../fixtures/bratsCase.ts';
import { SegmentationWorker } from '../../../src-main/core/inference/segmentInWorker.ts';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../../src-main/api/service.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const CASE = 'brats18/Brats18_2013_20_1';
const describeModel = canMakeTinyModel() ? describeData : describeData.skip;

const bytes = (v: Volume) => Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength);

describeModel('segmentation worker warm-up (tiny model, ' + CASE + ')', () => {
  let model: string;
  let vols: Record<ModelSlot, Volume>;
  const workers: SegmentationWorker[] = [];
  const fresh = () => {
    const w = new SegmentationWorker();
    workers.push(w);
    return w;
  };
  beforeAll(async () => {
    model = tinyModelDir();
    vols = await readBratsCase(dataPath(CASE));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
  });

  it('a job after a warm-up reuses its sessions: no session time, same labelmap', async () => {
    const cold = await fresh().run({ model, volumes: { flair: vols.flair }, provider: 'cpu' });
    const w = fresh();
    await w.prewarm({ model, provider: 'cpu' });
    const warm = await w.run({ model, volumes: { flair: vols.flair }, provider: 'cpu' });
    expect(w.started).toBe(1);
    expect(bytes(warm.labelmap).equals(bytes(cold.labelmap))).toBe(true);
    expect(warm.providerAttempts.map((a) => [a.provider, a.ok])).toEqual(
      cold.providerAttempts.map((a) => [a.provider, a.ok]),
    );
    // The cold job opened sessions and self-tested (tens of ms at least); the warm one only
    // picked up the cached runner.
    expect(warm.timings.sessionMs).toBeLessThan(cold.timings.sessionMs);
  });

  it('a job sent during the warm-up runs at once and gives the same labelmap', async () => {
    const reference = await fresh().run({ model, volumes: { t2: vols.t2 }, provider: 'cpu' });
    const w = fresh();
    const warming = w.prewarm({ model, provider: 'cpu' });
    const job = await w.run({ model, volumes: { t2: vols.t2 }, provider: 'cpu' });
    await warming;
    expect(bytes(job.labelmap).equals(bytes(reference.labelmap))).toBe(true);
    expect(w.started).toBe(1);
  });

  it('a warm-up with a broken model settles quietly; the job reports the error', async () => {
    const w = fresh();
    await w.prewarm({ model: '/nonexistent-model', provider: 'cpu' });
    await expect(
      w.run({ model: '/nonexistent-model', volumes: { t2: vols.t2 }, provider: 'cpu' }),
    ).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});

describeModel('prewarmSegmentation (api, tiny model)', () => {
  let api: ApiService;
  beforeAll(() => {
    api = createApiService({
      ...defaultServiceOptions(),
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'metakd-prewarm-')),
    });
  });
  afterAll(() => api.close?.());

  it('starts the worker before the import; the segmentation then runs as usual', async () => {
    const modelDir = tinyModelDir();
    expect(await api.invoke('prewarmSegmentation', { provider: 'cpu', modelDir })).toEqual({
      started: true,
    });
    const r = await api.invoke('importStudy', { path: dataPath(CASE) });
    const { jobId } = await api.invoke('startSegmentation', {
      studyId: r.studies[0].id,
      provider: 'cpu',
      sequences: ['flair'],
      modelDir,
    });
    const result = await api.invoke('awaitSegmentation', { jobId });
    expect(result.provider).toBe('cpu');
    expect(result.usedSequences).toEqual(['flair']);
  });

  it('refuses an unknown provider', async () => {
    await expect(api.invoke('prewarmSegmentation', { provider: 'quantum' })).rejects.toMatchObject({
      dto: { code: 'INVALID_ARGUMENT' },
    });
  });
});

describe('an idle segmentation worker', () => {
  it('does not keep its process alive: a process that only prewarmed exits by itself', async () => {
    // Node refs a worker again when a 'message' listener is added after unref(): the worker was
    // unref'd before its listeners, so a process that only prewarmed never exited.
    const module = path.join(repoRoot, 'src-main', 'core', 'inference', 'segmentInWorker.ts');
    // A script file, not `-e`: under `-e` the worker's tsx bootstrap does not load, and a worker
    // that fails to start cannot show the bug. 'online' (no 'message' listener: that would ref the
    // worker again) proves the worker started.
    const script = path.join(mkdtempSync(path.join(os.tmpdir(), 'metakd-prewarm-')), 'only.mjs');
    writeFileSync(
      script,
      `import { SegmentationWorker } from ${JSON.stringify(pathToFileURL(module).href)};\n` +
        `const w = new SegmentationWorker();\n` +
        `await w.prewarm();\n` +
        // The timer holds the process until the worker is up; then only the worker could.
        `const hold = setTimeout(() => console.log('worker never came online'), 30000);\n` +
        `w.worker.once('online', () => { console.log('worker online'); clearTimeout(hold); });\n`,
    );
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal, `killed after ${Date.now() - started} ms: the worker held the process`).toBe(
      null,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('worker online');
  }, 90_000);
});
