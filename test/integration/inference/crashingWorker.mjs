// Test worker entry: with METAKD_TEST_WORKER_CRASH set when the worker starts, it dies on its
// first job with an uncaught exception (as a native failure would); otherwise it is the real
// segmentation worker. Used by worker.test.ts to check crash-then-recover.
import { parentPort } from 'node:worker_threads';

if (process.env.METAKD_TEST_WORKER_CRASH) {
  parentPort.on('message', (m) => {
    if (m?.type === 'run')
      setImmediate(() => {
        throw new Error('simulated native failure');
      });
  });
  parentPort.postMessage({ type: 'ready' });
} else {
  await import('../../../src-main/core/inference/segmentWorker.mjs');
}
