/**
 * `npm run bench:app`: the review app's responsiveness in real Chromium (headless, software WebGL2
 * through SwiftShader) against web mode on this machine.
 *
 * 1. Case → first image: on a fresh page, type a BraTS case path and press Open; time from the
 *    click to the first image Cornerstone renders (import + volume transfer + texture + draw), with
 *    the stages from the page's performance marks. Median over BENCH_CASES cases.
 * 2. Run → overlay: press Run; time from the click to the overlay drawn, next to the engine's own
 *    segmentation time for that job (from the result). Overhead = total − segmentation. Median
 *    over BENCH_RUNS runs.
 * Goals (issue 5): first image ≤ 1.5 s; overhead ≤ 0.5 s. Results: bench/results/app.md.
 * Model: the shipped models/metakd-brats when present, else the tiny test model (named in the
 * results). Env: BENCH_CASES (default 5), BENCH_RUNS (default 3), METAKD_DATA.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createApiService, defaultServiceOptions } from '../src-main/api/service.ts';
import { startWebServer } from '../src-main/server/webServer.ts';
import { ensureRendererBuilt } from '../src-main/server/rendererBuild.ts';
import { launchChromium } from '../test/e2e/helpers/browser.ts';
import { tinyModelDir } from '../test/fixtures/tinyModel.ts';

/** The page's viewer hooks (src-renderer/viewer/testHooks.ts), typed here without the DOM lib. */
type PageGlobals = { __metakdViewer?: { firstRenderAt: number | null } };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.METAKD_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const CASES = Math.max(1, Number(process.env.BENCH_CASES ?? 5));
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const SHIPPED_MODEL = path.join(repoRoot, 'models', 'metakd-brats');
const GOAL_FIRST_IMAGE_MS = 1500;
const GOAL_OVERHEAD_MS = 500;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** performance.mark times (ms since navigation) by name without its suffix; the first of each. */
async function marks(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const m of performance.getEntriesByType('mark')) {
      const key = m.name.split(':').slice(0, 2).join(':');
      out[key] ??= m.startTime;
    }
    return out;
  });
}

interface FirstImage {
  readonly caseName: string;
  readonly totalMs: number;
  readonly importMs: number;
  readonly fetchMs: number;
  readonly createMs: number;
  readonly drawMs: number;
}

async function firstImage(page: Page, appUrl: string, caseDir: string): Promise<FirstImage> {
  // A fresh document each time: the app URL differs from the current one only by its fragment,
  // which would otherwise be a same-document navigation keeping the old state.
  await page.goto('about:blank');
  await page.goto(appUrl);
  await page.fill('input[name=study-path]', caseDir);
  await page.click('button[type=submit]');
  await page.waitForFunction(
    () => (globalThis as PageGlobals).__metakdViewer?.firstRenderAt != null,
    null,
    {
      timeout: 60_000,
    },
  );
  const m = await marks(page);
  const first = (await page.evaluate(
    () => (globalThis as PageGlobals).__metakdViewer!.firstRenderAt,
  )) as number;
  const start = m['metakd:import-start'];
  return {
    caseName: path.basename(caseDir),
    totalMs: first - start,
    importMs: m['metakd:import-done'] - start,
    fetchMs: m['metakd:volume-fetched'] - m['metakd:import-done'],
    createMs: m['metakd:volume-created'] - m['metakd:volume-fetched'],
    drawMs: first - m['metakd:volume-created'],
  };
}

interface RunTiming {
  readonly totalMs: number;
  readonly segmentationMs: number;
  readonly overheadMs: number;
  /** Click → job.finished event, minus the engine's own time (job start, worker, events). */
  readonly jobMs: number;
  /** job.finished → result and session ready. */
  readonly sessionMs: number;
  /** Session ready → labelmap bytes in the page. */
  readonly labelmapMs: number;
  /** Labelmap bytes → overlay drawn. */
  readonly drawMs: number;
}

async function runToOverlay(page: Page): Promise<RunTiming> {
  await page.evaluate(() => performance.clearMarks());
  await page.click('[data-testid=run]');
  await page.waitForFunction(
    () => performance.getEntriesByName('metakd:overlay-shown').length > 0,
    null,
    {
      timeout: 600_000,
    },
  );
  const m = await marks(page);
  const modelText = (await page.getByTestId('model').textContent()) ?? '';
  const seconds = Number(/([\d.]+)\s*s/.exec(modelText)?.[1] ?? NaN);
  const totalMs = m['metakd:overlay-shown'] - m['metakd:run-clicked'];
  const segmentationMs = seconds * 1000;
  return {
    totalMs,
    segmentationMs,
    overheadMs: totalMs - segmentationMs,
    jobMs: m['metakd:job-finished'] - m['metakd:run-clicked'] - segmentationMs,
    sessionMs: m['metakd:session-ready'] - m['metakd:job-finished'],
    labelmapMs: m['metakd:labelmap-fetched'] - m['metakd:session-ready'],
    drawMs: m['metakd:overlay-shown'] - m['metakd:labelmap-fetched'],
  };
}

async function main(): Promise<void> {
  const bratsDir = path.join(dataDir, 'brats18');
  const cases = (await readdir(bratsDir))
    .sort()
    .slice(0, CASES)
    .map((c) => path.join(bratsDir, c));
  const modelDir = existsSync(path.join(SHIPPED_MODEL, 'manifest.json'))
    ? SHIPPED_MODEL
    : tinyModelDir();
  process.env.METAKD_MODEL = modelDir;
  await ensureRendererBuilt(
    { root: repoRoot, outDir: path.join(repoRoot, 'out', 'renderer') },
    console.error,
  );
  const home = await mkdtemp(path.join(os.tmpdir(), 'metakd-bench-app-'));
  const server = await startWebServer({
    api: createApiService({ ...defaultServiceOptions(), dataDir: home }),
    staticDir: path.join(repoRoot, 'out', 'renderer'),
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await firstImage(page, server.appUrl, cases[0]); // warm-up: page cache, shader compilation
    const images: FirstImage[] = [];
    for (const c of cases) {
      images.push(await firstImage(page, server.appUrl, c));
      console.error(`first image ${path.basename(c)}: ${images.at(-1)!.totalMs.toFixed(0)} ms`);
    }
    const runs: RunTiming[] = [];
    for (let r = 0; r < RUNS; r++) {
      runs.push(await runToOverlay(page));
      console.error(`run→overlay ${runs.at(-1)!.totalMs.toFixed(0)} ms`);
    }
    await writeResults({ images, runs, modelDir });
  } finally {
    await browser.close();
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** Per-column medians of the runs. */
function medianRun(runs: readonly RunTiming[]): RunTiming {
  const keys = Object.keys(runs[0]) as (keyof RunTiming)[];
  return Object.fromEntries(
    keys.map((k) => [k, median(runs.map((x) => x[k]))]),
  ) as unknown as RunTiming;
}

/** Table cells of one run. */
function runCells(x: RunTiming): string {
  return [x.totalMs, x.segmentationMs, x.overheadMs, x.jobMs, x.sessionMs, x.labelmapMs, x.drawMs]
    .map((v) => v.toFixed(0))
    .join(' | ');
}

async function writeResults(r: {
  images: FirstImage[];
  runs: RunTiming[];
  modelDir: string;
}): Promise<void> {
  const med = (f: (x: FirstImage) => number) => median(r.images.map(f));
  const first = med((x) => x.totalMs);
  const overhead = median(r.runs.map((x) => x.overheadMs));
  const appMs = median(r.runs.map((x) => x.sessionMs + x.labelmapMs + x.drawMs));
  const f0 = (n: number) => n.toFixed(0);
  const lines = [
    '# App benchmark (`npm run bench:app`)',
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `Node ${process.version}; Chromium headless with SwiftShader (software WebGL2). Date: ${new Date().toISOString().slice(0, 10)}.`,
    `Model: ${path.relative(repoRoot, r.modelDir).startsWith('..') ? `tiny test model (${r.modelDir}) — the shipped model was absent` : path.relative(repoRoot, r.modelDir)}.`,
    '',
    `## Case → first rendered image (median of ${r.images.length} BraTS cases, after one warm-up)`,
    '',
    '| case | total ms | import ms | volume transfer ms | volume create ms | draw ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...r.images.map(
      (x) =>
        `| ${x.caseName} | ${f0(x.totalMs)} | ${f0(x.importMs)} | ${f0(x.fetchMs)} | ${f0(x.createMs)} | ${f0(x.drawMs)} |`,
    ),
    `| **median** | **${f0(first)}** | ${f0(med((x) => x.importMs))} | ${f0(med((x) => x.fetchMs))} | ${f0(med((x) => x.createMs))} | ${f0(med((x) => x.drawMs))} |`,
    '',
    `Goal ≤ ${GOAL_FIRST_IMAGE_MS} ms: ${first <= GOAL_FIRST_IMAGE_MS ? 'met' : 'NOT met'}.`,
    '',
    `## Run → overlay (median of ${r.runs.length} runs)`,
    '',
    '| run | total ms | segmentation ms (engine) | overhead ms | job start/end ms | result + session ms | labelmap transfer ms | overlay draw ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.runs.map((x, i) => `| ${i + 1} | ${runCells(x)} |`),
    `| **median** | ${runCells(medianRun(r.runs))} |`,
    '',
    `Goal: overlay ≤ segmentation + ${GOAL_OVERHEAD_MS} ms. After the segmentation job ends (job.finished), the`,
    `app needs ${f0(appMs)} ms for result, session, labelmap and overlay: ${appMs <= GOAL_OVERHEAD_MS ? 'met' : 'NOT met'}.`,
    `Against the engine's own timer (result \`timings.totalMs\`) the overhead is ${f0(overhead)} ms: ${overhead <= GOAL_OVERHEAD_MS ? 'met' : 'NOT met'};`,
    `${f0(medianRun(r.runs).jobMs)} ms of it lies between Run and job.finished outside that timer (job start, worker thread start).`,
    '',
  ];
  await mkdir(path.join(repoRoot, 'bench', 'results'), { recursive: true });
  await writeFile(path.join(repoRoot, 'bench', 'results', 'app.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
}

await main();
