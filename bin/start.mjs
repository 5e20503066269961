#!/usr/bin/env node
// `npm start`: launches the Electron app. Where the Electron binary is absent (the npm package was
// installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on CI and these build machines) it says so and
// starts web mode instead, which prints the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Path of the Electron binary, or null when it was never downloaded. */
function electronBinary() {
  try {
    const p = require('electron'); // the npm package exports the binary's path (throws if absent)
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** Runs `npm run build` when the Electron bundle is missing or older than its sources. */
function ensureBuilt() {
  const main = path.join(root, 'out', 'electron', 'main.js');
  const stale =
    !existsSync(main) ||
    statSync(main).mtimeMs < statSync(path.join(root, 'src-main', 'electron', 'main.ts')).mtimeMs;
  if (!stale) return true;
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  return r.status === 0;
}

function run(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

const args = process.argv.slice(2);
const electron = electronBinary();
if (electron) {
  if (!ensureBuilt()) process.exit(1);
  run(electron, [root, ...args]);
} else {
  process.stderr.write(
    'The Electron binary is not installed here (npm installed electron with ' +
      'ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download failed).\n' +
      'Starting web mode instead: open the URL below in a browser.\n' +
      'To get the desktop window: `node node_modules/electron/install.js` on a networked machine.\n\n',
  );
  run(process.execPath, [path.join(root, 'bin', 'metakd.mjs'), 'web', ...args]);
}
