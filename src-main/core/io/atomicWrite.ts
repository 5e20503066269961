/**
 * Atomic file writes for everything the app keeps on disk (sessions, exports, outbox items,
 * destinations, NIfTI files, reports): write a temp file in the same folder, fsync it, rename it
 * over the target, then fsync the folder, so a crash leaves the old file or the new one, never half
 * of one, and the rename itself survives a power loss (rename is durable only once the directory
 * entry is on disk: see the "ext4 and data loss" discussion of 2009 and SQLite's atomic-commit notes).
 *
 * Files are created 0600 and folders 0700 from the start (open(2) with the mode, never chmod
 * afterwards): outbox copies and sessions hold patient data, and a file that is 0644 for an instant
 * is readable by anyone who opens it in that instant.
 */
import { open, rename, unlink, mkdir, readdir } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { nodeCrypto } from '../lazyBuiltins.ts';

/** Mode of every file the app writes (owner read/write only). */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of every folder the app creates (owner only). */
export const PRIVATE_DIR_MODE = 0o700;

/** How a failed write is reported. */
export interface AtomicWriteOptions {
  /** Error code of the MetaKdError thrown when the write fails (default ExportInvalid). */
  readonly errorCode?: ErrorCode;
  /** What is being written, for the message (default "the file"). */
  readonly what?: string;
  /** Create the target's folder when it is missing (default true). */
  readonly createFolder?: boolean;
}

/**
 * Temp files are `.<target name>.<pid>.<8 hex>.tmp`: the pid lets a sweep tell an orphan (its
 * writer is gone) from a write in progress in another process.
 */
const TEMP_PATTERN = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Temp files this process is writing now (a sweep leaves them; a same-pid leftover is swept). */
const writing = new Set<string>();

function tempName(file: string): string {
  const { randomBytes } = nodeCrypto(); // loaded with the first write (lazyBuiltins.ts)
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/**
 * fsyncs a folder so a rename in it is durable. Windows cannot open a folder for fsync (EPERM /
 * EISDIR) and makes renames durable itself; there the call is skipped.
 */
export async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch (e) {
    if (process.platform === 'win32') return;
    throw e;
  }
  try {
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Some file systems (e.g. certain network mounts) refuse fsync on a directory.
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw e;
  } finally {
    await fh.close();
  }
}

/** Creates a folder (and its parents) 0700. */
export async function mkdirPrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Writes a temp file 0600 with `fill`, fsyncs it, renames it to `file`, fsyncs the folder. */
async function replaceAtomic(
  file: string,
  fill: (fh: Awaited<ReturnType<typeof open>>) => Promise<void>,
  opts: AtomicWriteOptions,
): Promise<void> {
  const tmp = tempName(file);
  writing.add(tmp);
  try {
    if (opts.createFolder ?? true) await mkdirPrivate(path.dirname(file));
    await sweepFolderOnce(path.dirname(file));
    // 'wx': never follow or reuse an existing path; the mode applies at creation.
    const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    await syncFolder(path.dirname(file));
  } catch (e) {
    await unlink(tmp).catch(() => undefined); // best effort: the temp file may not exist
    throw new MetaKdError(
      opts.errorCode ?? ErrorCode.ExportInvalid,
      `cannot write ${opts.what ?? 'the file'} (${(e as NodeJS.ErrnoException).code ?? String(e)}).`,
      { file, cause: e },
    );
  } finally {
    writing.delete(tmp);
  }
}

/** Writes `data` to `file` atomically (creating the folder unless told not to). */
export async function writeFileAtomic(
  file: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await replaceAtomic(file, (fh) => fh.writeFile(data), opts);
}

/** Writes a value as pretty JSON, atomically. */
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', opts);
}

/**
 * Copies `src` to `dest` atomically as a private file (fs.copyFile would give the copy the
 * source's mode, typically 0644). Streams, so a large DICOM file is not read into memory.
 */
export async function copyFileAtomic(
  src: string,
  dest: string,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await replaceAtomic(
    dest,
    async (fh) => {
      for await (const chunk of createReadStream(src)) await fh.write(chunk as Buffer);
    },
    opts,
  );
}

/**
 * Creates `file` with `text`, private (0600), failing with EEXIST when it already exists (O_EXCL:
 * atomic on local file systems). The primitive of the lock files (sessionLock.ts, sendLock.ts).
 */
export async function createFileExclusive(file: string, text: string): Promise<void> {
  const fh = await open(file, 'wx', PRIVATE_FILE_MODE);
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
}

/** True when a process with this pid exists (a pid we may not signal still exists). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the orphaned temp files among `entries` (see sweepOrphanedTemps); the paths removed. */
async function removeOrphans(
  entries: readonly { name: string; parentPath: string; isFile(): boolean }[],
): Promise<string[]> {
  const removed: string[] = [];
  for (const ent of entries) {
    const m = TEMP_PATTERN.exec(ent.name);
    if (!m || !ent.isFile()) continue;
    const file = path.join(ent.parentPath, ent.name);
    const pid = Number(m[1]);
    // Our own pid: a leftover of an earlier process that had it (containers reuse small pids).
    if (pid === process.pid ? writing.has(file) : processAlive(pid)) continue;
    await unlink(file).then(
      () => removed.push(file),
      () => undefined, // already gone (another sweeper)
    );
  }
  return removed;
}

/** The entries of `dir` (recursively or not); none when it does not exist. */
async function entriesOf(dir: string, recursive: boolean) {
  try {
    return await readdir(dir, { recursive, withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * Removes the temp files of writes that never finished (the writer crashed between open and
 * rename) under `root`, recursively. A temp file whose writer process still runs is left alone: it
 * may be a write in progress in another process. Returns the paths removed.
 */
export async function sweepOrphanedTemps(root: string): Promise<string[]> {
  return removeOrphans(await entriesOf(root, true));
}

/** Folders this process has swept of orphaned temp files before its first write into them. */
const sweptFolders = new Set<string>();

/**
 * Sweeps one folder (not its subfolders) of orphaned temp files, once per process: before the
 * first atomic write into it. A process that does not walk the whole data folder at start (the
 * one-shot CLI, see dataFolder.ts) still leaves no orphan where it writes. Never fails the write.
 */
async function sweepFolderOnce(dir: string): Promise<void> {
  if (sweptFolders.has(dir)) return;
  sweptFolders.add(dir);
  try {
    await removeOrphans(await entriesOf(dir, false));
  } catch {
    // An unreadable folder: the write itself reports what is wrong with it.
  }
}
