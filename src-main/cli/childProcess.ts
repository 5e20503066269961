/**
 * node:child_process, loaded on first use: only `metakd web` and batch runs spawn, and loading it
 * would cost every command's start (issue 13). Through require, not import(): a chunk that holds
 * a dynamic import() is left out of the compile cache (codeCache.ts).
 */
import { createRequire } from 'node:module';

export function childProcess(): typeof import('node:child_process') {
  return createRequire(import.meta.url)(
    'node:child_process',
  ) as typeof import('node:child_process');
}
