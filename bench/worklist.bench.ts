/**
 * `node bin/run-ts.mjs bench/worklist.bench.ts`: how long the worklist of a 100-case project takes
 * to build (api `getWorklist`, in process: project file, 100 case records, the session records of
 * 3 readers × 100 cases with edits and audit trails), median of BENCH_RUNS calls after one warm-up.
 * The sessions are real SessionStore sessions on a small grid (the worklist reads their records,
 * never their labelmaps). Writes bench/results/worklist.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiService } from '../src-main/api/service.ts';
import { ProjectStore } from '../src-main/core/projects/ProjectStore.ts';
import type { CaseAnnotation } from '../src-main/core/projects/projectTypes.ts';
import { SessionStore } from '../src-main/core/sessions/SessionStore.ts';
import { loadNote } from './machineLoad.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 9));
const CASES = 100;
const READERS = ['ann', 'bob', 'cat'];
const EDITS = 10;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-bench-worklist-'));
try {
  const cases = path.join(dir, 'cases');
  for (let i = 0; i < CASES; i++)
    await mkdir(path.join(cases, `case_${String(i).padStart(3, '0')}`), { recursive: true });
  const dataDir = path.join(dir, 'data');
  const api = createApiService({
    appVersion: 'bench',
    dataDir,
    modelsDir: path.join(repoRoot, 'models'),
  });
  const p = await api.invoke('createProject', { folder: cases, name: 'bench', readers: READERS });
  const projects = new ProjectStore(dataDir);
  const sessions = new SessionStore(dataDir);
  const geometry = {
    dims: [32, 32, 32] as const,
    spacing: [1, 1, 1] as const,
    originLps: [0, 0, 0] as const,
    directionLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ] as const,
  };
  const tSetup = performance.now();
  for (const c of p.cases) {
    const annotations: CaseAnnotation[] = [];
    for (const reader of READERS) {
      const s = await sessions.create({
        studyId: c.path,
        sourcePath: c.path,
        reader,
        model: { name: 'metakd-brats', version: '1.0.1', provider: 'cpu' },
        sequencesUsed: ['flair', 't1', 't1ce', 't2'],
        referenceSeriesId: 's',
        geometry,
        labels: new Uint8Array(32 ** 3),
      });
      for (let e = 0; e < EDITS; e++)
        await sessions.edit(s.record.id, reader, {
          kind: 'paintSphere',
          centerIjk: [16, 16, e + 5],
          radiusMm: 3,
          label: 2,
          plane: 'axial',
        });
      if (reader !== 'cat') await sessions.signOff(s.record.id, reader);
      annotations.push({
        reader,
        sessionId: s.record.id,
        origin: 'model' as const,
        startedAt: s.record.createdAt,
      });
    }
    await projects.updateCase(p.id, c.id, (r) => ({
      ...r,
      model: { status: 'done', present: ['flair', 't1ce', 't2'] },
      annotations,
    }));
  }
  const setupS = (performance.now() - tSetup) / 1000;
  await api.invoke('getWorklist', { projectId: p.id }); // warm-up
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const w = await api.invoke('getWorklist', { projectId: p.id });
    times.push(performance.now() - t);
    rows = w.rows.length;
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const md = [
    '# Worklist benchmark',
    '',
    `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${loadNote()}.`,
    `Date: ${new Date().toISOString()}. Command: \`node bin/run-ts.mjs bench/worklist.bench.ts\`.`,
    '',
    `Project of ${CASES} cases × ${READERS.length} readers (${CASES * READERS.length} sessions with ${EDITS} edits each, 2 of 3 signed off); setup took ${setupS.toFixed(0)} s.`,
    '',
    '| what | median (ms) | min | max | runs |',
    '| --- | --- | --- | --- | --- |',
    `| api getWorklist (${rows} rows, in process) | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${Math.max(...times).toFixed(0)} | ${RUNS} |`,
    '',
    'Goal (issue 14): the worklist of 100 cases opens in ≤ 1 s. Not included: the HTTP round trip',
    'of web mode and drawing the table.',
    '',
  ].join('\n');
  await writeFile(path.join(repoRoot, 'bench', 'results', 'worklist.md'), md);
  process.stdout.write(md);
} finally {
  await rm(dir, { recursive: true, force: true });
}
