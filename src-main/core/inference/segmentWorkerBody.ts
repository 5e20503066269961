/**
 * Worker-thread body: runs segmentStudy off the main thread so the app stays responsive.
 * Messages: in `{type:'cancel'}`; out `{type:'progress'|'result'|'error', …}`. The labelmap's
 * buffer is transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isMetaKdError } from '../errors.ts';
import { segmentStudy } from './segmentStudy.ts';
import type { WorkerRequest, WorkerMessage } from './segmentInWorker.ts';

const port = parentPort;
if (!port) throw new Error('segmentWorkerBody must run in a worker thread');
const request = workerData as WorkerRequest;
const controller = new AbortController();
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'cancel') controller.abort();
});
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const result = await segmentStudy({
    ...request,
    signal: controller.signal,
    onProgress: (stage, done, total) => post({ type: 'progress', stage, done, total }),
  });
  post({ type: 'result', result }, [result.labelmap.data.buffer as ArrayBuffer]);
} catch (e) {
  post({
    type: 'error',
    error: isMetaKdError(e)
      ? { code: e.code, message: e.message, file: e.file }
      : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) },
  });
} finally {
  port.close();
}
