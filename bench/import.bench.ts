/**
 * `npm run bench:import`: how fast import is, next to dcm2niix on the same machine and files.
 *
 * 1. Loads one BraTS case (its four .nii.gz, linked into a temp folder) with importPath.
 * 2. Writes that case as a four-series DICOM study (the study generator, 620 files) to a temp
 *    folder, then imports it with importPath and converts it with `dcm2niix` (Debian package),
 *    alternating the two so both see the same cache and machine load.
 * Each timing is the median of RUNS runs after one warm-up run. Results go to
 * bench/results/import.md (machine, date, command, numbers, ratio) and stdout.
 * Env: BENCH_CASE (case folder; default the first brats18 case), BENCH_RUNS (default 7).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importPath } from '../src-main/core/study/importStudy.ts';
import {
  findBratsCaseFiles,
  writeMrStudyFromBratsCase,
} from '../src-main/core/io/dicom/writeMrStudy.ts';
import { loadNote } from './machineLoad.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.METAKD_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));

/** Median of a list of numbers. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time of an async function in ms. */
async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Runs dcm2niix on `dicomDir`, writing into a fresh folder; returns wall ms. */
function runDcm2niix(dicomDir: string, outDir: string): number {
  const t = performance.now();
  const r = spawnSync('dcm2niix', ['-o', outDir, '-f', 'series_%s', dicomDir], {
    encoding: 'utf8',
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`dcm2niix failed (${r.status}): ${r.stderr || r.stdout}`);
  return ms;
}

async function defaultCase(): Promise<string> {
  const root = path.join(dataDir, 'brats18');
  const first = (await readdir(root)).sort()[0];
  if (!first) throw new Error(`no BraTS cases under ${root}`);
  return path.join(root, first);
}

function machine(): string {
  const cpus = os.cpus();
  // `dcm2niix -v` prints its version and exits with status 3, so read stdout regardless.
  const dcm2niix = spawnSync('dcm2niix', ['-v'], { encoding: 'utf8' })
    .stdout.split('\n')[0]
    ?.trim();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length} logical cores; ${loadNote()}`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; OS: ${os.type()} ${os.release()}`,
    `- Node ${process.version}; dcm2niix: ${dcm2niix}`,
  ].join('\n');
}

const ms = (v: number): string => `${v.toFixed(0)} ms`;

async function main(): Promise<void> {
  const caseDir = path.resolve(process.env.BENCH_CASE ?? (await defaultCase()));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-bench-'));
  try {
    // 1. BraTS case: the four sequences only (the case folder also holds the label file).
    const niftiDir = path.join(tmp, 'nifti');
    await mkdir(niftiDir);
    for (const f of Object.values(await findBratsCaseFiles(caseDir))) {
      await symlink(f, path.join(niftiDir, path.basename(f)));
    }
    await importPath(niftiDir); // warm-up
    const nifti: number[] = [];
    for (let i = 0; i < RUNS; i++) nifti.push(await timeIt(() => importPath(niftiDir)));

    // 2. DICOM study: ours vs dcm2niix, alternating.
    const dicomDir = path.join(tmp, 'dicom');
    const written = await writeMrStudyFromBratsCase(caseDir, dicomDir);
    const fileCount = written.series.reduce((n, s) => n + s.files.length, 0);
    const ours: number[] = [];
    const theirs: number[] = [];
    await importPath(dicomDir); // warm-up (also warms the page cache for both)
    runDcm2niix(dicomDir, await mkdtemp(path.join(tmp, 'd2n-')));
    for (let i = 0; i < RUNS; i++) {
      ours.push(await timeIt(() => importPath(dicomDir)));
      const out = await mkdtemp(path.join(tmp, 'd2n-'));
      theirs.push(runDcm2niix(dicomDir, out));
      await rm(out, { recursive: true, force: true });
    }
    const ratio = median(ours) / median(theirs);
    const table = [
      '| what | median | runs (ms) |',
      '| --- | --- | --- |',
      `| BraTS case, 4 × .nii.gz via importPath | ${ms(median(nifti))} | ${nifti.map((v) => v.toFixed(0)).join(', ')} |`,
      `| DICOM study (4 series, ${fileCount} files) via importPath | ${ms(median(ours))} | ${ours.map((v) => v.toFixed(0)).join(', ')} |`,
      `| same DICOM files, \`dcm2niix -o <tmp> <dir>\` | ${ms(median(theirs))} | ${theirs.map((v) => v.toFixed(0)).join(', ')} |`,
    ].join('\n');
    const report = [
      '# Import benchmark',
      '',
      `Date: ${new Date().toISOString()}  `,
      `Command: \`npm run bench:import\` (${RUNS} runs after one warm-up; BENCH_RUNS to change)  `,
      `Case: \`${path.relative(dataDir, caseDir)}\` from the shared data folder`,
      '',
      machine(),
      '',
      table,
      '',
      `**DICOM import / dcm2niix = ${ratio.toFixed(2)}** (goal ≤ 1.0); BraTS case ${ms(median(nifti))} (goal ≤ 1000 ms).`,
      '',
      'Our import runs in-process (warm, the way the app and the CLI call it) and returns voxel',
      'arrays in memory; dcm2niix is a fresh process that also writes NIfTI files. Both read the',
      'same files from a warm page cache, alternating run by run.',
      '',
    ].join('\n');
    await writeFile(path.join(repoRoot, 'bench', 'results', 'import.md'), report);
    process.stdout.write(`${table}\n\nDICOM import / dcm2niix = ${ratio.toFixed(2)}\n`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
