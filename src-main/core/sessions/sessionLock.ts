/**
 * Serialises load → modify → save of one review session. In this process: a promise chain per
 * session folder (every SessionStore instance shares it). Across processes (the app and a CLI on
 * the same data folder): a lock file created with O_EXCL (`open(…, 'wx')`, atomic on local file
 * systems) holding the owner's pid; a lock whose owner is gone (crash, kill -9) is taken over.
 * Within the lock the caller re-reads session.json, so an edit is applied on top of the other
 * process's last save rather than over a stale copy.
 */
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { createFileExclusive, processAlive } from '../io/atomicWrite.ts';
import { KeyedQueue } from '../keyedQueue.ts';

/** Name of the lock file inside a session folder. */
export const LOCK_FILE = 'session.lock';
/** How long to wait for another process's lock before giving up (an edit takes milliseconds). */
const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 25;

/** Each session folder's queue in this process. */
const queue = new KeyedQueue();

/** Takes the lock file, waiting for a live owner and taking over a dead one's. */
async function acquireFile(lockFile: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await createFileExclusive(lockFile, String(process.pid));
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // No session folder: there is no such session (not an internal error).
      if (code === 'ENOENT') {
        throw new MetaKdError(ErrorCode.NotFound, 'No such review session.', {
          file: path.dirname(lockFile),
          cause: e,
        });
      }
      if (code !== 'EEXIST') throw e;
    }
    const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    // An empty file is a lock being written this instant: wait, do not take it over. Our own
    // pid: the in-process queue says we do not hold it, so an earlier process with our pid left it.
    if (owner > 0 && (owner === process.pid || !processAlive(owner))) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new MetaKdError(
        ErrorCode.SessionInvalid,
        `the review session is being changed by another process (pid ${owner || '?'}); try again.`,
        { file: lockFile },
      );
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

/** Runs `fn` holding the session folder's lock (in-process queue, then the lock file). */
export function withSessionLock<T>(sessionDir: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(sessionDir);
  return queue.run(key, async () => {
    const lockFile = path.join(key, LOCK_FILE);
    await acquireFile(lockFile);
    try {
      return await fn();
    } finally {
      await unlink(lockFile).catch(() => undefined);
    }
  });
}
