/**
 * Where a worker thread's entry lies: from source (a checkout run through tsx) the `<name>.mjs`
 * bootstrap next to the calling module, which registers tsx and loads the TypeScript body; from
 * the build the bundled `out/main/<name>.cjs` (vite.config.ts WORKER_ENTRIES), next to the chunk
 * the calling module was bundled into. Pure.
 */
export function workerEntryUrl(name: string, moduleUrl: string): URL {
  const fromSource = new URL(moduleUrl).pathname.endsWith('.ts');
  return new URL(`./${name}${fromSource ? '.mjs' : '.cjs'}`, moduleUrl);
}
