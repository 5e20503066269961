// `npm start` (after bin/start.mjs checked the Node version): the one command that runs the app
// on a fresh clone.
//   1. installs the npm packages when node_modules does not match package-lock.json (a stamp in
//      node_modules records the lock's hash, so a second start does no install work), with
//      ONNXRUNTIME_NODE_INSTALL=skip (CPU build; its CUDA download is not from the npm registry)
//      and the Electron binary fetched separately so a machine that cannot download it still gets
//      web mode;
//   2. builds out/ (bin/build.mjs) when it is missing or older than the sources;
//   3. starts Electron where its binary exists, web mode otherwise (the URL is printed).
// Every failure ends in one sentence on stderr and exit code 1, never a stack trace.
// Only node: builtins are imported here: nothing else is installed yet.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState } from './buildState.cjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const STAMP = path.join(root, 'node_modules', '.metakd-install.json');
/** How long the optional Electron binary download may take before web mode is used instead. */
const ELECTRON_DOWNLOAD_TIMEOUT_MS = 180_000;

/** Ends the process with one sentence. */
function fail(sentence) {
  process.stderr.write(`\nnpm start: ${sentence}\n`);
  process.exit(1);
}

/** sha256 of package-lock.json (or package.json where there is no lock). */
function lockHash() {
  const lock = path.join(root, 'package-lock.json');
  const file = existsSync(lock) ? lock : path.join(root, 'package.json');
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return null;
  }
}

/** Installs npm packages unless the stamp says node_modules matches the lock. */
function ensureInstalled() {
  const hash = lockHash();
  const stamp = readStamp();
  if (stamp?.lockHash === hash) return stamp;
  const env = {
    ...process.env,
    ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip',
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1', // fetched below, where a failure is not fatal
  };
  // `npm ci` (exactly the lock) on a fresh clone; `npm install` when node_modules already exists,
  // which brings it in line with a changed lock without deleting it first.
  const ci =
    existsSync(path.join(root, 'package-lock.json')) &&
    !existsSync(path.join(root, 'node_modules'));
  process.stderr.write(
    `Installing npm packages (npm ${ci ? 'ci' : 'install'}: first start, or package-lock.json changed)…\n`,
  );
  const r = spawnSync(NPM, [ci ? 'ci' : 'install', '--no-audit', '--no-fund'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (r.error) fail(`could not run npm (${r.error.message}); install Node.js with npm and retry.`);
  if (r.status !== 0) {
    fail(
      'installing the npm packages failed (npm printed the reason above); fix that and run `npm start` again.',
    );
  }
  const electron = fetchElectron(env);
  const next = { lockHash: hash, electron, at: new Date().toISOString() };
  writeFileSync(STAMP, JSON.stringify(next, null, 2) + '\n');
  return next;
}

/**
 * Downloads the Electron binary unless the user set ELECTRON_SKIP_BINARY_DOWNLOAD. Returns what
 * happened; a failure only means web mode.
 */
function fetchElectron(env) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'skipped (ELECTRON_SKIP_BINARY_DOWNLOAD)';
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return 'no electron package';
  process.stderr.write('Fetching the Electron binary…\n');
  const { ELECTRON_SKIP_BINARY_DOWNLOAD: _skip, ...rest } = env;
  const r = spawnSync(process.execPath, [installer], {
    cwd: root,
    env: rest,
    stdio: 'ignore',
    timeout: ELECTRON_DOWNLOAD_TIMEOUT_MS,
  });
  if (r.status === 0) return 'downloaded';
  process.stderr.write(
    'The Electron binary could not be downloaded; the app will run in web mode.\n',
  );
  return 'download failed';
}

function ensureBuilt() {
  if (buildState(root) === 'current') return;
  process.stderr.write('Building the app into out/ (first start or sources changed)…\n');
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    fail(
      'building the app failed (the build printed the reason above); fix that and run `npm start` again.',
    );
  }
}

/** Path of the Electron binary, or null when it was never downloaded. */
function electronBinary() {
  try {
    const p = createRequire(import.meta.url)('electron'); // the package exports the binary's path
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

async function main() {
  ensureInstalled();
  ensureBuilt();
  const args = process.argv.slice(2);
  const electron = electronBinary();
  if (electron) {
    const child = spawn(electron, [root, ...args], { cwd: root, stdio: 'inherit' });
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
    return;
  }
  process.stderr.write(
    'The Electron binary is not installed here, so the app runs in web mode: open the URL below.\n',
  );
  // In this process: saves starting a second Node. The build is CommonJS (vite.config.ts).
  const { runWebMode } = createRequire(import.meta.url)(
    path.join(root, 'out', 'main', 'server.cjs'),
  );
  process.exitCode = await runWebMode(args);
}

/** Runs `npm start`; bin/start.mjs calls it. */
export function start() {
  return main().catch((e) =>
    fail(`the app stopped with an error: ${e instanceof Error ? e.message : e}`),
  );
}
