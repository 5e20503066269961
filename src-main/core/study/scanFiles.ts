/**
 * Lists the files under a path for import: recursive, sorted, symlinks followed once, hidden
 * system files (.DS_Store, Thumbs.db) ignored. Also the small path predicates import uses.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';

/** NIfTI file names: .nii and .nii.gz (case-insensitive). */
const NIFTI_NAME = /\.nii(\.gz)?$/i;
/** Desktop clutter that is never an image and not worth reporting as skipped. */
const IGNORED_NAMES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);

/** True for `.nii` / `.nii.gz` paths. */
export function isNiftiPath(file: string): boolean {
  return NIFTI_NAME.test(file);
}

/** The NIfTI file a `.json` sidecar belongs to, when such a sibling is in `files`. */
export function sidecarOwner(file: string, niftiFiles: ReadonlySet<string>): string | undefined {
  if (!file.toLowerCase().endsWith('.json')) return undefined;
  const base = file.slice(0, -'.json'.length);
  for (const ext of ['.nii.gz', '.nii']) {
    if (niftiFiles.has(base + ext)) return base + ext;
  }
  return undefined;
}

/**
 * File-name order: case-insensitive, then by UTF-16 code units. Locale-independent, so a folder
 * lists (and its NIfTI series appear) in the same order on every machine, and cheap: an ICU
 * collator cost `metakd inspect` 9–25 ms to create (issue 13). Slice order never depends on it
 * (DICOM slices are ordered by geometry).
 */
export function compareFileNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Recursively lists regular files under `dir` (absolute, sorted). `dir` is normalised once;
 * below it, names are appended with the separator (an entry name holds none), which is what
 * path.join would give without normalising every one of hundreds of paths again (issue 13).
 */
export async function listFiles(dir: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const prefix = d.endsWith(path.sep) ? d : d + path.sep;
    throwIfCancelled(signal);
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => compareFileNames(a.name, b.name));
    for (const e of entries) {
      if (IGNORED_NAMES.has(e.name.toLowerCase())) continue;
      const full = prefix + e.name;
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out.push(full);
      else if (e.isSymbolicLink()) {
        const st = await stat(full).catch(() => undefined);
        if (st?.isFile()) out.push(full);
      }
    }
  };
  await walk(path.resolve(dir));
  return out;
}

/** Stats a path or throws NotFound naming it. */
export async function statPath(p: string): Promise<{ isDirectory: boolean; size: number }> {
  try {
    const st = await stat(p);
    return { isDirectory: st.isDirectory(), size: st.size };
  } catch (e) {
    throw new MetaKdError(ErrorCode.NotFound, 'no such file or folder.', { file: p, cause: e });
  }
}
