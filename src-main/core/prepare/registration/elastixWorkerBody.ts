/**
 * Worker thread that runs elastix registrations (@itk-wasm/elastix), one per message, and posts
 * elastix's transform parameter object back for each. It exists so that the wasm, which blocks its thread for the
 * whole registration, runs beside the caller's thread (other stages go on meanwhile) and so that
 * a cancel can terminate it mid-registration (elastixInWorker.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { Image, JsonCompatible } from 'itk-wasm';
import type { ElastixWorkerReply, ElastixWorkerRequest } from './elastixInWorker.ts';

const port = parentPort;
if (!port) throw new Error('elastixWorkerBody must run in a worker thread');

port.on('message', (req: ElastixWorkerRequest) => {
  void (async (): Promise<ElastixWorkerReply> => {
    try {
      const { elastixNode } = await import('@itk-wasm/elastix');
      const result = await elastixNode([req.parameterMap] as unknown as JsonCompatible, {
        fixed: req.fixed as Image,
        moving: req.moving as Image,
      });
      const params = result.transformParameterObject as Record<string, unknown>[];
      return { ok: true, transformParameterObject: params };
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  })().then((reply) => port.postMessage(reply));
});
