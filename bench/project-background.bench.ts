/**
 * `node bin/run-ts.mjs bench/project-background.bench.ts`: does a project's background model run
 * (issue 14) keep the viewer responsive? In real Chromium (headless, software WebGL2) against web
 * mode with the api in this process: open a BraTS case in the viewer, then scroll it one slice per
 * animation frame for WINDOW_MS while measuring
 *   - frame intervals (requestAnimationFrame to requestAnimationFrame, in the page),
 *   - api round trips from the page (a cheap call, `projectRunStatus`, every 200 ms over HTTP),
 *   - this Node process's event-loop delay (perf_hooks.monitorEventLoopDelay; the api, the web
 *     server and the project run's orchestration share this loop, inference runs in a worker),
 * first with nothing running, then while the project's model runs over BENCH_CASES other cases in
 * the background, then idle again. Writes bench/results/project-background.md (or --out FILE).
 * Model: the shipped models/metakd-brats when present, else the tiny test model (named).
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createApiService, defaultServiceOptions } from '../src-main/api/service.ts';
import { startWebServer } from '../src-main/server/webServer.ts';
import { ensureRendererBuilt } from '../src-main/server/rendererBuild.ts';
import { launchChromium } from '../test/e2e/helpers/browser.ts';
import { tinyModelDir } from '../test/fixtures/tinyModel.ts';
import { loadNote } from './machineLoad.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.METAKD_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const CASES = Math.max(1, Number(process.env.BENCH_CASES ?? 4));
const WINDOW_MS = Math.max(2000, Number(process.env.BENCH_WINDOW_MS ?? 6000));
const SHIPPED_MODEL = path.join(repoRoot, 'models', 'metakd-brats');
const outArg = process.argv.indexOf('--out');
const outFile =
  outArg > 0
    ? path.resolve(process.argv[outArg + 1])
    : path.join(repoRoot, 'bench', 'results', 'project-background.md');

/** The page's viewer hooks (src-renderer/viewer/testHooks.ts), typed here without the DOM lib. */
type PageGlobals = { __metakdViewer?: { firstRenderAt: number | null } };

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

interface Window {
  readonly phase: string;
  readonly frames: number[];
  readonly apiMs: number[];
  readonly loopP50: number;
  readonly loopP99: number;
  readonly loopMax: number;
  /** The background run was going at the window's start and still at its end. */
  readonly runThroughout: boolean;
}

/**
 * The in-page loop, as source text: the bench runs through esbuild, whose name-keeping helper
 * (`__name`) does not exist in the page. Scrolls one slice per frame (30 down, 30 up) through the
 * app's own key handler and calls the api every 200 ms.
 */
const IN_PAGE = `async ({ ms, token, projectId }) => {
  const frames = [];
  const apiMs = [];
  const end = performance.now() + ms;
  let stop = false;
  const calls = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await fetch('/api/call/projectRunStatus', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body: JSON.stringify({ projectId }),
      }).then((x) => x.text());
      apiMs.push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, 200));
    }
  })();
  await new Promise((done) => {
    let last = performance.now();
    let n = 0;
    requestAnimationFrame(function tick(t) {
      frames.push(t - last);
      last = t;
      const key = Math.floor(n++ / 30) % 2 ? 'ArrowUp' : 'ArrowDown';
      window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
      if (t < end) requestAnimationFrame(tick);
      else done();
    });
  });
  stop = true;
  await calls;
  return { frames: frames.slice(1), apiMs };
}`;

/** One measurement window: scroll one slice per frame, time frames and api round trips. */
async function measure(
  page: Page,
  token: string,
): Promise<Omit<Window, 'phase' | 'runThroughout'>> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const args = JSON.stringify({ ms: WINDOW_MS, token, projectId: currentProjectId });
  const r = (await page.evaluate(`(${IN_PAGE})(${args})`)) as { frames: number[]; apiMs: number[] };
  h.disable();
  return {
    ...r,
    loopP50: h.percentile(50) / 1e6,
    loopP99: h.percentile(99) / 1e6,
    loopMax: h.max / 1e6,
  };
}

let currentProjectId = '00000000-0000-0000-0000-000000000000';

const modelDir = existsSync(path.join(SHIPPED_MODEL, 'manifest.json'))
  ? SHIPPED_MODEL
  : tinyModelDir();
process.env.METAKD_MODEL = modelDir;
const brats = path.join(dataDir, 'brats18');
const all = (await readdir(brats)).filter((n) => n.startsWith('Brats18_')).sort();
if (all.length < CASES + 1) throw new Error(`need ${CASES + 1} cases under ${brats}`);
const [viewerCase, ...rest] = all;
const projectCases = rest.slice(0, CASES);

const home = await mkdtemp(path.join(os.tmpdir(), 'metakd-bench-projbg-'));
const windows: Window[] = [];
let runWallMs = 0;
try {
  const cases = path.join(home, 'cases');
  for (const c of projectCases) {
    await mkdir(path.join(cases, c), { recursive: true });
    for (const f of await readdir(path.join(brats, c)))
      if (!f.endsWith('_seg.nii.gz')) await symlink(path.join(brats, c, f), path.join(cases, c, f));
  }
  await ensureRendererBuilt(
    { root: repoRoot, outDir: path.join(repoRoot, 'out', 'renderer') },
    () => {},
  );
  const api = createApiService({ ...defaultServiceOptions(), dataDir: path.join(home, 'data') });
  const server = await startWebServer({ api, staticDir: path.join(repoRoot, 'out', 'renderer') });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(server.appUrl);
    await page.fill('input[name=study-path]', path.join(brats, viewerCase));
    await page.click('button[type=submit]');
    await page.waitForFunction(
      () => (globalThis as PageGlobals).__metakdViewer?.firstRenderAt != null,
      null,
      { timeout: 120_000 },
    );
    await page.waitForTimeout(1000);
    const p = await api.invoke('createProject', { folder: cases, name: 'bench', readers: ['a'] });
    currentProjectId = p.id;
    const running = async () => (await api.invoke('projectRunStatus', { projectId: p.id })).running;

    windows.push({
      phase: 'idle (before)',
      ...(await measure(page, server.token)),
      runThroughout: false,
    });
    const t0 = performance.now();
    await api.invoke('runProjectModel', { projectId: p.id });
    // Let the first case's import and the worker's start pass, then measure while it runs.
    await new Promise((r) => setTimeout(r, 1500));
    while (await running()) {
      const m = await measure(page, server.token);
      windows.push({ phase: 'background run', ...m, runThroughout: await running() });
    }
    runWallMs = performance.now() - t0;
    const w = await api.invoke('getWorklist', { projectId: p.id });
    if (w.progress.modelDone !== CASES)
      throw new Error(`background run finished ${w.progress.modelDone}/${CASES} cases`);
    windows.push({
      phase: 'idle (after)',
      ...(await measure(page, server.token)),
      runThroughout: false,
    });
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await rm(home, { recursive: true, force: true });
}

const f1 = (x: number) => x.toFixed(1);
const row = (w: Window) =>
  `| ${w.phase}${w.phase === 'background run' && !w.runThroughout ? ' (run ended inside)' : ''} | ${w.frames.length} | ${f1(quantile(w.frames, 0.5))} | ${f1(quantile(w.frames, 0.95))} | ${f1(Math.max(...w.frames))} | ${(1000 / quantile(w.frames, 0.5)).toFixed(0)} | ${f1(quantile(w.apiMs, 0.5))} | ${f1(Math.max(...w.apiMs))} | ${f1(w.loopP50)} | ${f1(w.loopP99)} | ${f1(w.loopMax)} |`;
const cpu = os.cpus();
const md = `# Background model run vs. viewer responsiveness (issue 14)

- Machine: ${cpu[0]?.model.trim() ?? '?'} × ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${os.platform()} ${os.release()}; Node ${process.version}; ${loadNote()} (this bench's own Chromium and background run load the two cores too).
- Date: ${new Date().toISOString()}
- Command: \`node bin/run-ts.mjs bench/project-background.bench.ts\` (BENCH_CASES=${CASES}, BENCH_WINDOW_MS=${WINDOW_MS})
- Model: ${path.basename(modelDir)}; viewer case ${viewerCase}; background run over ${CASES} other cases (${(runWallMs / 1000).toFixed(1)} s wall)
- Chromium headless, software WebGL2 (SwiftShader); the viewer scrolls one slice per frame (ArrowDown/ArrowUp through the app's key handler) for each ${WINDOW_MS / 1000} s window.

| window | frames | frame p50 ms | p95 ms | max ms | fps (p50) | api round trip p50 ms | max ms | Node loop delay p50 ms | p99 ms | max ms |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${windows.map(row).join('\n')}
`;
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(outFile, md);
process.stdout.write(md);
