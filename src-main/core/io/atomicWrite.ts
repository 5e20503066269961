/**
 * Atomic file writes for everything the app keeps on disk (sessions, exports, outbox items,
 * destinations, NIfTI files, reports): write a temp file in the same folder, fsync it, then rename
 * over the target, so a crash leaves the old file or the new one, never half of one.
 */
import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';

/** How a failed write is reported. */
export interface AtomicWriteOptions {
  /** Error code of the MetaKdError thrown when the write fails (default ExportInvalid). */
  readonly errorCode?: ErrorCode;
  /** What is being written, for the message (default "the file"). */
  readonly what?: string;
  /** Create the target's folder when it is missing (default true). */
  readonly createFolder?: boolean;
}

/** Writes `data` to `file` atomically (creating the folder unless told not to). */
export async function writeFileAtomic(
  file: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    if (opts.createFolder ?? true) await mkdir(path.dirname(file), { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined); // best effort: the temp file may not exist
    throw new MetaKdError(
      opts.errorCode ?? ErrorCode.ExportInvalid,
      `cannot write ${opts.what ?? 'the file'} (${(e as NodeJS.ErrnoException).code ?? String(e)}).`,
      { file, cause: e },
    );
  }
}

/** Writes a value as pretty JSON, atomically. */
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', opts);
}
