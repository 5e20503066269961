/**
 * Expands what the user asked to send (files and folders) into the DICOM files to queue: a folder
 * contributes every file under it that starts like DICOM Part 10 ("DICM" at byte 128).
 */
import { readdir, stat, open } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../../errors.ts';

const PREAMBLE = 128;
const MAGIC = 'DICM';

async function isPart10(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(PREAMBLE + MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.toString('latin1', PREAMBLE) === MAGIC;
  } finally {
    await fh.close();
  }
}

/** The DICOM files named by `paths` (files as given, folders searched recursively, sorted). */
export async function collectDicomFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    const st = await stat(abs).catch(() => undefined);
    if (!st) throw new MetaKdError(ErrorCode.NotFound, 'does not exist.', { file: abs });
    if (!st.isDirectory()) {
      out.push(abs);
      continue;
    }
    const names = (await readdir(abs, { recursive: true })).map((n) => path.join(abs, n)).sort();
    for (const f of names) {
      if ((await stat(f)).isFile() && (await isPart10(f))) out.push(f);
    }
  }
  if (out.length === 0) {
    throw new MetaKdError(ErrorCode.NoImages, `No DICOM files to send in ${paths.join(', ')}.`);
  }
  return out;
}
