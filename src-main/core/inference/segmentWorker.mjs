// Worker-thread bootstrap: registers tsx so the TypeScript worker body can load (the checkout
// runs without a build step), then runs it. See segmentInWorker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./segmentWorkerBody.ts');
