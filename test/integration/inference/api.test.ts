/**
 * The inference api through the service (as IPC/HTTP/CLI call it): import → startSegmentation →
 * progress / finished events → result, labelmap, model info; cancelJob; unknown job; a sequence
 * that is not there.
 */
import { beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { describeData, dataPath } from '../../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../../fixtures/tinyModel.ts';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../../src-main/api/service.ts';
import type { ApiEvent } from '../../../src-main/api/contract.ts';

(canMakeTinyModel() ? describeData : describeData.skip)('inference api (tiny model)', () => {
  let api: ApiService;
  let studyId: string;
  let modelDir: string;
  beforeAll(async () => {
    modelDir = tinyModelDir();
    api = createApiService({
      ...defaultServiceOptions(),
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'metakd-api-')),
    });
    const r = await api.invoke('importStudy', { path: dataPath('brats18', 'Brats18_CBICA_AQQ_1') });
    studyId = r.studies[0].id;
  });

  it('runs a job with events and serves result, labelmap and model info', async () => {
    const events: ApiEvent[] = [];
    const { jobId } = await api.invoke(
      'startSegmentation',
      { studyId, provider: 'cpu', sequences: ['t1ce', 't2'], modelDir },
      { emit: (e) => events.push(e) },
    );
    const result = await api.invoke('awaitSegmentation', { jobId });
    expect(result.usedSequences).toEqual(['t1ce', 't2']);
    expect(result.referenceSeriesId).toBe(result.inputs.t1ce?.seriesId);
    expect(events.some((e) => e.type === 'job.progress' && e.stage === 'inference')).toBe(true);
    expect(events[events.length - 1]).toEqual({ type: 'job.finished', jobId, status: 'done' });
    const status = await api.invoke('getSegmentation', { jobId });
    expect(status.status).toBe('done');
    const lm = await api.invoke('getLabelmap', { jobId });
    const labels = Buffer.from(lm.data, 'base64');
    expect(labels.length).toBe(lm.geometry.dims[0] * lm.geometry.dims[1] * lm.geometry.dims[2]);
    const info = await api.invoke('getModelInfo', { modelDir });
    expect(info.evaluation.rows).toHaveLength(15);
    expect(info.sha256.decoder).toBe(result.model.sha256.decoder);
  });

  it('cancels a running job cleanly', async () => {
    const events: ApiEvent[] = [];
    let jobId = '';
    const started = new Promise<void>((resolve) => {
      void api
        .invoke(
          'startSegmentation',
          { studyId, provider: 'cpu', modelDir },
          {
            emit: (e) => {
              events.push(e);
              if (e.type === 'job.progress' && e.stage === 'inference' && e.done === 1) resolve();
            },
          },
        )
        .then((r) => (jobId = r.jobId));
    });
    await started;
    expect(await api.invoke('cancelJob', { jobId })).toEqual({ cancelled: true });
    await expect(api.invoke('awaitSegmentation', { jobId })).rejects.toMatchObject({
      dto: { code: 'CANCELLED' },
    });
    expect((await api.invoke('getSegmentation', { jobId })).status).toBe('cancelled');
    expect(events[events.length - 1]).toMatchObject({ type: 'job.finished', status: 'cancelled' });
  });

  it('reports a missing model as the job error, and an unknown job as NOT_FOUND', async () => {
    await expect(api.invoke('getSegmentation', { jobId: 'nope' })).rejects.toMatchObject({
      dto: { code: 'NOT_FOUND' },
    });
    const { jobId } = await api.invoke('startSegmentation', {
      studyId,
      sequences: ['flair'],
      modelDir: '/nonexistent',
    });
    await expect(api.invoke('awaitSegmentation', { jobId })).rejects.toMatchObject({
      dto: { code: 'MODEL_INVALID' },
    });
    expect((await api.invoke('getSegmentation', { jobId })).error?.message).toMatch(
      /manifest not found/,
    );
  });
});
