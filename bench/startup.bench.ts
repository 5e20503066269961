/**
 * `npm run bench:startup`: whole-process times of the built app (issue 13), each the median of
 * RUNS runs after one warm-up, the two sides of a comparison alternating run by run:
 * 1. `metakd version` from the build (and from source through tsx, for reference);
 * 2. `metakd inspect` of the generated four-series DICOM study vs `dcm2niix -z n` on the same files;
 * 3. `metakd inspect` of a BraTS case vs nibabel loading its four volumes (/usr/bin/python3);
 * 4. `metakd segment` of a BraTS case;
 * 5. web mode (out/main/server.cjs) from start to a page that answers.
 * Builds out/ first when it is not current. Writes bench/results/startup.md (keeping its
 * hand-written notes section) and stdout.
 * Env: BENCH_CASE (case folder; default the first brats18 case), BENCH_RUNS (default 7, min 5).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findBratsCaseFiles,
  writeMrStudyFromBratsCase,
} from '../src-main/core/io/dicom/writeMrStudy.ts';
// @ts-expect-error plain CommonJS launcher helper without type declarations
import { buildState } from '../bin/buildState.cjs';
import { loadNote } from './machineLoad.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.METAKD_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));
/** The built CLI, run directly: bin/metakd.cjs would fall back to tsx if a source file changed mid-run. */
const METAKD = path.join(repoRoot, 'out', 'main', 'metakd.cjs');
const LAUNCHER = path.join(repoRoot, 'bin', 'metakd.cjs');
const REPORT = path.join(repoRoot, 'bench', 'results', 'startup.md');
/** The report's hand-written part: kept from the previous report on a rerun. */
const NOTES_HEADING = '## Notes';
const PYTHON = '/usr/bin/python3';
const NIBABEL =
  'import sys, numpy as np, nibabel as nib\n' +
  'for f in sys.argv[1:]: np.asanyarray(nib.load(f).dataobj)';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall ms of a whole process; throws with its output when it fails. */
function timeProcess(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 1 << 26 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return ms;
}

/** The hand-written notes of the previous report (from NOTES_HEADING on), or nothing. */
async function previousNotes(): Promise<string> {
  const old = await readFile(REPORT, 'utf8').catch(() => '');
  const at = old.indexOf(`\n${NOTES_HEADING}`);
  return at < 0 ? '' : old.slice(at);
}

/** Wall ms from spawning web mode to a 200 from its page; stops the server. */
async function timeWebStart(home: string): Promise<number> {
  const t = performance.now();
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'out', 'main', 'server.cjs'), '--port', '0', '--no-open'],
    { env: { ...process.env, METAKD_HOME: home } },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (;;) {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        const res = await fetch(`${m[1]}/`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`web mode answered ${res.status}`);
        return performance.now() - t;
      }
      if (child.exitCode !== null) throw new Error(`web mode exited: ${out}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** RUNS timings of each of `fns`, alternating, after one warm-up of each. */
async function alternate(fns: readonly (() => number | Promise<number>)[]): Promise<number[][]> {
  for (const f of fns) await f();
  const out = fns.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) for (const [k, f] of fns.entries()) out[k].push(await f());
  return out;
}

function machine(): string {
  const cpus = os.cpus();
  const d2n = spawnSync('dcm2niix', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim();
  const nib = spawnSync(PYTHON, ['-c', 'import nibabel; print(nibabel.__version__)'], {
    encoding: 'utf8',
  }).stdout.trim();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length} logical cores; ${loadNote()}`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; OS: ${os.type()} ${os.release()}`,
    `- Node ${process.version}; dcm2niix ${d2n}; nibabel ${nib}`,
  ].join('\n');
}

const row = (what: string, xs: readonly number[]) =>
  `| ${what} | ${median(xs).toFixed(0)} ms | ${xs.map((v) => v.toFixed(0)).join(', ')} |`;

async function main(): Promise<void> {
  if (buildState() !== 'current') {
    process.stderr.write('Building out/ first…\n');
    timeProcess(process.execPath, [path.join(repoRoot, 'bin', 'build.mjs')]);
  }
  const root = path.join(dataDir, 'brats18');
  const caseDir = path.resolve(
    process.env.BENCH_CASE ?? path.join(root, (await readdir(root)).sort()[0]),
  );
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-bench-startup-'));
  // The compile cache (src-main/cli/codeCache.ts) in the bench's own folder: the warm-up run fills
  // it, as a user's first command does; the "first run" rows give each run an empty one.
  const env = {
    ...process.env,
    METAKD_HOME: path.join(tmp, 'home'),
    METAKD_CACHE: path.join(tmp, 'cache'),
  };
  let coldRuns = 0;
  const coldEnv = (): NodeJS.ProcessEnv => ({
    ...env,
    METAKD_CACHE: path.join(tmp, `cache-cold-${coldRuns++}`),
  });
  const node =
    (args: string[], e: NodeJS.ProcessEnv = env) =>
    () =>
      timeProcess(process.execPath, [METAKD, ...args], e);
  try {
    const niftiDir = path.join(tmp, 'nifti');
    await mkdir(niftiDir);
    const niftiFiles = Object.values(await findBratsCaseFiles(caseDir));
    for (const f of niftiFiles) await symlink(f, path.join(niftiDir, path.basename(f)));
    const dicomDir = path.join(tmp, 'dicom');
    const written = await writeMrStudyFromBratsCase(caseDir, dicomDir);
    const fileCount = written.series.reduce((n, s) => n + s.files.length, 0);
    const d2nOut = path.join(tmp, 'd2n');

    // Where the environment names extra CA certificates, Node parses them in every process before
    // any of its code runs (Node 20): the same commands are also timed without that variable.
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const withoutExtraCa: NodeJS.ProcessEnv = { ...env };
    delete withoutExtraCa.NODE_EXTRA_CA_CERTS;
    const [bare, version, versionTsx, bareClean] = await alternate([
      () => timeProcess(process.execPath, ['-e', '0']),
      node(['version']),
      () =>
        timeProcess(process.execPath, [LAUNCHER, 'version'], { ...env, METAKD_FROM_SOURCE: '1' }),
      ...(extraCa ? [() => timeProcess(process.execPath, ['-e', '0'], withoutExtraCa)] : []),
    ]);
    const [inspectDicom, dcm2niix, inspectDicomCold, inspectDicomLauncher, inspectDicomClean] =
      await alternate([
        node(['inspect', dicomDir]),
        () => {
          spawnSync('rm', ['-rf', d2nOut]);
          spawnSync('mkdir', ['-p', d2nOut]);
          return timeProcess('dcm2niix', ['-z', 'n', '-o', d2nOut, '-f', 'series_%s', dicomDir]);
        },
        () => timeProcess(process.execPath, [METAKD, 'inspect', dicomDir], coldEnv()),
        () => timeProcess(process.execPath, [LAUNCHER, 'inspect', dicomDir], env),
        ...(extraCa ? [node(['inspect', dicomDir], withoutExtraCa)] : []),
      ]);
    const [inspectNifti, nibabel] = await alternate([
      node(['inspect', niftiDir]),
      () => timeProcess(PYTHON, ['-c', NIBABEL, ...niftiFiles]),
    ]);
    const [segment] = await alternate([
      node(['segment', caseDir, '--single', '--out', path.join(tmp, 'seg')]),
    ]);
    const [web] = await alternate([() => timeWebStart(path.join(tmp, 'home'))]);

    const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
    /** The median of the run-by-run ratios (each pair ran back to back, so host drift cancels). */
    const pairedRatio = (a: number[], b: number[]) => median(a.map((v, i) => v / b[i])).toFixed(2);
    const table = [
      '| what (whole process) | median | runs (ms) |',
      '| --- | --- | --- |',
      row('bare Node start (`node -e 0`), for scale', bare),
      row('`metakd version` (build)', version),
      row('`metakd version` (source through tsx, METAKD_FROM_SOURCE=1)', versionTsx),
      row(`\`metakd inspect\` DICOM study (4 series, ${fileCount} files)`, inspectDicom),
      row('`dcm2niix -z n` on the same files', dcm2niix),
      row('`metakd inspect` DICOM study, first run (empty compile cache)', inspectDicomCold),
      row('`metakd inspect` DICOM study through `bin/metakd.cjs` (checkout)', inspectDicomLauncher),
      row('`metakd inspect` BraTS case (4 × .nii.gz)', inspectNifti),
      row('nibabel loading the same 4 volumes (python3 start included)', nibabel),
      row('`metakd segment` BraTS case (4 sequences, CPU)', segment),
      row('web mode: start → page answers', web),
      ...(extraCa
        ? [
            row('bare Node start, without NODE_EXTRA_CA_CERTS', bareClean),
            row('`metakd inspect` DICOM study, without NODE_EXTRA_CA_CERTS', inspectDicomClean),
          ]
        : []),
    ].join('\n');
    const summary = [
      `- \`metakd version\`: ${median(version).toFixed(0)} ms (goal ≤ 300 ms), of which a bare Node start is ${median(bare).toFixed(0)} ms on this machine now.`,
      `- inspect DICOM / dcm2niix = **${ratio(inspectDicom, dcm2niix)}** (goal ≤ 1.0); run by run: ${pairedRatio(inspectDicom, dcm2niix)}; a first run with an empty compile cache: ${ratio(inspectDicomCold, dcm2niix)}; through the launcher in this checkout (which also checks whether out/ is older than the sources): ${ratio(inspectDicomLauncher, dcm2niix)}.`,
      `- inspect BraTS / nibabel = **${ratio(inspectNifti, nibabel)}** (goal ≤ 1.0).`,
      `- segment: ${median(segment).toFixed(0)} ms (issue 13's reference: 1.9 s median from source).`,
      `- web mode start → page: ${median(web).toFixed(0)} ms (goal ≤ 1000 ms).`,
      ...(extraCa
        ? [
            `- This machine sets NODE_EXTRA_CA_CERTS=${extraCa}: every Node process parses those certificates when it starts (bare Node ${median(bare).toFixed(0)} ms with it, ${median(bareClean).toFixed(0)} ms without); dcm2niix does not. Without it, inspect DICOM / dcm2niix = **${ratio(inspectDicomClean, dcm2niix)}**.`,
          ]
        : []),
    ].join('\n');
    const report = [
      '# Start-up benchmark (the built app, whole processes)',
      '',
      `Date: ${new Date().toISOString()}  `,
      `Command: \`npm run bench:startup\` (${RUNS} runs after one warm-up, alternating; BENCH_RUNS to change)  `,
      `Case: \`${path.relative(dataDir, caseDir)}\` from the shared data folder`,
      '',
      machine(),
      '',
      table,
      '',
      summary,
      '',
      '`metakd` here is `node out/main/metakd.cjs`; the installed command, `bin/metakd.cjs`, requires it',
      'after a staleness check of the sources (none in an installed app).',
      'Every number includes starting the process (Node, or Python for nibabel).',
      '',
    ].join('\n');
    await writeFile(REPORT, report + (await previousNotes()));
    process.stdout.write(`${table}\n\n${summary}\n`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
