/**
 * Where segmentStudy gets its model runners. A plain source opens fresh sessions per job and frees
 * them afterwards; the caching source (used by the long-lived segmentation worker) keeps one runner
 * per (model files, provider choice, threads) so the second job skips session creation and the
 * provider self-test. A runner that failed mid-run is dropped, never handed out again.
 */
import type { LoadedModel } from '../model/loadManifest.ts';
import { createModelRunner, type ModelRunner, type RunnerOptions } from './modelRunner.ts';

/** Hands out runners and takes them back. */
export interface RunnerSource {
  /** A runner for `model` with these options (may be a cached one). */
  acquire(model: LoadedModel, options: RunnerOptions): Promise<ModelRunner>;
  /** Gives a runner back; `failed` when it failed during inference (it is then freed). */
  release(runner: ModelRunner, failed: boolean): Promise<void>;
}

/** Creates the runner for a source; injectable so tests can hand out faulty runners. */
export type RunnerFactory = (model: LoadedModel, options: RunnerOptions) => Promise<ModelRunner>;

/** Opens fresh sessions for every job and frees them when the job ends. */
export function freshRunnerSource(create: RunnerFactory = createModelRunner): RunnerSource {
  return {
    acquire: (model, options) => create(model, options),
    release: (runner) => runner.release(),
  };
}

/** The cache key: the graphs' identity (path and sha256), the provider choice and the threads. */
export function runnerKey(model: LoadedModel, options: RunnerOptions): string {
  const g = model.manifest.graphs;
  return [
    model.encoderPath,
    g.encoder.sha256,
    model.decoderPath,
    g.decoder.sha256,
    options.provider ?? 'auto',
    options.threads ?? 0,
  ].join('|');
}

/** A runner source that keeps runners between jobs; `clear()` frees them all. */
export interface CachingRunnerSource extends RunnerSource {
  /** Number of cached runners. */
  readonly size: number;
  /** Frees every cached runner. */
  clear(): Promise<void>;
}

/**
 * Keeps one runner per key. Sessions of a model whose files changed (new sha256 in the manifest)
 * get a new key; old entries are freed once the cache exceeds `maxEntries` (oldest first).
 */
export function cachingRunnerSource(
  create: RunnerFactory = createModelRunner,
  maxEntries = 2,
): CachingRunnerSource {
  const cache = new Map<string, Promise<ModelRunner>>();
  const keyOf = new Map<ModelRunner, string>();
  const drop = async (key: string) => {
    const entry = cache.get(key);
    cache.delete(key);
    const runner = await entry?.catch(() => undefined);
    if (runner) {
      keyOf.delete(runner);
      await runner.release().catch(() => undefined);
    }
  };
  return {
    get size() {
      return cache.size;
    },
    async acquire(model, options) {
      const key = runnerKey(model, options);
      let entry = cache.get(key);
      if (!entry) {
        entry = create(model, options);
        cache.set(key, entry);
        // A failed creation is not cached: the next job tries again.
        entry.catch(() => cache.get(key) === entry && cache.delete(key));
        while (cache.size > maxEntries) await drop(cache.keys().next().value as string);
      } else {
        // Most recently used last, so eviction drops the least recently used.
        cache.delete(key);
        cache.set(key, entry);
      }
      const runner = await entry;
      keyOf.set(runner, key);
      return runner;
    },
    async release(runner, failed) {
      const key = keyOf.get(runner);
      if (!failed && key !== undefined) return;
      if (key !== undefined) await drop(key);
      else await runner.release().catch(() => undefined);
    },
    async clear() {
      await Promise.all([...cache.keys()].map(drop));
    },
  };
}
