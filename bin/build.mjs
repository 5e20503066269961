#!/usr/bin/env node
// `npm run build`: the three Vite builds of vite.config.ts in one process — the renderer
// (out/renderer), every Node-side entry (out/main: metakd CLI, web server, Electron main, workers)
// and the Electron preload (out/main/preload.cjs). out/main is emptied first so no stale chunk
// survives; out/BUILD_STAMP is written last, so a build that failed half-way counts as missing.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configFile = path.join(root, 'vite.config.ts');
const logLevel = process.argv.includes('--verbose') ? 'info' : 'warn';

const t0 = performance.now();
await rm(path.join(root, 'out', 'BUILD_STAMP'), { force: true });
await rm(path.join(root, 'out', 'main'), { recursive: true, force: true });
for (const mode of ['production', 'node', 'electron-preload']) {
  await build({ configFile, mode, logLevel });
}
await writeFile(path.join(root, 'out', 'BUILD_STAMP'), `${new Date().toISOString()}\n`);
process.stderr.write(`Built out/ in ${((performance.now() - t0) / 1000).toFixed(1)} s.\n`);
