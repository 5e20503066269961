/**
 * `npm run bench:segment`: segmentation speed and memory on the shared BraTS cases.
 *
 * Per case, through the api exactly as the app and CLI run it: importStudy → startSegmentation →
 * awaitSegmentation (worker thread) on the chosen provider (default CPU) — "import→labelmap";
 * then the same with the contribution readout, reported as a ratio of inference times (and of
 * total times). All jobs share the service's long-lived worker (the first pays for its start and
 * the sessions). Peak RSS: one case in a fresh `metakd segment --contributions` process (GNU time),
 * and this whole process's maxRSS (main + worker, every imported study still in the store).
 * Model: models/metakd-brats (or $METAKD_MODEL); when absent, the tiny random-weight fixture is
 * generated and the result file says so in its first line.
 * Flags: --all (all 24 cases; default the first BENCH_CASES=5), --provider P, --out FILE.
 * Results: bench/results/segment.md (machine, date, command, per-case table, medians).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiService, defaultServiceOptions } from '../src-main/api/service.ts';
import { tinyModelDir } from '../test/fixtures/tinyModel.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.METAKD_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const GNU_TIME = '/usr/bin/time';
const DEFAULT_CASES = Number(process.env.BENCH_CASES ?? 5);
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const provider = (flag('--provider') ?? 'cpu') as 'cpu';
const outFile = path.resolve(
  flag('--out') ?? path.join(repoRoot, 'bench', 'results', 'segment.md'),
);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Row {
  id: string;
  importMs: number;
  segmentMs: number;
  inferenceMs: number;
  encodeMs: number;
  decodeMs: number;
  sessionMs: number;
  tiles: number;
  withContribMs: number;
  contribInferenceMs: number;
  contribDecodeMs: number;
  provider: string;
  wt: number;
}

const shipped = path.join(repoRoot, 'models', 'metakd-brats');
const modelDir =
  process.env.METAKD_MODEL ??
  (existsSync(path.join(shipped, 'manifest.json')) ? shipped : tinyModelDir());
const api = createApiService(defaultServiceOptions());
const info = await api.invoke('getModelInfo', { modelDir });
const all = (await readdir(path.join(dataDir, 'brats18'))).sort();
const cases = args.includes('--all') ? all : all.slice(0, DEFAULT_CASES);
const rows: Row[] = [];
for (const id of cases) {
  const t0 = performance.now();
  const imported = await api.invoke('importStudy', { path: path.join(dataDir, 'brats18', id) });
  const studyId = imported.studies[0].id;
  const t1 = performance.now();
  const plainJob = await api.invoke('startSegmentation', { studyId, provider, modelDir });
  const plain = await api.invoke('awaitSegmentation', plainJob);
  const t2 = performance.now();
  const contribJob = await api.invoke('startSegmentation', {
    studyId,
    provider,
    modelDir,
    contributions: true,
  });
  const contrib = await api.invoke('awaitSegmentation', contribJob);
  const t3 = performance.now();
  rows.push({
    id,
    importMs: t1 - t0,
    segmentMs: t2 - t1,
    inferenceMs: plain.timings.inferenceMs,
    encodeMs: plain.timings.encodeMs,
    decodeMs: plain.timings.decodeMs,
    sessionMs: plain.timings.sessionMs,
    tiles: plain.tiles,
    withContribMs: t3 - t2,
    contribInferenceMs: contrib.timings.inferenceMs,
    contribDecodeMs: contrib.timings.decodeMs,
    provider: plain.provider,
    wt: plain.volumesMl.wt,
  });
  const r = rows[rows.length - 1];
  console.log(
    `${id}: import ${r.importMs.toFixed(0)} ms, segment ${r.segmentMs.toFixed(0)} ms (inference ${r.inferenceMs.toFixed(0)} ms, ${r.tiles} tiles), ` +
      `with contributions ${r.withContribMs.toFixed(0)} ms (inference ${r.contribInferenceMs.toFixed(0)} ms)`,
  );
}
const peakRssMb = process.resourceUsage().maxRSS / 1024;

/**
 * Peak RSS of one case on its own, as a user runs it: a fresh `metakd segment --contributions`
 * process (GNU time's maximum resident set size), or undefined without /usr/bin/time.
 */
function singleCasePeakMb(caseId: string): number | undefined {
  if (!existsSync(GNU_TIME)) return undefined;
  const out = mkdtempSync(path.join(os.tmpdir(), 'metakd-bench-'));
  const r = spawnSync(
    GNU_TIME,
    [
      '-f',
      'PEAK_KB=%M',
      process.execPath,
      path.join(repoRoot, 'bin', 'metakd.cjs'),
      'segment',
      path.join(dataDir, 'brats18', caseId),
      '--contributions',
      '--provider',
      provider,
      '--model',
      modelDir,
      '--out',
      out,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  const kb = /PEAK_KB=(\d+)/.exec(r.stderr)?.[1];
  return r.status === 0 && kb ? Number(kb) / 1024 : undefined;
}
const singlePeakMb = cases[0] ? singleCasePeakMb(cases[0]) : undefined;
const endToEnd = rows.map((r) => r.importMs + r.segmentMs);
const ratioInference = median(rows.map((r) => r.contribInferenceMs / r.inferenceMs));
const ratioJob = median(rows.map((r) => r.withContribMs / r.segmentMs));
const ratioTotal = median(
  rows.map((r) => (r.importMs + r.withContribMs) / (r.importMs + r.segmentMs)),
);
const cpu = os.cpus();
const isFixture = info.name === 'tiny-random';
const md = [
  '# bench:segment',
  '',
  isFixture
    ? '**Model: the tiny random-weight test fixture (the shipped model was absent). These numbers measure the engine, not the shipped model.**'
    : `Model: ${info.name} ${info.version} (decoder sha256 ${info.sha256.decoder.slice(0, 12)}…)`,
  '',
  `- Machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; load average at end ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
  `- Date: ${new Date().toISOString()}; Node ${process.version}`,
  `- Command: \`npm run bench:segment${args.length ? ' -- ' + args.join(' ') : ''}\` (${rows.length} of ${all.length} brats18 cases; \`--all\` for all)`,
  `- Provider: ${rows[0]?.provider ?? provider}; patch ${info.patchSize.join('×')} at ${info.spacingMm.join('×')} mm`,
  '',
  '| case | import ms | segment ms (api job) | sessions ms | inference ms (encode + decode) | tiles | with contributions ms | contrib. inference ms (decode) | WT mL |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.id} | ${r.importMs.toFixed(0)} | ${r.segmentMs.toFixed(0)} | ${r.sessionMs.toFixed(0)} | ${r.inferenceMs.toFixed(0)} (${r.encodeMs.toFixed(0)} + ${r.decodeMs.toFixed(0)}) | ${r.tiles} | ${r.withContribMs.toFixed(0)} | ${r.contribInferenceMs.toFixed(0)} (${r.contribDecodeMs.toFixed(0)}) | ${r.wt.toFixed(1)} |`,
  ),
  '',
  `- **Median import→labelmap per case: ${(median(endToEnd) / 1000).toFixed(2)} s** (goal ≤ 5 s on this 2-core machine)`,
  `- **Contribution readout cost ratio (inference with all subsets / one segmentation): ${ratioInference.toFixed(2)}** (whole api job: ${ratioJob.toFixed(2)}; end to end incl. import: ${ratioTotal.toFixed(2)}; goal ≤ 2.0)`,
  `- Median decode of one subset: ${median(rows.map((r) => r.decodeMs / r.tiles)).toFixed(0)} ms per tile; encode of the present sequences: ${median(rows.map((r) => r.encodeMs / r.tiles)).toFixed(0)} ms per tile`,
  `- First job (worker start, sessions, provider self-test): ${rows[0] ? rows[0].segmentMs.toFixed(0) : '–'} ms; later jobs reuse the worker and its sessions`,
  `- **Peak RSS of one case (fresh \`metakd segment --contributions\` process, ${cases[0]}): ${singlePeakMb === undefined ? 'not measured (no /usr/bin/time)' : singlePeakMb.toFixed(0) + ' MB'}** (goal ≤ 2048 MB)`,
  `- Peak RSS of this whole bench process (main + worker, all ${rows.length} studies kept in the api's study store): ${peakRssMb.toFixed(0)} MB`,
  '',
];
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(outFile, md.join('\n'));
console.log(md.join('\n'));
process.exit(0);
