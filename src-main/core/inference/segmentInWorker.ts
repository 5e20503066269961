/**
 * Runs segmentStudy in a long-lived worker thread: started lazily (or ahead of time with
 * `prewarm`), reused across jobs with its onnxruntime sessions cached inside, jobs queued one at a
 * time. Volumes go over as exact-size copies whose buffers are transferred (never a structured
 * clone of a larger backing buffer; shared buffers go by reference). Cancellation stops within one
 * tile and leaves the worker usable; a worker that does not stop in time, or that crashes, is
 * replaced: the job fails with a clear error and the next job gets a fresh worker.
 */
import { Worker } from 'node:worker_threads';
import { ErrorCode, MetaKdError, type ErrorCode as Code } from '../errors.ts';
import type { ModelSlot } from '../enums/SequenceLabel.ts';
import type { Volume, VoxelArray } from '../volume/Volume.ts';
import type { ProgressFn, SegmentParams, SegmentResult } from './segmentStudy.ts';
import type { ProviderChoice } from './providers.ts';
import { surveyVolume, type VolumeSurvey } from '../preprocess/inputChecks.ts';
import { workerEntryUrl } from '../workerEntry.ts';

/** What the worker receives (everything but callbacks, signal, injected runners and surveys). */
export type WorkerRequest = Omit<
  SegmentParams,
  'signal' | 'onProgress' | 'runner' | 'runners' | 'model' | 'inputSurveys'
> & {
  /** Model folder or manifest path. */
  readonly model: string;
};

/** Messages to the worker. */
export type WorkerInMessage =
  | {
      type: 'run';
      id: number;
      request: WorkerRequest;
      /**
       * Set to 1 by the main thread on cancel (Int32Array over a SharedArrayBuffer): the worker
       * reads it between tiles without waiting for its event loop to deliver the `cancel` message,
       * which lags behind a busy worker on a loaded machine.
       */
      cancelFlag: Int32Array;
    }
  /**
   * The input volumes' surveys (inputChecks.ts), posted by the main thread after `run`: it
   * computes them on its own otherwise idle thread while the worker prepares the model input
   * (issue 13: ~130 ms off a BraTS run's critical path). Null: the worker computes them.
   */
  | { type: 'survey'; id: number; surveys: Partial<Record<ModelSlot, VolumeSurvey>> | null }
  | { type: 'cancel'; id: number }
  | { type: 'warm'; id: number; model: string; provider?: ProviderChoice; threads?: number };

/** Messages the worker posts. */
export type WorkerOutMessage =
  | { type: 'ready' }
  /** A `warm` request ended (sessions open, or failed: the job that needs them reports that). */
  | { type: 'warmed'; id: number }
  | { type: 'progress'; id: number; stage: string; done: number; total: number }
  | { type: 'result'; id: number; result: SegmentResult }
  | { type: 'error'; id: number; error: { code: string; message: string; file?: string } };

/** Options of a job. */
export interface JobOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressFn;
}

/** After a cancel, how long the worker may take to finish its current tile before it is replaced. */
const CANCEL_GRACE_MS = 30_000;
const DEFAULT_ENTRY = workerEntryUrl('segmentWorker', import.meta.url);

const cancelled = () => new MetaKdError(ErrorCode.Cancelled, 'Cancelled by the user.');

/**
 * The request with each volume's voxels as an exact-size copy (transferred, so copied once) or,
 * when already in a SharedArrayBuffer, by reference. A NIfTI volume may be a view on a larger
 * buffer (header, other frames): cloning it would copy the whole buffer.
 */
export function packRequest(request: WorkerRequest): {
  request: WorkerRequest;
  transfer: ArrayBuffer[];
} {
  const transfer: ArrayBuffer[] = [];
  const volumes: Partial<Record<ModelSlot, Volume>> = {};
  for (const [slot, v] of Object.entries(request.volumes) as [ModelSlot, Volume | undefined][]) {
    if (!v) continue;
    if (v.data.buffer instanceof SharedArrayBuffer) {
      volumes[slot] = v;
      continue;
    }
    const copy = v.data.slice() as VoxelArray; // exact bytes of the view, offset 0
    transfer.push(copy.buffer as ArrayBuffer);
    volumes[slot] = { geometry: v.geometry, data: copy };
  }
  return { request: { ...request, volumes }, transfer };
}

interface Pending {
  readonly id: number;
  readonly request: WorkerRequest;
  readonly options: JobOptions;
  readonly resolve: (r: SegmentResult) => void;
  readonly reject: (e: unknown) => void;
}

/** One segmentation worker thread, reused across jobs. */
export class SegmentationWorker {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private active: (Pending & { finish: (fn: () => void) => void }) | undefined;
  private nextId = 1;
  /** Warm-ups in flight, by id: settled when the worker says so or goes away. */
  private readonly warming = new Map<number, () => void>();
  /** Workers started so far (a replaced worker counts again); for tests and diagnostics. */
  started = 0;

  constructor(private readonly entry: URL = DEFAULT_ENTRY) {}

  /**
   * Starts the worker now (cheap when already running); optionally opens a model's sessions in
   * it, which a later job with the same model, provider and threads reuses. The promise settles
   * (never rejects) once the worker is done trying; callers need not wait for it.
   */
  prewarm(warm?: { model: string; provider?: ProviderChoice; threads?: number }): Promise<void> {
    const w = this.ensureWorker();
    if (!warm) return Promise.resolve();
    const id = this.nextId++;
    const done = new Promise<void>((resolve) => this.warming.set(id, resolve));
    w.postMessage({ type: 'warm', id, ...warm } satisfies WorkerInMessage);
    return done;
  }

  /** Queues a job; rejects with MetaKdError (Cancelled when `signal` aborts). */
  run(request: WorkerRequest, options: JobOptions = {}): Promise<SegmentResult> {
    if (options.signal?.aborted) return Promise.reject(cancelled());
    return new Promise<SegmentResult>((resolve, reject) => {
      const job: Pending = { id: this.nextId++, request, options, resolve, reject };
      this.queue.push(job);
      // A queued job that is cancelled before it starts leaves the queue at once.
      options.signal?.addEventListener(
        'abort',
        () => {
          const at = this.queue.indexOf(job);
          if (at >= 0) {
            this.queue.splice(at, 1);
            reject(cancelled());
          }
        },
        { once: true },
      );
      this.pump();
    });
  }

  /** Stops the worker; queued jobs are rejected. */
  async close(): Promise<void> {
    for (const j of this.queue.splice(0)) j.reject(cancelled());
    const w = this.worker;
    this.worker = undefined;
    this.settleWarmups();
    const job = this.active;
    job?.finish(() => job.reject(cancelled()));
    await w?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.entry);
    this.started++;
    w.on('message', (m: WorkerOutMessage) => this.onMessage(m));
    w.on('error', (e) => this.onGone(w, `segmentation worker crashed: ${e.message}`, e));
    w.on('exit', (code) =>
      this.onGone(w, `segmentation worker exited unexpectedly (code ${code}).`),
    );
    // An idle worker must not keep a process alive. After the listeners: adding a 'message'
    // listener refs a worker again (Node 20), so a worker only prewarmed held its process open.
    w.unref();
    this.worker = w;
    return w;
  }

  /** The worker died: fail the running job clearly; the next job starts a fresh worker. */
  private onGone(w: Worker, message: string, cause?: Error): void {
    if (this.worker !== w) return; // a worker we replaced or closed on purpose
    this.worker = undefined;
    this.settleWarmups();
    const job = this.active;
    job?.finish(() => job.reject(new MetaKdError(ErrorCode.Internal, message, { cause })));
  }

  /** Settles every warm-up in flight (its worker is gone). */
  private settleWarmups(): void {
    for (const resolve of this.warming.values()) resolve();
    this.warming.clear();
  }

  private onMessage(m: WorkerOutMessage): void {
    if (m.type === 'warmed') {
      this.warming.get(m.id)?.();
      this.warming.delete(m.id);
      return;
    }
    const job = this.active;
    if (m.type === 'ready' || !job || m.id !== job.id) return;
    if (m.type === 'progress') job.options.onProgress?.(m.stage, m.done, m.total);
    else if (m.type === 'result') job.finish(() => job.resolve(m.result));
    else {
      const err = new MetaKdError(m.error.code as Code, m.error.message, { file: m.error.file });
      job.finish(() => job.reject(err));
    }
  }

  /** Starts the next queued job when none is running. */
  private pump(): void {
    if (this.active) return;
    const job = this.queue.shift();
    if (!job) {
      this.worker?.unref();
      return;
    }
    const w = this.ensureWorker();
    w.ref(); // a running job keeps the process alive
    const { signal } = job.options;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => {
      Atomics.store(cancelFlag, 0, 1);
      w.postMessage({ type: 'cancel', id: job.id } satisfies WorkerInMessage);
      killTimer = setTimeout(() => {
        // The worker did not stop within the grace period: replace it.
        if (this.worker === w) this.worker = undefined;
        void w.terminate();
        finish(() => job.reject(cancelled()));
      }, CANCEL_GRACE_MS);
    };
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      this.active = undefined;
      fn();
      this.pump();
    };
    this.active = { ...job, finish };
    signal?.addEventListener('abort', onAbort, { once: true });
    const packed = packRequest(job.request);
    w.postMessage(
      { type: 'run', id: job.id, request: packed.request, cancelFlag } satisfies WorkerInMessage,
      packed.transfer,
    );
    // Always answered (null on any failure here): the worker waits for it before its result.
    void surveyInTurns(job.request, () => settled)
      .catch(() => null)
      .then((surveys) => {
        if (!settled && this.worker === w) {
          w.postMessage({ type: 'survey', id: job.id, surveys } satisfies WorkerInMessage);
        }
      });
  }
}

/**
 * surveyVolume of each volume of a job, one volume per event-loop turn (~30 ms each for a BraTS
 * series) so the process stays responsive. Null when the job asked for a forced preparation
 * (its checks run on the prepared volumes instead), or when `stop` says the job ended.
 */
async function surveyInTurns(
  request: WorkerRequest,
  stop: () => boolean,
): Promise<Partial<Record<ModelSlot, VolumeSurvey>> | null> {
  if (request.prep === 'force') return null;
  const out: Partial<Record<ModelSlot, VolumeSurvey>> = {};
  for (const [slot, v] of Object.entries(request.volumes) as [ModelSlot, Volume | undefined][]) {
    await new Promise((resolve) => setImmediate(resolve));
    if (stop()) return null;
    if (v) out[slot] = surveyVolume(v);
  }
  return out;
}

let shared: SegmentationWorker | undefined;

/** The process-wide worker used by `segmentInWorker`. */
export function sharedSegmentationWorker(): SegmentationWorker {
  shared ??= new SegmentationWorker();
  return shared;
}

/**
 * Starts the shared worker ahead of the first job (cheap when it already runs), optionally
 * opening a model's sessions so the first job skips that too.
 */
export function prewarmSegmentationWorker(warm?: {
  model: string;
  provider?: ProviderChoice;
  threads?: number;
}): Promise<void> {
  return sharedSegmentationWorker().prewarm(warm);
}

/** Segments in the shared worker thread. Rejects with MetaKdError (Cancelled when `signal` aborts). */
export function segmentInWorker(
  request: WorkerRequest,
  options: JobOptions = {},
): Promise<SegmentResult> {
  return sharedSegmentationWorker().run(request, options);
}
