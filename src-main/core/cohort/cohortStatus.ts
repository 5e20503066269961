/**
 * Where each case of a cohort stands, from three sources: the case's report.json (done), the
 * scheduler's queue (pending / running) and the exit marker its task left (failed). Pure reading.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPORT_FILE } from '../inference/saveSegmentation.ts';
import { cohortPaths, type CohortRecord } from './cohortRecord.ts';
import type { QueuedTaskState, TaskKey } from './slurm.ts';

/** A case's state. `lost`: its task left the queue without an outcome (time limit, node failure, scancel). */
export type CaseState = 'done' | 'failed' | 'pending' | 'running' | 'lost' | 'not-submitted';

/** One case's status. */
export interface CaseStatus {
  readonly case: string;
  readonly state: CaseState;
  /** Job and array task of its latest submission. */
  readonly jobId?: string;
  readonly task?: number;
  readonly exitCode?: number;
  /** The task's own log (stderr of metakd segment). */
  readonly log?: string;
  /** Last error line of the log, for failed cases. */
  readonly error?: string;
}

/** Counts per state plus the cases. */
export interface CohortStatus {
  readonly outDir: string;
  readonly cases: readonly CaseStatus[];
  readonly counts: Readonly<Record<CaseState, number>>;
}

/** The latest submission that ran `name`, with its task index. */
function latestTask(
  record: CohortRecord,
  name: string,
): { jobId: string; task: number } | undefined {
  for (let s = record.submissions.length - 1; s >= 0; s--) {
    const task = record.submissions[s].cases.indexOf(name);
    if (task >= 0) return { jobId: record.submissions[s].jobId, task };
  }
  return undefined;
}

/** The exit marker `<rc> <jobId> <task>` of a case, if its latest task left one. */
async function readExit(
  exitsDir: string,
  name: string,
): Promise<{ rc: number; jobId: string; task: number } | undefined> {
  const text = await readFile(path.join(exitsDir, `${name}.exit`), 'utf8').catch(() => undefined);
  const m = text && /^(\d+) (\d+) (\d+)/.exec(text.trim());
  return m ? { rc: Number(m[1]), jobId: m[2], task: Number(m[3]) } : undefined;
}

/** Last line of a log that looks like an error, else its last line. */
async function lastErrorLine(log: string): Promise<string | undefined> {
  const text = await readFile(log, 'utf8').catch(() => '');
  const lines = text.trim().split('\n').filter(Boolean);
  return (lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop())?.slice(0, 300);
}

/** Status of every case in `caseNames` given the queue's view of the record's jobs. */
export async function cohortStatus(
  record: CohortRecord,
  caseNames: readonly string[],
  queued: ReadonlyMap<TaskKey, QueuedTaskState>,
): Promise<CohortStatus> {
  const paths = cohortPaths(record.outDir);
  const cases: CaseStatus[] = [];
  for (const name of caseNames) {
    const log = path.join(paths.logs, `${name}.log`);
    const at = latestTask(record, name);
    const q = at && queued.get(`${at.jobId}_${at.task}`);
    if (q === 'pending' || q === 'running') {
      cases.push({ case: name, state: q, ...at });
      continue;
    }
    if (existsSync(path.join(record.outDir, name, REPORT_FILE))) {
      cases.push({ case: name, state: 'done', ...at, exitCode: 0, log });
      continue;
    }
    if (!at) {
      cases.push({ case: name, state: 'not-submitted' });
      continue;
    }
    const exit = await readExit(paths.exits, name);
    if (exit && exit.jobId === at.jobId) {
      const error =
        exit.rc === 0 ? 'finished without writing report.json' : await lastErrorLine(log);
      cases.push({ case: name, state: 'failed', ...at, exitCode: exit.rc, log, error });
      continue;
    }
    cases.push({
      case: name,
      state: 'lost',
      ...at,
      log: path.join(paths.logs, `slurm-${at.jobId}_${at.task}.log`),
      error: 'the task left the queue without an outcome (time limit, node failure or cancelled)',
    });
  }
  const counts = {
    done: 0,
    failed: 0,
    pending: 0,
    running: 0,
    lost: 0,
    'not-submitted': 0,
  } satisfies Record<CaseState, number>;
  for (const c of cases) counts[c.state]++;
  return { outDir: record.outDir, cases, counts };
}
