/**
 * Cohorts on a cluster: submit the cases of a folder as one array job (skipping the finished ones),
 * report where each case stands, and merge the per-case reports into one summary.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite.ts';
import { REPORT_FILE } from '../inference/saveSegmentation.ts';
import { listCohortCases } from './cohortCases.ts';
import type { CohortEngine } from './cohortEngine.ts';
import {
  COHORT_FORMAT,
  cohortPaths,
  readCohortRecord,
  writeCohortRecord,
  type CohortRecord,
} from './cohortRecord.ts';
import { cohortStatus, type CaseStatus, type CohortStatus } from './cohortStatus.ts';
import { buildSlurmArrayScript, type SlurmResources } from './slurmScript.ts';
import { cohortSummaryTsv, summaryRow, type CohortSummaryRow } from './cohortSummary.ts';

/** What to submit. */
export interface SubmitCohortParams {
  readonly sourceDir: string;
  readonly outDir: string;
  readonly engine: CohortEngine;
  /** argv that runs metakd on the cluster nodes. */
  readonly metakd: readonly string[];
  readonly segmentArgs?: readonly string[];
  readonly resources?: SlurmResources;
  /** Write the script and case list but do not submit. */
  readonly dryRun?: boolean;
}

/** What a submission did. */
export interface SubmitCohortResult {
  /** The new job's id; null when nothing needed to run (or a dry run). */
  readonly jobId: string | null;
  readonly submitted: readonly string[];
  /** Cases left out, with why (done, queued). */
  readonly skipped: readonly { case: string; state: CaseStatus['state'] }[];
  readonly scriptFile: string | null;
}

/** States whose case is (re)submitted. */
const RESUBMIT = new Set<CaseStatus['state']>(['not-submitted', 'failed', 'lost']);

async function loadOrCreate(p: SubmitCohortParams): Promise<CohortRecord> {
  const existing = await readCohortRecord(p.outDir);
  if (existing) {
    if (path.resolve(existing.sourceDir) !== path.resolve(p.sourceDir)) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `this output folder belongs to the cohort ${existing.sourceDir}; use another --out for ${p.sourceDir}.`,
        { file: cohortPaths(p.outDir).record },
      );
    }
    return existing;
  }
  return {
    format: COHORT_FORMAT,
    engine: p.engine.name,
    sourceDir: path.resolve(p.sourceDir),
    outDir: path.resolve(p.outDir),
    createdAt: new Date().toISOString(),
    segmentArgs: p.segmentArgs ?? [],
    resources: p.resources ?? {},
    submissions: [],
  };
}

/** The status of every case of the record's cohort folder. */
export async function statusOfCohort(outDir: string, engine: CohortEngine): Promise<CohortStatus> {
  const record = await readCohortRecord(outDir);
  if (!record) {
    throw new MetaKdError(
      ErrorCode.NotFound,
      'no cohort here: cohort.json is missing (run `metakd cohort submit` with this --out first).',
      { file: cohortPaths(outDir).record },
    );
  }
  const names = listCohortCases(record.sourceDir).map((c) => c.name);
  const queued = await engine.queued(record.submissions.map((s) => s.jobId));
  return cohortStatus(record, names, queued);
}

/** Submits every case that is not finished and not queued, as one array job. */
export async function submitCohort(p: SubmitCohortParams): Promise<SubmitCohortResult> {
  const cases = listCohortCases(p.sourceDir);
  let record = await loadOrCreate(p);
  const paths = cohortPaths(record.outDir);
  const queued = await p.engine.queued(record.submissions.map((s) => s.jobId));
  const status = await cohortStatus(
    record,
    cases.map((c) => c.name),
    queued,
  );
  const todo = status.cases.filter((c) => RESUBMIT.has(c.state)).map((c) => c.case);
  const skipped = status.cases
    .filter((c) => !RESUBMIT.has(c.state))
    .map((c) => ({ case: c.case, state: c.state }));
  if (todo.length === 0) return { jobId: null, submitted: [], skipped, scriptFile: null };

  await mkdir(paths.exits, { recursive: true, mode: 0o700 });
  await mkdir(paths.logs, { recursive: true, mode: 0o700 });
  const n = record.submissions.length + 1;
  const casesFile = path.join(paths.work, `submit-${n}.cases`);
  const scriptFile = path.join(paths.work, `submit-${n}.sbatch`);
  await writeFileAtomic(casesFile, todo.join('\n') + '\n', { what: 'the case list' });
  const script = buildSlurmArrayScript({
    jobName: `metakd-${path.basename(record.sourceDir)}`.slice(0, 60),
    casesFile,
    caseCount: todo.length,
    sourceDir: record.sourceDir,
    outDir: record.outDir,
    logDir: paths.logs,
    exitDir: paths.exits,
    metakd: p.metakd,
    segmentArgs: record.segmentArgs,
    resources: record.resources,
  });
  await writeFile(scriptFile, script, { mode: 0o700 });
  if (p.dryRun) return { jobId: null, submitted: todo, skipped, scriptFile };

  // A stale marker of an earlier failed run must not be read as this run's outcome.
  await Promise.all(todo.map((c) => rm(path.join(paths.exits, `${c}.exit`), { force: true })));
  const jobId = await p.engine.submit(scriptFile);
  record = {
    ...record,
    submissions: [
      ...record.submissions,
      { jobId, submittedAt: new Date().toISOString(), cases: todo, casesFile, scriptFile },
    ],
  };
  await writeCohortRecord(record);
  return { jobId, submitted: todo, skipped, scriptFile };
}

/** What collect wrote. */
export interface CollectCohortResult {
  readonly status: CohortStatus;
  readonly rows: readonly CohortSummaryRow[];
  readonly summaryJson: string;
  readonly summaryTsv: string;
}

/** Merges the finished cases' reports (and the others' states) into summary.json / summary.tsv. */
export async function collectCohort(
  outDir: string,
  engine: CohortEngine,
): Promise<CollectCohortResult> {
  const status = await statusOfCohort(outDir, engine);
  const rows: CohortSummaryRow[] = [];
  for (const c of status.cases) {
    let report: unknown;
    if (c.state === 'done') {
      const file = path.join(outDir, c.case, REPORT_FILE);
      try {
        report = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new MetaKdError(ErrorCode.InvalidArgument, `cannot read the case report.`, {
          file,
          cause: e,
        });
      }
    }
    rows.push(summaryRow(c, report));
  }
  const paths = cohortPaths(outDir);
  const summary = {
    path: status.outDir,
    cases: rows.length,
    ok: rows.filter((r) => r.status === 'ok').length,
    counts: status.counts,
    outcomes: rows,
  };
  await writeJsonAtomic(paths.summaryJson, summary, { what: 'summary.json' });
  await writeFileAtomic(paths.summaryTsv, cohortSummaryTsv(rows), { what: 'summary.tsv' });
  return { status, rows, summaryJson: paths.summaryJson, summaryTsv: paths.summaryTsv };
}
