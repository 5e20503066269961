/**
 * Makes sure the built renderer exists and is not older than its sources before web mode serves
 * it, so `npm run web` on a fresh checkout (or after an edit) shows the current UI.
 */
import path from 'node:path';
import { readdir, stat, utimes } from 'node:fs/promises';

/** Newest modification time (ms) of any file below `dir`; 0 when the folder is absent. */
async function newestMtime(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  let newest = 0;
  for (const e of entries) {
    if (!e.isFile()) continue;
    const info = await stat(path.join(e.parentPath, e.name)).catch(() => null);
    if (info && info.mtimeMs > newest) newest = info.mtimeMs;
  }
  return newest;
}

/** Where things are. */
export interface RendererPaths {
  /** Repository root (holds vite.config.ts). */
  readonly root: string;
  /** Build output folder (out/renderer). */
  readonly outDir: string;
}

/** Builds the renderer with Vite when out/renderer is missing or older than src-renderer. */
export async function ensureRendererBuilt(
  paths: RendererPaths,
  log: (line: string) => void,
): Promise<void> {
  const built = await stat(path.join(paths.outDir, 'index.html')).catch(() => null);
  const sources = Math.max(
    await newestMtime(path.join(paths.root, 'src-renderer')),
    await newestMtime(path.join(paths.root, 'vite.config.ts')).catch(() => 0),
  );
  if (built && built.mtimeMs >= sources) return;
  log(built ? 'Renderer sources changed; rebuilding…' : 'Building the renderer (first run)…');
  const started = new Date();
  const { build } = await import('vite');
  await build({
    configFile: path.join(paths.root, 'vite.config.ts'),
    logLevel: 'warn',
  });
  // Date the build by when it started, not when it finished: a source saved while Vite was
  // running is then newer than the build, and the next start rebuilds.
  await utimes(path.join(paths.outDir, 'index.html'), started, started);
}
