/**
 * Worker thread that runs MindGrab once: opens a session (provider choice + self-test), runs the
 * network on the prepared crop and posts the logits back (transferred). It exists so that a
 * cancel can terminate the run: onnxruntime-node's run blocks its thread until done.
 */
import { parentPort } from 'node:worker_threads';
import { isMetaKdError } from '../../errors.ts';
import { openBrainSession } from './run.ts';
import type { BrainWorkerReply, BrainWorkerRequest } from './runInWorker.ts';

const port = parentPort;
if (!port) throw new Error('brainWorkerBody must run in a worker thread');

port.once('message', (req: BrainWorkerRequest) => {
  void (async (): Promise<BrainWorkerReply> => {
    try {
      const session = await openBrainSession(req.model, req.provider, req.threads);
      try {
        const logits = await session.run(req.input, req.sizeKji);
        return { ok: true, logits, provider: session.provider, attempts: session.attempts };
      } finally {
        await session.release();
      }
    } catch (e) {
      return {
        ok: false,
        code: isMetaKdError(e) ? e.code : undefined,
        message: e instanceof Error ? e.message : String(e),
      };
    }
  })().then((reply) => {
    port.postMessage(reply, reply.ok ? [reply.logits.buffer as ArrayBuffer] : []);
  });
});
