/**
 * The cohort record: `<out>/cohort.json`, what was submitted where, so that status, collect and a
 * re-submission know which array task ran which case. Written atomically, owner-only.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { writeJsonAtomic } from '../io/atomicWrite.ts';
import type { SlurmResources } from './slurmScript.ts';

/** Format tag of cohort.json. */
export const COHORT_FORMAT = 'metakd-cohort/1';

/** One sbatch submission: array task i ran cases[i]. */
export interface CohortSubmission {
  readonly jobId: string;
  readonly submittedAt: string;
  readonly cases: readonly string[];
  readonly casesFile: string;
  readonly scriptFile: string;
}

/** What cohort.json holds. */
export interface CohortRecord {
  readonly format: typeof COHORT_FORMAT;
  readonly engine: 'slurm';
  /** Folder holding the case folders. */
  readonly sourceDir: string;
  readonly outDir: string;
  readonly createdAt: string;
  /** `metakd segment` options every task gets. */
  readonly segmentArgs: readonly string[];
  readonly resources: SlurmResources;
  readonly submissions: readonly CohortSubmission[];
}

/** The files of a cohort output folder. */
export function cohortPaths(outDir: string) {
  const work = path.join(outDir, '.cohort');
  return {
    record: path.join(outDir, 'cohort.json'),
    work,
    exits: path.join(work, 'exit'),
    logs: path.join(outDir, 'logs'),
    summaryJson: path.join(outDir, 'summary.json'),
    summaryTsv: path.join(outDir, 'summary.tsv'),
  };
}

/** Reads `<out>/cohort.json`; undefined when there is none yet. */
export async function readCohortRecord(outDir: string): Promise<CohortRecord | undefined> {
  const file = cohortPaths(outDir).record;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MetaKdError(ErrorCode.NotFound, `cannot read the cohort record.`, { file, cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `the cohort record is not valid JSON (${(e as Error).message}); it was edited or damaged — restore it or submit into a new output folder.`,
      { file, cause: e },
    );
  }
  const r = value as Partial<CohortRecord>;
  if (
    r?.format !== COHORT_FORMAT ||
    typeof r.sourceDir !== 'string' ||
    !Array.isArray(r.submissions) ||
    !r.submissions.every((s) => typeof s?.jobId === 'string' && Array.isArray(s.cases))
  ) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `not a ${COHORT_FORMAT} record (missing format, sourceDir or submissions).`,
      { file },
    );
  }
  return r as CohortRecord;
}

/** Writes the record atomically with owner-only permissions. */
export async function writeCohortRecord(record: CohortRecord): Promise<void> {
  await writeJsonAtomic(cohortPaths(record.outDir).record, record, {
    errorCode: ErrorCode.InvalidArgument,
    what: 'the cohort record',
  });
}
