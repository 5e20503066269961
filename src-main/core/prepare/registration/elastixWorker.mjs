// Worker-thread bootstrap: registers tsx so the TypeScript worker body can load (the checkout
// runs without a build step), then runs it. See elastixInWorker.ts; the build bundles
// elastixWorkerBody.ts as out/main/elastixWorker.cjs instead (vite.config.ts WORKER_ENTRIES).
import { register } from 'tsx/esm/api';

register();
await import('./elastixWorkerBody.ts');
