/**
 * Builds the app and lays it out as the packaged app and an installed `metakd` have it: out/,
 * models/ (without training/), package.json, the `metakd` launcher, and the production
 * dependencies from package-lock.json (copied from this checkout's node_modules: no dev
 * dependency, no tsx, no src-main/). Used by packagedLayout.test.ts.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, copyWorkingTree } from '../frontdoor/appProcess.ts';

/** Lock entries: path → flags. */
interface LockFile {
  readonly packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
}

/** Top-level node_modules folders of the production dependency closure (package-lock.json). */
export function productionPackages(lock: LockFile): string[] {
  return Object.entries(lock.packages)
    .filter(([p, f]) => p.startsWith('node_modules/') && !f.dev && !f.devOptional)
    .map(([p]) => p)
    .filter((p) => !p.slice('node_modules/'.length).includes('/node_modules/'));
}

/** Runs `node bin/build.mjs` in a copy of the working tree; returns the copy (with out/). */
function buildInCopy(): string {
  const dir = copyWorkingTree('metakd-build-');
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'build.mjs')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

/** Builds and lays out the packaged app in a new temporary folder; returns it. */
export function makePackagedLayout(): string {
  const build = buildInCopy();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-packaged-'));
  try {
    cpSync(path.join(build, 'out'), path.join(dir, 'out'), { recursive: true });
    cpSync(path.join(build, 'models'), path.join(dir, 'models'), {
      recursive: true,
      filter: (src) => !src.startsWith(path.join(build, 'models', 'training')),
    });
    cpSync(path.join(build, 'package.json'), path.join(dir, 'package.json'));
    mkdirSync(path.join(dir, 'bin'));
    for (const f of ['metakd.cjs', 'buildState.cjs']) {
      cpSync(path.join(build, 'bin', f), path.join(dir, 'bin', f));
    }
    const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as LockFile;
    for (const p of productionPackages(lock)) {
      // Optional platform packages (fsevents, other CPUs' binaries) are absent here, as they would be.
      if (existsSync(path.join(REPO, p))) {
        cpSync(path.join(REPO, p), path.join(dir, p), { recursive: true, verbatimSymlinks: true });
      }
    }
  } finally {
    unlinkSync(path.join(build, 'node_modules')); // the symlink, never the checkout's packages
    rmSync(build, { recursive: true, force: true });
  }
  return dir;
}
