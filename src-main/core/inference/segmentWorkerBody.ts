/**
 * Worker-thread body: a long-lived loop that runs segmentStudy jobs off the main thread so the app
 * stays responsive. It keeps its onnxruntime sessions between jobs (one runner per model files,
 * provider choice and threads), so only the first job pays for session creation and the provider
 * self-test. One job at a time; the main side (segmentInWorker.ts) queues them.
 * In: `run` (request), `cancel` (job id), `warm` (open sessions ahead of a job).
 * Out: `ready` once loaded, `warmed` when a warm-up ended, then per job `progress`, `result`
 * (labelmap buffer transferred) or `error`.
 */
import { parentPort } from 'node:worker_threads';
import { isMetaKdError } from '../errors.ts';
import { loadManifest, verifyModelFiles } from '../model/loadManifest.ts';
import { segmentStudy } from './segmentStudy.ts';
import { cachingRunnerSource } from './runnerCache.ts';
import { cachedGaussianImportance } from './slidingWindow.ts';
import { patchIjk } from '../preprocess/preprocess.ts';
import type { WorkerInMessage, WorkerOutMessage } from './segmentInWorker.ts';

const port = parentPort;
if (!port) throw new Error('segmentWorkerBody must run in a worker thread');
const runners = cachingRunnerSource();
const controllers = new Map<number, AbortController>();
const post = (m: WorkerOutMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function errorDto(e: unknown): { code: string; message: string; file?: string } {
  return isMetaKdError(e)
    ? { code: e.code, message: e.message, file: e.file }
    : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

type Surveys = Extract<WorkerInMessage, { type: 'survey' }>['surveys'];

/**
 * Per job: resolves its surveys. Set when `run` arrives, before the chain starts the job: the main
 * thread posts `survey` after `run`, so it always finds this (or the job has ended: dropped).
 */
const surveys = new Map<number, (s: Surveys) => void>();

async function runJob(
  m: Extract<WorkerInMessage, { type: 'run' }>,
  inputSurveys: Promise<Surveys>,
): Promise<void> {
  const controller = new AbortController();
  controllers.set(m.id, controller);
  // A cancelled job never waits for its surveys.
  controller.signal.addEventListener('abort', () => surveys.get(m.id)?.(null), { once: true });
  try {
    const result = await segmentStudy({
      ...m.request,
      inputSurveys,
      runners,
      signal: controller.signal,
      onProgress: (stage, done, total) => {
        // Every tile reports progress: a cancel raised meanwhile stops the job before the next one.
        if (Atomics.load(m.cancelFlag, 0) === 1) controller.abort();
        post({ type: 'progress', id: m.id, stage, done, total });
      },
    });
    post({ type: 'result', id: m.id, result }, [result.labelmap.data.buffer as ArrayBuffer]);
  } catch (e) {
    post({ type: 'error', id: m.id, error: errorDto(e) });
  } finally {
    controllers.delete(m.id);
    surveys.delete(m.id);
  }
}

/** Opens (and caches) the sessions a later job will use; failures surface in that job instead. */
async function warm(m: Extract<WorkerInMessage, { type: 'warm' }>): Promise<void> {
  try {
    const model = await loadManifest(m.model);
    // Hashed while the sessions open: the job's own check then finds the hash in the process's
    // cache (loadManifest.ts) instead of reading the graphs on its critical path (issue 13).
    const verified = verifyModelFiles(model).catch(() => undefined);
    const runner = await runners.acquire(model, { provider: m.provider, threads: m.threads });
    await runners.release(runner, false);
    await verified;
    const mf = model.manifest;
    cachedGaussianImportance(patchIjk(mf), mf.inference.gaussianSigmaScale);
  } catch {
    // Nothing to report here: the job that needs these sessions gets the error with its context.
  } finally {
    post({ type: 'warmed', id: m.id });
  }
}

// Jobs arrive one at a time, but a cancel must be handled while a job runs: chain the jobs and
// handle `cancel` immediately. A warm-up is not chained: a job that arrives while sessions are
// being opened preprocesses meanwhile and then waits for the same cached runner (runnerCache
// hands out one creation per key), instead of waiting for the warm-up before it starts.
let chain: Promise<void> = Promise.resolve();
port.on('message', (m: WorkerInMessage) => {
  if (m.type === 'cancel') controllers.get(m.id)?.abort();
  else if (m.type === 'survey') surveys.get(m.id)?.(m.surveys);
  else if (m.type === 'run') {
    const inputSurveys = new Promise<Surveys>((resolve) => surveys.set(m.id, resolve));
    chain = chain.then(() => runJob(m, inputSurveys));
  } else if (m.type === 'warm') void warm(m);
});
post({ type: 'ready' });
