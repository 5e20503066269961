/**
 * The runner cache the segmentation worker keeps between jobs (one runner per model files,
 * provider choice and threads; a runner that failed mid-run is dropped and freed), and the packing
 * of volumes for the worker (exact-size copies, also for views with a non-zero byteOffset).
 */
import { describe, expect, it } from 'vitest';
import {
  cachingRunnerSource,
  freshRunnerSource,
  runnerKey,
  type RunnerFactory,
} from '../../../src-main/core/inference/runnerCache.ts';
import { packRequest } from '../../../src-main/core/inference/segmentInWorker.ts';
import type { ModelRunner } from '../../../src-main/core/inference/modelRunner.ts';
import type { LoadedModel } from '../../../src-main/core/model/loadManifest.ts';
import type { Geometry } from '../../../src-main/core/volume/Geometry.ts';

function fakeModel(decoderSha: string): LoadedModel {
  return {
    manifestPath: '/m/manifest.json',
    encoderPath: '/m/encoder.onnx',
    decoderPath: '/m/decoder.onnx',
    manifest: {
      graphs: { encoder: { sha256: 'e' }, decoder: { sha256: decoderSha } },
    },
  } as unknown as LoadedModel;
}

/** A factory counting creations and releases (no onnxruntime needed for the cache logic). */
function countingFactory() {
  const log = { created: 0, released: 0 };
  const create: RunnerFactory = async (_model, options) => {
    log.created++;
    return {
      provider: options.provider === 'auto' ? 'cpu' : (options.provider ?? 'cpu'),
      attempts: [],
      encode: async () => [],
      decode: async () => new Float32Array(0),
      release: async () => {
        log.released++;
      },
    } satisfies ModelRunner;
  };
  return { log, create };
}

describe('runner sources', () => {
  it('the fresh source creates and frees a runner per job', async () => {
    const { log, create } = countingFactory();
    const src = freshRunnerSource(create);
    const r = await src.acquire(fakeModel('d'), { provider: 'cpu' });
    await src.release(r, false);
    await src.release(await src.acquire(fakeModel('d'), { provider: 'cpu' }), false);
    expect(log).toEqual({ created: 2, released: 2 });
  });

  it('the cache reuses a runner per (graphs, provider, threads) and drops a failed one', async () => {
    const { log, create } = countingFactory();
    const cache = cachingRunnerSource(create, 2);
    const a = await cache.acquire(fakeModel('d'), { provider: 'cpu' });
    await cache.release(a, false);
    const b = await cache.acquire(fakeModel('d'), { provider: 'cpu' });
    expect(b).toBe(a);
    expect(log).toEqual({ created: 1, released: 0 });
    // Another thread count or provider is another runner.
    const c = await cache.acquire(fakeModel('d'), { provider: 'cpu', threads: 1 });
    expect(c).not.toBe(a);
    expect(cache.size).toBe(2);
    // Failed mid-run: freed and not handed out again.
    await cache.release(a, true);
    expect(log.released).toBe(1);
    expect(cache.size).toBe(1);
    expect(await cache.acquire(fakeModel('d'), { provider: 'cpu' })).not.toBe(a);
    await cache.clear();
    expect(cache.size).toBe(0);
    expect(log).toEqual({ created: 3, released: 3 });
  });

  it('a re-exported model (new sha256) gets new sessions; the oldest entry is evicted', async () => {
    const { log, create } = countingFactory();
    const cache = cachingRunnerSource(create, 1);
    expect(runnerKey(fakeModel('v1'), {})).not.toBe(runnerKey(fakeModel('v2'), {}));
    const v1 = await cache.acquire(fakeModel('v1'), {});
    const v2 = await cache.acquire(fakeModel('v2'), {});
    expect(v2).not.toBe(v1);
    expect(log).toEqual({ created: 2, released: 1 });
    expect(cache.size).toBe(1);
  });

  it('a failed creation is not cached', async () => {
    let calls = 0;
    const cache = cachingRunnerSource(async () => {
      calls++;
      throw new Error('no provider');
    });
    await expect(cache.acquire(fakeModel('d'), {})).rejects.toThrow('no provider');
    await expect(cache.acquire(fakeModel('d'), {})).rejects.toThrow('no provider');
    expect(calls).toBe(2);
    expect(cache.size).toBe(0);
  });
});

describe('packRequest', () => {
  const geometry = { dims: [2, 2, 2] } as unknown as Geometry;

  it('copies exactly the view (non-zero byteOffset) into a transferable buffer', () => {
    const big = new Int16Array(100).map((_, i) => i);
    const view = big.subarray(10, 18); // byteOffset 20, a view on a larger buffer
    const { request, transfer } = packRequest({
      model: '/m',
      volumes: { flair: { geometry, data: view } },
    });
    const sent = request.volumes.flair?.data as Int16Array;
    expect(sent).toBeInstanceOf(Int16Array);
    expect(sent.byteOffset).toBe(0);
    expect(sent.buffer.byteLength).toBe(view.byteLength);
    expect([...sent]).toEqual([...view]);
    expect(transfer).toEqual([sent.buffer]);
    expect(request.volumes.flair?.geometry).toBe(geometry);
    // The caller's volume is untouched (the study store keeps it for the viewer).
    expect(big.length).toBe(100);
    expect(view[0]).toBe(10);
  });

  it('passes a SharedArrayBuffer volume by reference, without a copy', () => {
    const data = new Float32Array(new SharedArrayBuffer(32));
    const { request, transfer } = packRequest({ model: '/m', volumes: { t2: { geometry, data } } });
    expect(request.volumes.t2?.data).toBe(data);
    expect(transfer).toEqual([]);
  });
});
