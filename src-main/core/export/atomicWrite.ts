/**
 * Atomic file writes for exports, the outbox and the destination config: write a temp file in the
 * same folder, fsync it, then rename over the target, so a crash leaves the old file or the new one,
 * never half of one.
 */
import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';

/** Writes `data` to `file` atomically, creating the folder when needed. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
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
      ErrorCode.ExportInvalid,
      `cannot write the file (${(e as NodeJS.ErrnoException).code ?? String(e)}).`,
      { file, cause: e },
    );
  }
}

/** Writes a value as pretty JSON, atomically. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
