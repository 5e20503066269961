/**
 * The app's data folder (settings, sessions, outbox, destinations, exports): created 0700, tightened
 * to 0700 when an older version left it readable by others, and swept of the temp files of writes
 * a crash interrupted. Run once when the service starts, before anything reads the folder.
 */
import { chmod, stat } from 'node:fs/promises';
import { PRIVATE_DIR_MODE, mkdirPrivate, sweepOrphanedTemps } from './atomicWrite.ts';

/** What preparing the data folder did. */
export interface PreparedDataFolder {
  /** True when the folder existed with group/other permissions and was set to 0700. */
  readonly tightened: boolean;
  /** Orphaned temp files removed. */
  readonly sweptTemps: readonly string[];
}

/** Group and other permission bits. */
const NOT_OWNER_BITS = 0o077;

/**
 * Creates (0700) or tightens the data folder and, unless `sweep` is false, removes orphaned temp
 * files anywhere in it. Without the sweep, atomicWrite.ts still sweeps each folder before this
 * process's first write into it.
 */
export async function prepareDataFolder(
  dataDir: string,
  { sweep = true }: { readonly sweep?: boolean } = {},
): Promise<PreparedDataFolder> {
  await mkdirPrivate(dataDir);
  const st = await stat(dataDir);
  // Only POSIX modes mean anything here; Windows reports 0o666/0o777-style modes for everything.
  const tightened = process.platform !== 'win32' && (st.mode & NOT_OWNER_BITS) !== 0;
  if (tightened) await chmod(dataDir, PRIVATE_DIR_MODE);
  return { tightened, sweptTemps: sweep ? await sweepOrphanedTemps(dataDir) : [] };
}
