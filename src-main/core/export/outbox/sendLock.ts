/**
 * One sender per outbox item across processes. The app's background loop and a `metakd send` in
 * a terminal share the data folder: without this both could send the same item at once (every
 * instance twice) and each would overwrite the other's delivered marks in item.json. The lock is
 * a file created exclusively (O_EXCL) in the item's folder, holding the owner's pid, host and
 * start time. A lock left by a process that died is taken over: on this host when its pid is gone
 * or it predates the last boot; a lock written on another host (a data folder on a network share)
 * once it is older than FOREIGN_STALE_MS.
 *
 * Two processes that find the same dead lock in the same instant could both take it over (each
 * removes it and creates its own); that needs two senders starting within microseconds of each
 * other after a crash, and is accepted. Unlike a session's lock (sessionLock.ts), which is held
 * for milliseconds and waited for, a send lock is held for as long as a PACS takes, so a second
 * sender is refused at once instead of waiting.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createFileExclusive, processAlive } from '../../io/atomicWrite.ts';

/** The lock's file name inside an item's folder. */
export const SEND_LOCK_FILE = 'sending.lock';
/** A lock from another host older than this is taken over (no way to ask that host). */
const FOREIGN_STALE_MS = 6 * 60 * 60_000;
/** An unreadable lock (its owner died between creating and writing it) older than this is stale. */
const UNREADABLE_STALE_MS = 10_000;

/** Who holds a lock. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO time the send started. */
  readonly since: string;
}

/** A lock this process holds. */
export interface HeldLock {
  release(): Promise<void>;
}

function isOwner(v: unknown): v is LockOwner {
  const o = v as Partial<LockOwner> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    Number.isInteger(o.pid) &&
    typeof o.host === 'string' &&
    typeof o.since === 'string'
  );
}

/** Whether the lock at `file` (owner `owner`, or undefined when unreadable) is still live. */
async function isLive(file: string, owner: LockOwner | undefined, now: number): Promise<boolean> {
  if (!owner) {
    const st = await stat(file).catch(() => undefined);
    return st !== undefined && now - st.mtimeMs < UNREADABLE_STALE_MS;
  }
  const since = Date.parse(owner.since);
  if (owner.host !== os.hostname()) return !(now - since > FOREIGN_STALE_MS);
  const bootedAt = now - os.uptime() * 1000;
  return since >= bootedAt && processAlive(owner.pid);
}

async function readOwner(file: string): Promise<LockOwner | undefined | 'absent'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  try {
    const v: unknown = JSON.parse(text);
    return isOwner(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live holder of item folder `itemDir`'s lock other than this process, if any (a dead
 * holder's lock counts as free).
 */
export async function sendLockHolder(itemDir: string): Promise<LockOwner | undefined> {
  const file = path.join(itemDir, SEND_LOCK_FILE);
  const owner = await readOwner(file);
  if (owner === 'absent') return undefined;
  if (!(await isLive(file, owner, Date.now()))) return undefined;
  return owner ?? { pid: 0, host: '(unknown)', since: new Date().toISOString() };
}

/**
 * Takes item folder `itemDir`'s lock, taking over a dead holder's; returns the live holder instead
 * when another process has it.
 * @throws the file system's error (ENOENT when the item's folder is gone)
 */
export async function takeSendLock(itemDir: string): Promise<HeldLock | { heldBy: LockOwner }> {
  const file = path.join(itemDir, SEND_LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await createFileExclusive(file, JSON.stringify(me));
      return { release: () => rm(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await sendLockHolder(itemDir);
    if (holder) return { heldBy: holder };
    await rm(file, { force: true }); // a dead holder's: take it over (one more try)
  }
  const holder = await sendLockHolder(itemDir);
  return { heldBy: holder ?? { pid: 0, host: '(unknown)', since: new Date().toISOString() } };
}
