/**
 * The long-lived segmentation worker with the tiny model on a real BraTS case: one worker reused
 * across jobs with its sessions cached, a volume that is a view on a larger buffer, cancel then
 * reuse, crash then recover with a fresh worker; and auto mode falling back to CPU when a GPU
 * runner fails mid-run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeData, dataPath } from '../../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../../fixtures/tinyModel.ts';
import { readBratsCase } from '../../fixtures/bratsCase.ts';
import { SegmentationWorker } from '../../../src-main/core/inference/segmentInWorker.ts';
import { segmentStudy } from '../../../src-main/core/inference/segmentStudy.ts';
import {
  createModelRunner,
  type ModelRunner,
} from '../../../src-main/core/inference/modelRunner.ts';
import {
  cachingRunnerSource,
  type RunnerFactory,
} from '../../../src-main/core/inference/runnerCache.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const CASE = 'brats18/Brats18_2013_20_1';
const CRASHING_ENTRY = new URL('./crashingWorker.mjs', import.meta.url);
const describeModel = canMakeTinyModel() ? describeData : describeData.skip;

/** The same voxels as a view at a non-zero byteOffset of a larger buffer (as NIfTI frames are). */
function asView(v: Volume): Volume {
  const Ctor = v.data.constructor as Float32ArrayConstructor;
  const pad = 7;
  const big = new Ctor(v.data.length + 2 * pad);
  big.set(v.data as Float32Array, pad);
  return { geometry: v.geometry, data: big.subarray(pad, pad + v.data.length) };
}

const same = (a: Volume, b: Volume) =>
  Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
    Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
  );

describeModel('segmentation worker (tiny model, ' + CASE + ')', () => {
  let model: string;
  let vols: Record<ModelSlot, Volume>;
  let worker: SegmentationWorker;
  let reference: Volume;
  beforeAll(async () => {
    model = tinyModelDir();
    vols = await readBratsCase(dataPath(CASE));
    worker = new SegmentationWorker();
    reference = (await segmentStudy({ model, volumes: { flair: vols.flair }, provider: 'cpu' }))
      .labelmap;
  });
  afterAll(() => worker.close());

  it('reuses one worker and its sessions across jobs; a view volume gives the same labelmap', async () => {
    const first = await worker.run({ model, volumes: { flair: vols.flair }, provider: 'cpu' });
    const second = await worker.run({
      model,
      volumes: { flair: asView(vols.flair) },
      provider: 'cpu',
    });
    expect(worker.started).toBe(1);
    expect(same(first.labelmap, reference)).toBe(true);
    expect(same(second.labelmap, reference)).toBe(true);
    // Sessions and the provider self-test happen once: the second job reuses them.
    expect(second.providerAttempts).toEqual(first.providerAttempts);
    expect(second.timings.sessionMs).toBeLessThan(first.timings.sessionMs);
    // The caller's volume is intact (copied for the worker, not transferred away).
    expect(vols.flair.data.length).toBe(240 * 240 * 155);
  });

  it('input checks surveyed on the calling thread give the same warnings as in one thread', async () => {
    // Not skull-stripped (every voxel non-zero) and constant: both kinds of survey-based warning.
    const unstripped: Volume = {
      geometry: vols.flair.geometry,
      data: Float32Array.from(vols.flair.data, (v) => v + 1),
    };
    const constant: Volume = {
      geometry: vols.t1.geometry,
      data: new Float32Array(vols.t1.data.length).fill(0).fill(5, 0, 1_000_000),
    };
    const volumes = { flair: unstripped, t1: constant };
    const inWorker = await worker.run({ model, volumes, provider: 'cpu' });
    const inProcess = await segmentStudy({ model, volumes, provider: 'cpu' });
    expect(inWorker.warnings).toEqual(inProcess.warnings);
    // Surveys that never come (a lost message): the checks run in the job after a short wait.
    const lost = await segmentStudy({
      model,
      volumes,
      provider: 'cpu',
      inputSurveys: new Promise(() => undefined),
    });
    expect(lost.warnings).toEqual(inProcess.warnings);
    expect(inWorker.warnings.some((w) => /does not look skull-stripped/.test(w))).toBe(true);
    expect(inWorker.warnings.some((w) => /constant intensity/.test(w))).toBe(true);
    expect(same(inWorker.labelmap, inProcess.labelmap)).toBe(true);
  });

  it('cancel stops within one tile and the same worker runs the next job', async () => {
    const ac = new AbortController();
    let tilesAfterCancel = -1;
    const e = await worker
      .run(
        { model, volumes: vols, provider: 'cpu' },
        {
          signal: ac.signal,
          onProgress: (stage, done) => {
            if (stage !== 'inference') return;
            if (done === 2) ac.abort();
            if (ac.signal.aborted) tilesAfterCancel++;
          },
        },
      )
      .catch((x: unknown) => x);
    expect(isMetaKdError(e, 'CANCELLED')).toBe(true);
    expect(tilesAfterCancel).toBeLessThanOrEqual(1);
    const after = await worker.run({ model, volumes: { flair: vols.flair }, provider: 'cpu' });
    expect(same(after.labelmap, reference)).toBe(true);
    expect(worker.started).toBe(1);
  });

  it('a job queued behind another and cancelled before it starts never runs', async () => {
    const ac = new AbortController();
    const running = worker.run({ model, volumes: { flair: vols.flair }, provider: 'cpu' });
    const queued = worker.run(
      { model, volumes: { flair: vols.flair }, provider: 'cpu' },
      { signal: ac.signal },
    );
    ac.abort();
    expect(isMetaKdError(await queued.catch((x: unknown) => x), 'CANCELLED')).toBe(true);
    expect(same((await running).labelmap, reference)).toBe(true);
  });

  it('a crash fails the job clearly and the next job gets a fresh worker', async () => {
    const w = new SegmentationWorker(CRASHING_ENTRY);
    try {
      process.env.METAKD_TEST_WORKER_CRASH = '1';
      const e = await w
        .run({ model, volumes: { flair: vols.flair }, provider: 'cpu' })
        .catch((x: unknown) => x);
      delete process.env.METAKD_TEST_WORKER_CRASH;
      expect(isMetaKdError(e, 'INTERNAL')).toBe(true);
      expect((e as Error).message).toMatch(/segmentation worker crashed: simulated native failure/);
      const next = await w.run({ model, volumes: { flair: vols.flair }, provider: 'cpu' });
      expect(w.started).toBe(2);
      expect(same(next.labelmap, reference)).toBe(true);
    } finally {
      delete process.env.METAKD_TEST_WORKER_CRASH;
      await w.close();
    }
  });

  it('auto mode: a GPU runner failing mid-run is dropped and the job re-runs on CPU', async () => {
    let gpuReleased = 0;
    const factory: RunnerFactory = async (m, options) => {
      const cpu = await createModelRunner(m, { ...options, provider: 'cpu' });
      if (options.provider === 'cpu') return cpu;
      let calls = 0;
      // Stands in for a GPU provider that passed its self-test, then loses its device.
      return {
        provider: 'webgpu',
        attempts: [{ provider: 'webgpu', ok: true, reason: 'self-test passed', ms: 1 }],
        encode: (...a) => cpu.encode(...a),
        decode: async (...a) => {
          if (++calls === 3) throw new Error('device lost\nnative stack');
          return cpu.decode(...a);
        },
        release: async () => {
          gpuReleased++;
          await cpu.release();
        },
      } satisfies ModelRunner;
    };
    const runners = cachingRunnerSource(factory);
    try {
      const r = await segmentStudy({ model, volumes: { flair: vols.flair }, runners });
      expect(r.provider).toBe('cpu');
      expect(r.warnings).toContain(
        'webgpu provider failed during inference (device lost); re-ran on CPU.',
      );
      expect(same(r.labelmap, reference)).toBe(true);
      expect(gpuReleased).toBe(1);
      expect(runners.size).toBe(1); // only the CPU runner stays cached
    } finally {
      await runners.clear();
    }
  });
});
