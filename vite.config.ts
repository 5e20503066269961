/**
 * Vite build of the renderer (Svelte 5): root src-renderer, output out/renderer, relative asset
 * paths so the same build loads from file:// in Electron and from 127.0.0.1 in web mode.
 * vtk.js (inside Cornerstone3D) imports Node's `events`; the npm `events` package stands in.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
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
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
  },
  worker: { format: 'es' },
  optimizeDeps: { include: ['events'] },
});
