/**
 * Vite builds, by mode (`npm run build` runs all three through bin/build.mjs):
 * - default: the renderer (Svelte 5), root src-renderer → out/renderer, relative asset paths so the
 *   same build loads from app:// in Electron and from 127.0.0.1 in web mode. vtk.js (inside
 *   Cornerstone3D) imports Node's `events`; the npm `events` package stands in.
 * - `--mode node`: every Node-side entry (the `metakd` CLI, the web-mode server, the Electron main
 *   process, worker threads) in one build → out/main/*.cjs, CommonJS with source maps. Shared code
 *   goes to chunks in the same folder, so every output file sits two levels below the app root, as
 *   src-main/<layer>/<file>.ts does (service.ts finds package.json and models/ that way).
 *   CommonJS rather than ES modules for start-up time: Node's ES module loader costs every
 *   `metakd` command about 10 ms (whole-process A/B of `metakd inspect`, issue 13); the sources
 *   stay ES modules (the bundler rewrites import.meta.url, and loads ESM-only packages such as
 *   @itk-wasm/elastix with import()).
 * - `--mode electron-preload`: src-main/electron/preload.ts → out/main/preload.cjs (one CommonJS
 *   file: sandboxed preloads cannot load ESM or other files).
 *
 * Every npm package stays external (imported from node_modules at run time): the ones with native
 * code or wasm (onnxruntime-node, @itk-wasm/*, the Cornerstone codecs) must, the others are shipped
 * as production dependencies anyway. A dev dependency reached at run time therefore fails loudly in
 * the packaged-layout test instead of being silently bundled.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

interface PackageJson {
  dependencies?: Record<string, string>;
}

const root = path.dirname(fileURLToPath(import.meta.url));
const src = (...p: string[]) => path.join(root, 'src-main', ...p);
/** Output of the Node-side build (see the header for why all files share one folder). */
export const MAIN_OUT = path.join(root, 'out', 'main');

/**
 * Worker-thread entries: output name → worker body. A worker started from source goes through a
 * `<name>.mjs` tsx bootstrap beside its caller; from the build the caller loads `<name>.cjs` beside
 * itself (see core/workerEntry.ts workerEntryUrl). A new worker is one line here.
 */
export const WORKER_ENTRIES: Record<string, string> = {
  segmentWorker: src('core', 'inference', 'segmentWorkerBody.ts'),
  brainWorker: src('core', 'prepare', 'brain', 'brainWorkerBody.ts'),
  elastixWorker: src('core', 'prepare', 'registration', 'elastixWorkerBody.ts'),
};

/** Process entries: output name → module. `metakd` is a virtual module that runs the CLI. */
const PROCESS_ENTRIES: Record<string, string> = {
  metakd: 'virtual:metakd-cli',
  server: src('server', 'main.ts'),
  electron: src('electron', 'main.ts'),
};

/**
 * The CLI entry: turns on the compile cache (src-main/cli/codeCache.ts), then loads
 * src-main/cli/main.ts — a chunk of its own, so the cache covers it — and runs `main` (no
 * top-level await in CommonJS).
 */
function cliEntry(): Plugin {
  const id = 'virtual:metakd-cli';
  return {
    name: 'metakd-cli-entry',
    resolveId: (s) => (s === id ? '\0' + id : null),
    load: (s) =>
      s === '\0' + id
        ? "import path from 'node:path';\n" +
          "import { fileURLToPath } from 'node:url';\n" +
          `import { enableCodeCache } from ${JSON.stringify(src('cli', 'codeCache.ts'))};\n` +
          'enableCodeCache(path.dirname(fileURLToPath(import.meta.url)));\n' +
          `void import(${JSON.stringify(src('cli', 'main.ts'))})\n` +
          '  .then(({ main }) => main(process.argv.slice(2)))\n' +
          '  .then((code) => {\n' +
          '    process.exitCode = code;\n' +
          '  });\n'
        : null,
  };
}

/** Production dependencies (package.json), the only packages that may be bundled. */
const PROD_DEPS = Object.keys(
  (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson).dependencies ??
    {},
);
/** Packages with native code or wasm: loaded from node_modules (unpacked from the asar). */
export const NATIVE_PACKAGES = [/^onnxruntime-/, /^@itk-wasm\//, /^@cornerstonejs\/codec-/];

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`). */
function packageName(id: string): string {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * What stays an import at run time: Node builtins, Electron, packages with native code or wasm,
 * and anything that is not a production dependency (a dev dependency reached at run time then
 * fails in the packaged-layout test rather than being bundled). Pure-JS production dependencies
 * (zod, dcmjs-dimse, …) are bundled: one file parses much faster than hundreds. A module may
 * still load one on first use with createRequire (dicom-parser, the wasm codecs): that call is
 * left alone, and the package is then read from node_modules.
 */
export function isExternal(id: string): boolean {
  if (id.startsWith('\0') || id.startsWith('virtual:')) return false;
  if (id.startsWith('.') || path.isAbsolute(id)) return false;
  if (id.startsWith('node:') || builtinModules.includes(id)) return true;
  const name = packageName(id);
  return NATIVE_PACKAGES.some((re) => re.test(name)) || !PROD_DEPS.includes(name);
}

function nodeConfig(): UserConfig {
  return {
    root,
    plugins: [cliEntry()],
    build: {
      ssr: true,
      outDir: MAIN_OUT,
      emptyOutDir: false,
      target: 'node20',
      sourcemap: true,
      minify: false,
      reportCompressedSize: false,
      rollupOptions: {
        input: { ...PROCESS_ENTRIES, ...WORKER_ENTRIES },
        external: isExternal,
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
          chunkFileNames: '[name]-[hash].cjs',
          // Leaner sources for a faster start (issue 13): JSDoc is for readers of src-main, not
          // for V8, and ASCII-only text loads as one-byte strings (a non-ASCII character
          // anywhere makes Node decode the whole file to two bytes per character). Licence
          // comments stay.
          comments: { legal: true, annotation: false, jsdoc: false },
          charset: 'ascii',
        },
      },
    },
    // Vite would externalise every package itself; isExternal decides instead.
    ssr: { noExternal: true },
  };
}

function preloadConfig(): UserConfig {
  return {
    root,
    build: {
      ssr: src('electron', 'preload.ts'),
      outDir: MAIN_OUT,
      emptyOutDir: false,
      target: 'node20',
      sourcemap: true,
      reportCompressedSize: false,
      rollupOptions: {
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: 'preload.cjs' },
      },
    },
    ssr: { noExternal: true },
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'node') return nodeConfig();
  if (mode === 'electron-preload') return preloadConfig();
  return {
    root: path.join(root, 'src-renderer'),
    base: './',
    plugins: [svelte()],
    resolve: {
      alias: { events: path.join(root, 'node_modules', 'events', 'events.js') },
    },
    build: {
      outDir: path.join(root, 'out', 'renderer'),
      emptyOutDir: true,
      target: 'es2022',
      // Cornerstone3D + vtk.js are one large chunk by nature; it loads from disk, not a network.
      chunkSizeWarningLimit: 8192,
      sourcemap: true,
      reportCompressedSize: false,
    },
    worker: { format: 'es' },
    optimizeDeps: { include: ['events'] },
  };
});
