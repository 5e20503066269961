// Worker-thread bootstrap: registers tsx so the TypeScript worker body can load (the checkout
// runs without a build step), then runs it. See runInWorker.ts; the build bundles
// brainWorkerBody.ts as out/main/brainWorker.cjs instead (vite.config.ts WORKER_ENTRIES).
import { register } from 'tsx/esm/api';

register();
await import('./brainWorkerBody.ts');
