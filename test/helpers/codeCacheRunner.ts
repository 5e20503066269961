/**
 * Child process for test/cli/codeCache.test.ts: a fresh V8 (no in-memory compilation cache), so
 * what loads from the compile cache really came from its files. Turns the cache on for OUT_DIR,
 * requires OUT_DIR/entry.cjs, awaits its `ready` when it has one, and prints
 * `{ kind, value, hits, misses }`; the cache is written as the process exits.
 * Usage: node bin/run-ts.mjs test/helpers/codeCacheRunner.ts <outDir>   (env: METAKD_CACHE, …)
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { enableCodeCache } from '../../src-main/cli/codeCache.ts';

const outDir = path.resolve(process.argv[2]);
const state = enableCodeCache(outDir);
const entry = createRequire(import.meta.url)(path.join(outDir, 'entry.cjs')) as {
  value: unknown;
  ready?: Promise<unknown>;
};
const value = entry.ready ? await entry.ready : entry.value;
process.stdout.write(
  JSON.stringify({ kind: state.kind, value, hits: state.hits.sort(), misses: state.misses.sort() }),
);
