/**
 * Runs elastix registrations in worker threads (elastixWorkerBody.ts). The caller's thread stays
 * free (the preparation stage aligns to the template while the other series are still being
 * registered, and brain extraction runs in its own worker), and a cancel ends a registration at
 * once: unlike onnxruntime's native run (brain/runInWorker.ts), elastix is WebAssembly, which
 * worker.terminate() stops safely at any point. A worker serves one registration at a time and is
 * kept (unreferenced, so it never holds the process open) for the next one, which saves its start;
 * a cancelled or failed worker is terminated, so nothing of that run survives. I/O.
 */
import { Worker } from 'node:worker_threads';
import type { Image } from 'itk-wasm';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { workerEntryUrl } from '../../workerEntry.ts';

/** What the worker is asked to do: one parameter map, two in-memory images. */
export interface ElastixWorkerRequest {
  readonly parameterMap: Readonly<Record<string, readonly string[]>>;
  readonly fixed: Image;
  readonly moving: Image;
}

/** The worker's answer: elastix's transform parameter object, or its error text. */
export type ElastixWorkerReply =
  | { readonly ok: true; readonly transformParameterObject: Record<string, unknown>[] }
  | { readonly ok: false; readonly message: string };

const ENTRY = workerEntryUrl('elastixWorker', import.meta.url);

const cancelled = (): MetaKdError => new MetaKdError(ErrorCode.Cancelled, 'Cancelled by the user.');

/** Thrown by runElastixInWorker when elastix itself fails; the caller names the series. */
export class ElastixError extends Error {
  override readonly name = 'ElastixError';
}

/** Idle workers kept for the next registration (two: co-registration ∥ template alignment). */
const idle: Worker[] = [];
const MAX_IDLE = 2;

function newWorker(): Worker {
  const w = new Worker(ENTRY);
  // An idle worker that dies is simply forgotten.
  w.on('exit', () => {
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
  });
  return w;
}

function takeWorker(): Worker {
  const w = idle.pop() ?? newWorker();
  w.ref();
  return w;
}

function giveBack(w: Worker): void {
  if (idle.length >= MAX_IDLE) {
    void w.terminate();
    return;
  }
  w.unref();
  idle.push(w);
}

/**
 * Runs elastix on `req` in a worker. Resolves with the transform parameter object; rejects with
 * Cancelled as soon as `signal` aborts (the worker is terminated), with ElastixError when elastix
 * reports an error, and with Internal when the worker itself dies.
 */
export function runElastixInWorker(
  req: ElastixWorkerRequest,
  signal?: AbortSignal,
): Promise<Record<string, unknown>[]> {
  if (signal?.aborted) return Promise.reject(cancelled());
  const worker = takeWorker();
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (keep: boolean, fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (keep) giveBack(worker);
      else void worker.terminate();
      fn();
    };
    const onAbort = (): void => settle(false, () => reject(cancelled()));
    const onMessage = (reply: ElastixWorkerReply): void =>
      settle(reply.ok, () =>
        reply.ok
          ? resolve(reply.transformParameterObject)
          : reject(new ElastixError(reply.message)),
      );
    const onError = (e: Error): void =>
      settle(false, () =>
        reject(new MetaKdError(ErrorCode.Internal, `registration worker failed: ${e.message}`)),
      );
    const onExit = (code: number): void =>
      settle(false, () =>
        reject(
          new MetaKdError(ErrorCode.Internal, `registration worker exited early (code ${code}).`),
        ),
      );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(req);
  });
}
