/**
 * Runs segmentStudy in a worker thread: progress events, cancellation that stops within one tile
 * (the worker checks its AbortSignal before every tile), and the same result as a direct call.
 */
import { Worker } from 'node:worker_threads';
import { ErrorCode, MetaKdError, type ErrorCode as Code } from '../errors.ts';
import type { ProgressFn, SegmentParams, SegmentResult } from './segmentStudy.ts';

/** What the worker receives (everything but callbacks, signal and an injected runner). */
export type WorkerRequest = Omit<SegmentParams, 'signal' | 'onProgress' | 'runner' | 'model'> & {
  /** Model folder or manifest path. */
  readonly model: string;
};

/** Messages the worker posts. */
export type WorkerMessage =
  | { type: 'progress'; stage: string; done: number; total: number }
  | { type: 'result'; result: SegmentResult }
  | { type: 'error'; error: { code: string; message: string; file?: string } };

/** After a cancel, how long the worker may take to finish its current tile before it is terminated. */
const CANCEL_GRACE_MS = 30_000;

/** Segments in a worker thread. Rejects with MetaKdError (Cancelled when `signal` aborts). */
export function segmentInWorker(
  request: WorkerRequest,
  options: { signal?: AbortSignal; onProgress?: ProgressFn } = {},
): Promise<SegmentResult> {
  const { signal, onProgress } = options;
  if (signal?.aborted)
    return Promise.reject(new MetaKdError(ErrorCode.Cancelled, 'Cancelled by the user.'));
  const worker = new Worker(new URL('./segmentWorker.mjs', import.meta.url), {
    workerData: request,
  });
  return new Promise<SegmentResult>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      fn();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' });
      killTimer = setTimeout(() => {
        void worker.terminate();
        finish(() => reject(new MetaKdError(ErrorCode.Cancelled, 'Cancelled by the user.')));
      }, CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress?.(m.stage, m.done, m.total);
      else if (m.type === 'result') finish(() => resolve(m.result));
      else
        finish(() =>
          reject(new MetaKdError(m.error.code as Code, m.error.message, { file: m.error.file })),
        );
    });
    worker.on('error', (e) =>
      finish(() =>
        reject(
          new MetaKdError(ErrorCode.Internal, `segmentation worker failed: ${e.message}`, {
            cause: e,
          }),
        ),
      ),
    );
    worker.on('exit', (code) =>
      finish(() =>
        reject(
          new MetaKdError(
            ErrorCode.Internal,
            `segmentation worker exited (code ${code}) without a result.`,
          ),
        ),
      ),
    );
  });
}
