/**
 * The cases of a cohort folder: one sub-folder per case (a NIfTI case or a DICOM study, as import
 * takes them). Pure listing, no import: a case that fails to import fails in its own task.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';

/** One case of a cohort. */
export interface CohortCase {
  /** Sub-folder name; also the name of its output folder. */
  readonly name: string;
  /** Absolute path of the case folder. */
  readonly path: string;
}

/**
 * Characters a case name may not hold: the case list is one name per line and the names become
 * output folder names, so line breaks, tabs and path separators are refused rather than mangled.
 */
const UNSAFE_NAME = /[\n\r\t/\\]/;

/** Lists the case sub-folders of `folder`, sorted by name (hidden folders are left out). */
export function listCohortCases(folder: string): CohortCase[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (e) {
    throw new MetaKdError(
      ErrorCode.NotFound,
      `cannot read the cohort folder (${(e as NodeJS.ErrnoException).code ?? String(e)}).`,
      { file: folder, cause: e },
    );
  }
  const cases = names
    .filter((n) => !n.startsWith('.') && statSync(path.join(folder, n)).isDirectory())
    .sort()
    .map((name) => ({ name, path: path.join(folder, name) }));
  const bad = cases.filter((c) => UNSAFE_NAME.test(c.name));
  if (bad.length) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `case folder names with line breaks, tabs or slashes cannot be scheduled: ${bad
        .map((c) => JSON.stringify(c.name))
        .join(', ')}. Rename them.`,
      { file: folder },
    );
  }
  if (cases.length === 0) {
    throw new MetaKdError(
      ErrorCode.EmptyFolder,
      'the cohort folder has no case sub-folders (one folder per case is expected).',
      { file: folder },
    );
  }
  return cases;
}
