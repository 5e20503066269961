/**
 * The built CLI's compile cache (src-main/cli/codeCache.ts), on real CommonJS files loaded by
 * Node's own loader, each load in a fresh Node process (test/helpers/codeCacheRunner.ts; within one
 * process V8 reuses what it compiled and never reads the cache): chunks compile from source once
 * and load from the cache afterwards, never from a cache of other contents or a damaged one, and
 * files outside the built folder are left to Node.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, pathId } from '../../src-main/cli/codeCache.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodeHasItsOwn = 'enableCompileCache' in createRequire(import.meta.url)('node:module');

let tmp: string;
let outDir: string;
let cache: string;

interface Loaded {
  kind: string;
  value: unknown;
  hits: string[];
  misses: string[];
}

/** Loads outDir/entry.cjs in a fresh process with the cache on; what it reported. */
function load(extraEnv: NodeJS.ProcessEnv = {}): Loaded {
  const r = spawnSync(
    process.execPath,
    [
      path.join(repoRoot, 'bin', 'run-ts.mjs'),
      path.join(repoRoot, 'test', 'helpers', 'codeCacheRunner.ts'),
      outDir,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, METAKD_CACHE: cache, ...extraEnv },
      timeout: 60_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Loaded;
}

/** The cache folder of outDir, and the files in it. */
function cacheFiles(): { dir: string; files: string[] } {
  const parent = path.join(cache, 'code');
  const [sub] = readdirSync(parent);
  const dir = path.join(parent, sub);
  return { dir, files: readdirSync(dir).sort() };
}

function writeChunk(name: string, text: string): void {
  const file = path.join(outDir, name);
  writeFileSync(file, text);
  // A later mtime, as a rebuild gives (files written within one clock tick may share one).
  const t = new Date(Date.now() + 10_000 * (1 + readdirSync(outDir).length));
  utimesSync(file, t, t);
}

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'metakd-codecache-'));
  outDir = path.join(tmp, 'out', 'main');
  cache = path.join(tmp, 'cache');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'chunk-A1.cjs'), 'exports.answer = () => 41 + 1;\n');
  writeFileSync(
    path.join(outDir, 'entry.cjs'),
    'const a = require("./chunk-A1.cjs");\nexports.value = a.answer();\n',
  );
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(nodeHasItsOwn)('the compile cache on Node 20 (the CommonJS loader wrapped)', () => {
  it('compiles from source once, writes private cache files, then loads from them', () => {
    const first = load();
    expect(first).toEqual({
      kind: 'loader',
      value: 42,
      hits: [],
      misses: ['chunk-A1.cjs', 'entry.cjs'],
    });
    const { dir, files } = cacheFiles();
    expect(files).toEqual(['chunk-A1.cjs.v8', 'entry.cjs.v8']);
    for (const d of [cache, path.join(cache, 'code'), dir]) {
      expect(statSync(d).mode & 0o777, d).toBe(0o700);
    }
    for (const f of files) expect(statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);

    expect(load()).toEqual({
      kind: 'loader',
      value: 42,
      hits: ['chunk-A1.cjs', 'entry.cjs'],
      misses: [],
    });
  });

  it('never runs cached code for a chunk that changed, even at the same length', () => {
    load();
    writeChunk('chunk-A1.cjs', 'exports.answer = () => 41 - 1;\n');
    const after = load();
    expect(after.value).toBe(40);
    expect(after.misses).toEqual(['chunk-A1.cjs']);
    expect(after.hits).toEqual(['entry.cjs']);
  });

  it('compiles from source when a cache file is damaged, and replaces it', () => {
    load();
    const { dir } = cacheFiles();
    // Keep the header (the chunk's stamp matches), spoil what V8 would deserialise.
    const file = path.join(dir, 'chunk-A1.cjs.v8');
    const bytes = readFileSync(file);
    bytes.fill(0x5a, 28);
    writeFileSync(file, bytes);
    const damaged = load();
    expect(damaged.value).toBe(42);
    expect(damaged.misses).toEqual(['chunk-A1.cjs']);
    expect(load().hits).toEqual(['chunk-A1.cjs', 'entry.cjs']);
  });

  it('compiles from source when a cache file cannot be read', () => {
    load();
    const file = path.join(cacheFiles().dir, 'chunk-A1.cjs.v8');
    rmSync(file);
    mkdirSync(file); // opens, but every read fails (EISDIR)
    expect(load()).toMatchObject({ value: 42, misses: ['chunk-A1.cjs'] });
  });

  it('removes the cache of a chunk a rebuild replaced', () => {
    load();
    rmSync(path.join(outDir, 'chunk-A1.cjs'));
    writeChunk('chunk-B2.cjs', 'exports.answer = () => 7;\n');
    writeChunk('entry.cjs', 'exports.value = require("./chunk-B2.cjs").answer();\n');
    expect(load().value).toBe(7);
    expect(cacheFiles().files).toEqual(['chunk-B2.cjs.v8', 'entry.cjs.v8']);
  });

  it('leaves a chunk with a dynamic import() to Node, whose import() then works on every run', () => {
    // Node 20 drops a script's dynamic-import callback when its code comes from cached data.
    writeChunk(
      'entry.cjs',
      'exports.ready = import("node:path").then((p) => p.basename("/x/y.cjs"));\n',
    );
    for (let run = 0; run < 2; run++) {
      expect(load()).toEqual({ kind: 'loader', value: 'y.cjs', hits: [], misses: [] });
    }
  });

  it('leaves files outside the built folder to Node', () => {
    writeFileSync(path.join(tmp, 'elsewhere.cjs'), 'exports.x = 5;\n');
    writeChunk('entry.cjs', 'exports.value = require("../../elsewhere.cjs").x;\n');
    expect(load()).toEqual({ kind: 'loader', value: 5, hits: [], misses: ['entry.cjs'] });
  });
});

describe('switching the compile cache off, and where it lives', () => {
  it('does nothing with NODE_DISABLE_COMPILE_CACHE', () => {
    expect(load({ NODE_DISABLE_COMPILE_CACHE: '1' })).toMatchObject({
      kind: 'off',
      hits: [],
      misses: [],
    });
    expect(readdirSync(tmp)).toEqual(['out']);
  });

  it('lives in METAKD_CACHE, else the platform cache folder', () => {
    expect(cacheRoot({ METAKD_CACHE: '/x/c' })).toBe(path.resolve('/x/c'));
    if (process.platform === 'linux') {
      expect(cacheRoot({ XDG_CACHE_HOME: '/x/xdg' })).toBe('/x/xdg/metakd-review');
      expect(cacheRoot({})).toBe(path.join(os.homedir(), '.cache', 'metakd-review'));
    }
  });

  it('keeps one folder per installation, named by a hash of its path', () => {
    // FNV-1a 64 test vectors (the empty string and "a"), then: stable, distinct per path.
    expect(pathId('')).toBe('cbf29ce484222325');
    expect(pathId('a')).toBe('af63dc4c8601ec8c');
    expect(pathId('/opt/metakd/out/main')).toBe(pathId('/opt/metakd/out/main'));
    expect(pathId('/opt/metakd/out/main')).not.toBe(pathId('/opt/metakd2/out/main'));
    expect(pathId('/home/ä/out/main')).toMatch(/^[0-9a-f]{16}$/);
  });
});
