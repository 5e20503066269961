/**
 * Issue 13, the packaged layout: `npm run build`, then out/, models/, package.json, the `metakd`
 * launcher and the production dependencies only, in an empty folder (no src-main/, no dev
 * dependencies, no tsx). There: `metakd version`, `metakd segment --contributions` on a BraTS
 * case, `metakd export`, web mode, and one Chromium smoke test (import → run → overlay). Anything
 * that reaches for a .ts file or a dev dependency fails here: neither exists in the folder.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describeData, dataPath } from '../helpers/data.ts';
import { removeLater, startApp, type AppProcess } from '../frontdoor/appProcess.ts';
import { makePackagedLayout } from './packagedLayout.ts';
import { CHROMIUM, launchChromium } from '../e2e/helpers/browser.ts';
import { decodePng } from '../e2e/helpers/png.ts';

const CASE = 'Brats18_2013_20_1';
const DEV_ONLY = ['tsx', 'vite', 'typescript', 'electron', 'vitest', 'svelte', 'playwright-core'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describeData('the packaged layout (out/ + models + production dependencies only)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let web: AppProcess | undefined;

  /** Runs `node bin/metakd.cjs args` in the packaged folder. */
  function metakd(args: string[], timeoutMs = 240_000): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(dir, 'bin', 'metakd.cjs'), ...args], {
        cwd: dir,
        env,
        timeout: timeoutMs,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** Nothing printed may show a module lookup failure or the TypeScript runner. */
  function expectClean(r: Run): void {
    const all = r.stdout + r.stderr;
    expect(all).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)|\.ts\b['"]?\)?$/m);
    expect(all).not.toMatch(/tsx|running from source/);
  }

  beforeAll(() => {
    dir = makePackagedLayout();
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      METAKD_HOME: path.join(dir, '.home'),
      METAKD_CACHE: path.join(dir, '.cache'),
      ONNXRUNTIME_NODE_INSTALL: 'skip',
    };
  }, 600_000);

  afterAll(async () => {
    await web?.stop();
    if (dir) removeLater(dir);
  });

  it('holds no sources and no dev dependency', () => {
    expect(existsSync(path.join(dir, 'src-main'))).toBe(false);
    for (const p of DEV_ONLY) expect(existsSync(path.join(dir, 'node_modules', p)), p).toBe(false);
    const ts = readdirSync(path.join(dir, 'out'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'));
    expect(ts).toEqual([]);
  });

  it('metakd version runs the build', async () => {
    const r = await metakd(['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^metakd-review \d+\.\d+\.\d+/);
    expect(r.stderr).toBe('');
  });

  it('keeps the code it compiled: a second command loads its chunks from the cache', async () => {
    const cacheDir = () => {
      const code = path.join(dir, '.cache', 'code');
      return existsSync(code) ? readdirSync(code).map((d) => path.join(code, d)) : [];
    };
    const stamps = () =>
      Object.fromEntries(
        cacheDir().flatMap((d) =>
          readdirSync(d).map((f) => [f, statSync(path.join(d, f)).mtimeMs] as const),
        ),
      );
    const first = await metakd(['inspect', dataPath('brats18', CASE)]);
    expect(first.code, first.stderr).toBe(0);
    const written = stamps();
    if (!('enableCompileCache' in createRequire(import.meta.url)('node:module'))) {
      // Node 20: our loader's files, one per chunk the command loaded (main, import, api, zod…).
      expect(Object.keys(written).length).toBeGreaterThan(5);
      expect(Object.keys(written).every((f) => f.endsWith('.cjs.v8'))).toBe(true);
    } else {
      expect(cacheDir()).toHaveLength(1); // Node's own compile cache, in our folder
    }
    const second = await metakd(['inspect', dataPath('brats18', CASE)]);
    expect(second.stdout).toBe(first.stdout);
    // Nothing was refused and rewritten.
    expect(stamps()).toEqual(written);
  });

  it('metakd segment --contributions, then metakd export, on a BraTS case', async () => {
    const caseDir = dataPath('brats18', CASE);
    const out = path.join(dir, 'seg');
    const seg = await metakd(['segment', caseDir, '--single', '--contributions', '--out', out]);
    expectClean(seg);
    expect(seg.code, seg.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as {
      volumesMl: Record<string, number>;
      contributions?: unknown;
    };
    expect(report.volumesMl.wt).toBeGreaterThan(1);
    expect(report.contributions).toBeTruthy();
    const exp = await metakd([
      'export',
      caseDir,
      '--format',
      'nifti',
      '--labels',
      path.join(out, 'labelmap.nii.gz'),
      '--out',
      path.join(dir, 'export'),
    ]);
    expectClean(exp);
    expect(exp.code, exp.stderr).toBe(0);
    const written = readdirSync(path.join(dir, 'export'), { recursive: true }).map(String);
    expect(written.some((f) => f.endsWith('.nii.gz'))).toBe(true);
  }, 600_000);

  it('web mode answers, and Chromium imports, runs and shows the overlay', async (ctx) => {
    web = startApp(
      process.execPath,
      [path.join(dir, 'bin', 'metakd.cjs'), 'web', '--port', '0', '--no-open'],
      { cwd: dir, env },
    );
    const url = await web.url(30_000);
    expect((await fetch(new URL('/', url))).status).toBe(200);
    if (!existsSync(CHROMIUM)) ctx.skip(`no Chromium at ${CHROMIUM} (apt package chromium)`);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.fill('input[name=study-path]', dataPath('brats18', CASE));
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('.tile .cs').count(), { timeout: 90_000 }).toBe(4);
      await page.click('[data-testid=run]');
      await page.waitForSelector('[data-testid=results]', { timeout: 300_000 });
      await page.waitForTimeout(800);
      const on = decodePng(await page.screenshot());
      await page.keyboard.press('o'); // overlay off
      await page.waitForTimeout(500);
      const off = decodePng(await page.screenshot());
      let changed = 0;
      for (let i = 0; i < on.data.length; i += 4) {
        const d =
          Math.abs(on.data[i] - off.data[i]) +
          Math.abs(on.data[i + 1] - off.data[i + 1]) +
          Math.abs(on.data[i + 2] - off.data[i + 2]);
        if (d > 60) changed++;
      }
      // The overlay colours the tumour in every tile: thousands of pixels change with it.
      expect(changed).toBeGreaterThan(500);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    expectClean({ code: 0, stdout: web.output(), stderr: '' });
  }, 600_000);
});
