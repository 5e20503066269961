/**
 * Runs MindGrab in a worker thread (brainWorkerBody.ts) so that the caller's thread stays free
 * and a cancel returns at once (onnxruntime-node's run blocks the thread it runs on). One
 * short-lived worker per extraction (the model is 0.6 MB). I/O.
 */
import { Worker } from 'node:worker_threads';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { workerEntryUrl } from '../../workerEntry.ts';
import type { ProviderAttempt, ProviderChoice, ProviderName } from '../../inference/providers.ts';
import type { Vec3 } from '../../volume/Geometry.ts';
import type { BrainModel } from './run.ts';

/** What the worker is asked to do. */
export interface BrainWorkerRequest {
  readonly model: BrainModel;
  readonly provider: ProviderChoice;
  readonly threads?: number;
  /** Normalised crop, i-fastest; transferred to the worker. */
  readonly input: Float32Array;
  readonly sizeKji: Vec3;
}

/** The worker's answer. */
export type BrainWorkerReply =
  | {
      readonly ok: true;
      readonly logits: Float32Array;
      readonly provider: ProviderName;
      readonly attempts: readonly ProviderAttempt[];
    }
  | { readonly ok: false; readonly code?: string; readonly message: string };

const ENTRY = workerEntryUrl('brainWorker', import.meta.url);

const cancelled = (): MetaKdError => new MetaKdError(ErrorCode.Cancelled, 'Cancelled by the user.');

function asError(code: string | undefined, message: string): MetaKdError {
  const known = Object.values(ErrorCode) as string[];
  return new MetaKdError(
    code && known.includes(code) ? (code as ErrorCode) : ErrorCode.Internal,
    message,
  );
}

/**
 * Runs the network in a fresh worker; rejects with Cancelled as soon as `signal` aborts. The
 * worker itself is only stopped once its run is over: terminating a worker inside onnxruntime's
 * native run aborts the whole process (measured with onnxruntime-node 1.30: "terminate called
 * after throwing an instance of 'Napi::Error'"), so an abandoned run finishes in the background
 * (at most one network pass) and the worker is then terminated. It stays referenced meanwhile, so
 * a process that is exiting waits for it rather than crashing.
 */
export function runInWorker(
  req: BrainWorkerRequest,
  signal?: AbortSignal,
): Promise<Extract<BrainWorkerReply, { ok: true }>> {
  if (signal?.aborted) return Promise.reject(cancelled());
  const worker = new Worker(ENTRY);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => settle(() => reject(cancelled()));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: BrainWorkerReply) => {
      void worker.terminate(); // idle now: safe to stop
      settle(() => (reply.ok ? resolve(reply) : reject(asError(reply.code, reply.message))));
    });
    worker.once('error', (e) => {
      settle(() =>
        reject(new MetaKdError(ErrorCode.Internal, `brain-extraction worker failed: ${e.message}`)),
      );
    });
    worker.postMessage(req, [req.input.buffer as ArrayBuffer]);
  });
}
