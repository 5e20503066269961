/**
 * A compile cache for the built CLI: V8 keeps the code it compiled for out/main's chunks in a cache
 * folder, so the next `metakd` command deserialises instead of parsing (compiling the ~250 KB a
 * `metakd inspect` loads was its largest single cost after Node's own start: ~20 ms of ~200).
 *
 * On Node ≥ 22.1 this is Node's own `module.enableCompileCache`, pointed at our cache folder. Node 20
 * has no such API, so there the CommonJS loader of `out/main/*.cjs` is wrapped: each chunk compiles
 * through `vm.Script` with the cached data, and chunks that had none (or whose data V8 refused) have
 * theirs written when the process exits, including every function compiled during the run. Not the
 * `v8-compile-cache` package: it wraps every module of the process, not only ours, its modules
 * cannot use `import()`, and it is off on Node ≥ 22 anyway.
 *
 * A cache file is used only for the exact file it was made from: its header records the chunk's
 * size, modification and change times (Python's .pyc keys on the first two), and V8 checks its own
 * version and flags — but of the source only its length, so without the header an edited chunk of
 * the same length would run its old code. Files are written 0600 in 0700 folders, through a temp
 * file and a rename.
 * `NODE_DISABLE_COMPILE_CACHE=1` (Node's own switch) turns it off; `METAKD_CACHE` moves it.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** Header of a cache file: magic, then the chunk's size, mtime and ctime (ms) as float64. */
const MAGIC = 0x4b44_4343; // "CCDK"
const HEADER_BYTES = 4 + 3 * 8;

/** What identifies the file a cache was made from (ctime also moves when mtime is set back). */
interface Stamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** What enableCodeCache did. */
export interface CodeCacheState {
  readonly kind: 'node' | 'loader' | 'off';
  /** The folder the cache files are in (absent when off). */
  readonly dir?: string;
  /** Chunks loaded with cached code, and chunks compiled from source (loader kind only). */
  readonly hits: string[];
  readonly misses: string[];
  /** Writes the cache of the chunks that had none (runs by itself when the process exits). */
  flush(): void;
  /** Gives the chunks back to Node's own loader (for tests). */
  dispose(): void;
}

/** The per-user cache root: METAKD_CACHE, else the platform's cache folder. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.METAKD_CACHE) return path.resolve(env.METAKD_CACHE);
  const home = os.homedir();
  if (process.platform === 'win32') {
    return path.join(
      env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'),
      'metakd-review',
      'Cache',
    );
  }
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'metakd-review');
  return path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'metakd-review');
}

/** mkdir -p with 0700 for the folders it creates. */
function mkdirPrivateSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The cached data in `cacheFile` when its header matches the chunk's stamp. */
function readCached(cacheFile: string, stamp: Stamp): Buffer | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(cacheFile);
  } catch {
    return undefined; // none yet, or unreadable (a folder in its place): compile from source
  }
  const matches =
    buf.length > HEADER_BYTES &&
    buf.readUInt32LE(0) === MAGIC &&
    buf.readDoubleLE(4) === stamp.size &&
    buf.readDoubleLE(12) === stamp.mtimeMs &&
    buf.readDoubleLE(20) === stamp.ctimeMs;
  return matches ? buf.subarray(HEADER_BYTES) : undefined;
}

/** A chunk's text and its stamp, both from one open file (a rebuild may replace it meanwhile). */
function readChunk(filename: string): { source: string; stamp: Stamp } {
  const fd = openSync(filename, 'r');
  try {
    const { size, mtimeMs, ctimeMs } = fstatSync(fd);
    return { source: readFileSync(fd, 'utf8'), stamp: { size, mtimeMs, ctimeMs } };
  } finally {
    closeSync(fd);
  }
}

/** Writes one cache file privately and atomically (a reader sees the old file or the new one). */
function writeCached(cacheFile: string, stamp: Stamp, data: Buffer): void {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeDoubleLE(stamp.size, 4);
  header.writeDoubleLE(stamp.mtimeMs, 12);
  header.writeDoubleLE(stamp.ctimeMs, 20);
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([header, data]), { mode: 0o600 });
    renameSync(tmp, cacheFile);
  } catch {
    rmSync(tmp, { force: true }); // a cache that cannot be written only costs the next start
  }
}

/** Node's CommonJS loader internals this wraps (stable since Node 0.x, not in @types/node). */
interface LoaderModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}
interface LoaderStatics {
  _extensions: Record<string, (module: LoaderModule, filename: string) => void>;
  _resolveFilename(
    request: string,
    parent: LoaderModule,
    isMain: boolean,
    options?: unknown,
  ): string;
  _cache: Record<string, unknown>;
  wrap(source: string): string;
}

/** The Node 20 path: compiles out/main's chunks through vm.Script with cached data. */
function wrapLoader(outDir: string, dir: string): CodeCacheState {
  const loader = Module as unknown as LoaderStatics;
  // Node 20 registers no '.cjs' handler (its '.js' one loads .cjs files); registering one takes
  // every .cjs file, so the others go on to the handler Node would have used.
  const previous = Object.hasOwn(loader._extensions, '.cjs')
    ? loader._extensions['.cjs']
    : undefined;
  const plain = previous ?? loader._extensions['.js'];
  const prefix = outDir + path.sep;
  const hits: string[] = [];
  const misses: string[] = [];
  let toWrite: { script: vm.Script; file: string; stamp: Stamp }[] = [];
  loader._extensions['.cjs'] = (module, filename) => {
    if (!filename.startsWith(prefix)) {
      plain(module, filename);
      return;
    }
    const chunk = readChunk(filename);
    // Node 20 loses a script's dynamic-import callback when its code comes from cached data
    // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so a chunk with an import() is compiled by Node
    // (from the text already read, as Node's own loader does once it has read a file).
    if (chunk.source.includes('import(')) {
      module._compile(chunk.source, filename);
      return;
    }
    const { source, stamp } = chunk;
    const cacheFile = path.join(dir, `${path.basename(filename)}.v8`);
    const cachedData = readCached(cacheFile, stamp);
    const script = new vm.Script(loader.wrap(source), { filename, cachedData });
    const hit = cachedData !== undefined && !script.cachedDataRejected;
    (hit ? hits : misses).push(path.basename(filename));
    if (!hit) toWrite.push({ script, file: cacheFile, stamp });
    // The bundle's chunks call require(id) only; resolve and cache as Node's own require has them.
    const require = Object.assign((id: string) => module.require(id), {
      resolve: (request: string, options?: unknown) =>
        loader._resolveFilename(request, module, false, options),
      cache: loader._cache,
    });
    const run = script.runInThisContext() as (...args: unknown[]) => void;
    run.call(module.exports, module.exports, require, module, filename, path.dirname(filename));
  };
  const flush = () => {
    const pending = toWrite;
    toWrite = [];
    if (pending.length === 0) return;
    try {
      mkdirPrivateSync(dir);
      for (const w of pending) writeCached(w.file, w.stamp, w.script.createCachedData());
      pruneStale(outDir, dir);
    } catch {
      // best effort: the next start compiles from source again
    }
  };
  process.once('exit', flush);
  return {
    kind: 'loader',
    dir,
    hits,
    misses,
    flush,
    dispose: () => {
      process.removeListener('exit', flush);
      if (previous) loader._extensions['.cjs'] = previous;
      else delete loader._extensions['.cjs'];
    },
  };
}

/** Removes cache files of chunks a rebuild replaced (chunk names carry a content hash). */
function pruneStale(outDir: string, dir: string): void {
  const present = new Set(readdirSync(outDir));
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.v8') && !present.has(f.slice(0, -'.v8'.length))) rmSync(path.join(dir, f));
  }
}

/**
 * FNV-1a (64-bit) of a path, as 16 hex digits: a folder name, not a secret. Not node:crypto's
 * sha256: loading node:crypto cost every command about 2 ms, and nothing else a command such as
 * `metakd inspect` does needs it (issue 13).
 */
export function pathId(p: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(p))
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** One cache folder per installation (a checkout and an installed app do not share files). */
function folderFor(outDir: string, env: NodeJS.ProcessEnv): string {
  const id = pathId(outDir);
  return path.join(cacheRoot(env), 'code', `${process.version}-${process.arch}-${id}`);
}

/**
 * Turns the cache on for the chunks in `outDir` (the built CLI's folder) loaded from now on; call
 * before loading them. Never throws: without a cache the CLI only starts slower.
 */
export function enableCodeCache(
  outDir: string,
  env: NodeJS.ProcessEnv = process.env,
): CodeCacheState {
  const none = () => {};
  const off: CodeCacheState = { kind: 'off', hits: [], misses: [], flush: none, dispose: none };
  if (env.NODE_DISABLE_COMPILE_CACHE) return off;
  try {
    const dir = folderFor(outDir, env);
    const nodeCache = (
      Module as unknown as { enableCompileCache?: (dir: string) => { status: number } }
    ).enableCompileCache;
    if (nodeCache) {
      mkdirPrivateSync(dir);
      nodeCache(dir);
      return { ...off, kind: 'node', dir };
    }
    return wrapLoader(outDir, dir);
  } catch {
    return off;
  }
}
