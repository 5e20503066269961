// Is out/ current? Shared by bin/startApp.mjs and bin/metakd.cjs. Only node: builtins (runs before
// anything is installed) and only stat calls (it runs on every `metakd` start: ~200 files, a few ms).
// CommonJS like the launcher, which must start without Node's ES module loader (see metakd.cjs).
'use strict';
const { readdirSync, statSync } = require('node:fs');
const path = require('node:path');

/** The app root (this file is bin/buildState.cjs). */
const ROOT = path.resolve(__dirname, '..');
/** Written by bin/build.mjs after every part of the build succeeded. */
const BUILD_STAMP = path.join('out', 'BUILD_STAMP');
/** What out/main is built from. */
const MAIN_INPUTS = ['src-main', 'vite.config.ts', 'package.json'];
/** What all of out/ is built from. */
const ALL_INPUTS = [...MAIN_INPUTS, 'src-renderer'];

/** Newest modification time (ms) of the files under `p` (a file or a folder; 0 when absent). */
function newestMtime(p) {
  let info;
  try {
    info = statSync(p);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(p, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const t = statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * The state of out/ under `root`: 'missing' (never built, or the last build failed), 'stale'
 * (an input changed after the build) or 'current'. Inputs that are absent (an installed app has
 * no src-main) count as unchanged.
 */
function buildState(root = ROOT, inputs = ALL_INPUTS) {
  const built = newestMtime(path.join(root, BUILD_STAMP));
  if (!built) return 'missing';
  return inputs.some((p) => newestMtime(path.join(root, p)) > built) ? 'stale' : 'current';
}

module.exports = { ROOT, BUILD_STAMP, MAIN_INPUTS, ALL_INPUTS, newestMtime, buildState };
