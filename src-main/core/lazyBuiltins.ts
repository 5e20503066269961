/**
 * Node builtins that only some paths of core use, loaded on first use: required at the top of a
 * module they would cost every `metakd` command's start (issue 13) — crypto (about 2 ms, for temp
 * names; `metakd inspect` writes nothing) and zlib (deflated DICOM is rare). Through require, not
 * import(): on Node 20 a chunk holding a dynamic import() is left out of the CLI's compile cache
 * (cli/codeCache.ts; the CLI's own child_process loader, cli/childProcess.ts, is the same idea on
 * the transport side of the import rule).
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

export function nodeCrypto(): typeof import('node:crypto') {
  return requireHere('node:crypto') as typeof import('node:crypto');
}

export function nodeZlib(): typeof import('node:zlib') {
  return requireHere('node:zlib') as typeof import('node:zlib');
}
