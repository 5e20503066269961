/**
 * Case states from the three sources (report.json, the queue, the exit marker) — the queue is a
 * plain map here; the real Slurm is in test/integration/cohort.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cohortStatus } from '../../../src-main/core/cohort/cohortStatus.ts';
import {
  COHORT_FORMAT,
  cohortPaths,
  readCohortRecord,
  type CohortRecord,
} from '../../../src-main/core/cohort/cohortRecord.ts';
import type { QueuedTaskState, TaskKey } from '../../../src-main/core/cohort/slurm.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(): CohortRecord {
  const out = mkdtempSync(path.join(tmpdir(), 'metakd-cohort-unit-'));
  dirs.push(out);
  mkdirSync(cohortPaths(out).exits, { recursive: true });
  mkdirSync(cohortPaths(out).logs, { recursive: true });
  return {
    format: COHORT_FORMAT,
    engine: 'slurm',
    sourceDir: '/src',
    outDir: out,
    createdAt: '2026-01-01T00:00:00Z',
    segmentArgs: [],
    resources: {},
    submissions: [
      {
        jobId: '7',
        submittedAt: '',
        cases: ['a', 'b', 'c', 'd', 'e'],
        casesFile: '',
        scriptFile: '',
      },
      { jobId: '9', submittedAt: '', cases: ['c'], casesFile: '', scriptFile: '' },
    ],
  };
}

describe('cohortStatus', () => {
  it('tells done, failed, queued, lost and never-submitted cases apart', async () => {
    const r = setup();
    const p = cohortPaths(r.outDir);
    mkdirSync(path.join(r.outDir, 'a'));
    writeFileSync(path.join(r.outDir, 'a', 'report.json'), '{}');
    writeFileSync(path.join(p.exits, 'b.exit'), '3 7 1\n');
    writeFileSync(
      path.join(p.logs, 'b.log'),
      'reading\nerror: NO_IMAGES: /src/b: no study found.\n',
    );
    // c failed in job 7 but was re-submitted as job 9, task 0, which is running now
    writeFileSync(path.join(p.exits, 'c.exit'), '1 7 2\n');
    const queued = new Map<TaskKey, QueuedTaskState>([
      ['9_0', 'running'],
      ['7_3', 'pending'],
    ]);
    const s = await cohortStatus(r, ['a', 'b', 'c', 'd', 'e', 'f'], queued);
    const state = Object.fromEntries(s.cases.map((c) => [c.case, c.state]));
    expect(state).toEqual({
      a: 'done',
      b: 'failed',
      c: 'running',
      d: 'pending',
      e: 'lost',
      f: 'not-submitted',
    });
    const b = s.cases.find((c) => c.case === 'b')!;
    expect(b.exitCode).toBe(3);
    expect(b.error).toContain('NO_IMAGES');
    expect(s.counts).toMatchObject({ done: 1, failed: 1, running: 1, pending: 1, lost: 1 });
  });

  it('does not read an older job’s marker as the latest task’s outcome', async () => {
    const r = setup();
    writeFileSync(path.join(cohortPaths(r.outDir).exits, 'c.exit'), '1 7 2\n');
    const s = await cohortStatus(r, ['c'], new Map());
    expect(s.cases[0]).toMatchObject({ state: 'lost', jobId: '9', task: 0 });
  });

  it('refuses a hand-broken cohort.json with a clear error naming the file', async () => {
    const r = setup();
    writeFileSync(cohortPaths(r.outDir).record, '{"format": "metakd-cohort/1", ');
    await expect(readCohortRecord(r.outDir)).rejects.toThrow(/not valid JSON/);
  });
});
