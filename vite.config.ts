/**
 * Vite builds, by mode:
 * - default: the renderer (Svelte 5), root src-renderer → out/renderer, relative asset paths so the
 *   same build loads from file:// in Electron and from 127.0.0.1 in web mode. vtk.js (inside
 *   Cornerstone3D) imports Node's `events`; the npm `events` package stands in.
 * - `--mode electron-main`: src-main/electron/main.ts → out/electron/main.js (ESM, Node; npm
 *   dependencies stay external and ship in the asar, native onnxruntime unpacked).
 * - `--mode electron-preload`: src-main/electron/preload.ts → out/electron/preload.cjs (one CommonJS
 *   file: sandboxed preloads cannot load ESM or other files).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = path.dirname(fileURLToPath(import.meta.url));
const electronOut = path.join(root, 'out', 'electron');

/**
 * Entry points of the main-process bundle. The segmentation worker is its own entry because
 * core/inference/segmentInWorker.ts starts it by URL next to the calling module
 * (`new URL('./segmentWorker.mjs', import.meta.url)`), which in the bundle is out/electron/.
 */
const MAIN_ENTRIES = {
  main: path.join(root, 'src-main', 'electron', 'main.ts'),
  segmentWorker: path.join(root, 'src-main', 'core', 'inference', 'segmentWorker.mjs'),
};

function electronConfig(entry: 'main' | 'preload'): UserConfig {
  const preload = entry === 'preload';
  return {
    root,
    build: {
      ssr: preload ? path.join(root, 'src-main', 'electron', 'preload.ts') : true,
      outDir: electronOut,
      emptyOutDir: false,
      target: 'node20',
      sourcemap: false,
      rollupOptions: {
        input: preload ? undefined : MAIN_ENTRIES,
        external: preload ? ['electron'] : ['electron', 'onnxruntime-node', /^node:/],
        output: {
          format: preload ? 'cjs' : 'es',
          entryFileNames: preload
            ? 'preload.cjs'
            : (chunk) => (chunk.name === 'segmentWorker' ? 'segmentWorker.mjs' : '[name].js'),
        },
      },
    },
    ssr: preload ? { noExternal: true } : {},
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'electron-main') return electronConfig('main');
  if (mode === 'electron-preload') return electronConfig('preload');
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
      sourcemap: false,
    },
    worker: { format: 'es' },
    optimizeDeps: { include: ['events'] },
  };
});
