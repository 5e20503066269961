/**
 * Issue 10 in real Chromium (web mode): a raw study's preparation as the reader sees it.
 * - At import, next to the sequence slots: "Raw study: will be prepared — …" with its reasons
 *   (TCGA-FG-6692: skull on, series on their own grids), and "BraTS-space input: used as is" for a
 *   BraTS case.
 * - The preparation mode selector next to Run (auto / off / force, each explained).
 * - The run's progress in words per stage (registration, brain extraction, alignment, tiles).
 * - The preparation summary under the results: mode and reasons, registrations, brain mask,
 *   template alignment, times.
 * Runs the tiny test model (random weights): the preparation stage runs the same as with the
 * shipped model, which is what this test is about. Screenshots: test-artifacts/e2e/issue10-*.png.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describeData, dataPath, repoRoot } from '../helpers/data.ts';
import { openWebApp, useE2eModel, type E2eModel, type WebApp } from './helpers/webApp.ts';

const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
const shot = (name: string) => path.join(ARTIFACTS, `issue10-${name}.png`);

describeData('issue 10: raw-study preparation in the app (Chromium, web mode)', () => {
  let model: E2eModel;
  let app: WebApp;
  let page: Page;
  let home: string;
  const rawDir = dataPath('raw', 'TCGA-FG-6692');
  const bratsDir = dataPath('brats18', 'Brats18_2013_20_1');

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    home = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e10-'));
    model = useE2eModel('tiny');
    app = await openWebApp({ dataDir: home, viewport: { width: 1400, height: 900 } });
    ({ page } = app);
  });

  afterAll(async () => {
    await app?.close();
    model?.restore();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const importPath = async (p: string) => {
    await page.fill('input[name=study-path]', p);
    await page.click('button[type=submit]');
  };
  const decisionText = () => page.getByTestId('prep-decision').textContent();

  it('says at import that the raw study will be prepared, and why', async () => {
    await importPath(rawDir);
    await expect
      .poll(decisionText, { timeout: 120_000 })
      .toMatch(/^\S+\s*Raw study: will be prepared — /);
    const text = (await decisionText()) ?? '';
    expect(text).toContain('not skull-stripped');
    expect(text).toContain('series on different grids');
    expect(text).toContain('not in BraTS space');
    await page.screenshot({ path: shot('1-import-raw') });
  });

  it('offers auto / off / force next to Run, each explained', async () => {
    const select = page.getByTestId('prep-mode');
    const options = await select
      .locator('option')
      .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(options).toEqual(['auto', 'off', 'force']);
    expect(await select.inputValue()).toBe('auto');
    await select.selectOption('off');
    expect(await page.getByTestId('prep-explain').textContent()).toMatch(/Never prepare/);
    // Off on a raw study is called out next to the slots.
    expect(await decisionText()).toMatch(/Preparation is set to Off/);
    await select.selectOption('auto');
    expect(await page.getByTestId('prep-explain').textContent()).toMatch(/Prepare raw studies/);
  });

  it('cancels within the preparation stage', async () => {
    await page.click('[data-testid=run]');
    const stage = page.getByTestId('progress-stage');
    await expect
      .poll(() => stage.textContent(), { timeout: 120_000 })
      .toMatch(/registering|brain extraction/);
    const words = await stage.textContent();
    const t0 = Date.now();
    await page.click('[data-testid=cancel]');
    await page
      .getByRole('status')
      .filter({ hasText: 'Segmentation cancelled' })
      .waitFor({ timeout: 120_000 });
    console.log(`issue 10 e2e: cancelled during "${words}" in ${Date.now() - t0} ms`);
    expect(await page.getByTestId('progress').count()).toBe(0);
    expect(await page.getByTestId('prep-summary').count()).toBe(0);
  });

  it('shows each stage in words while it runs, then what the preparation did', async () => {
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=progress]', { timeout: 10_000 });
    // Record the stage words as they change until the run ends.
    const seen = new Set<string>();
    let shotTaken = false;
    const deadline = Date.now() + 280_000;
    while (Date.now() < deadline) {
      const words = await page
        .getByTestId('progress-stage')
        .textContent({ timeout: 1000 })
        .catch(() => null);
      if (words === null) break;
      seen.add(words);
      if (!shotTaken && /brain extraction/.test(words)) {
        await page.screenshot({ path: shot('2-progress') });
        shotTaken = true;
      }
      await page.waitForTimeout(150);
    }
    const all = [...seen].join(' | ');
    expect(all).toMatch(/registering (FLAIR|T1|T2) to T1ce/);
    expect(all).toContain('brain extraction');
    expect(all).toMatch(/tiles \d+\/\d+/);
    const summary = page.getByTestId('prep-summary');
    await summary.waitFor({ timeout: 60_000 });
    const text = (await summary.textContent()) ?? '';
    expect(text).toContain('Prepared (auto) on T1ce');
    expect(text).toMatch(/FLAIR → T1ce, rigid: rotation \d+\.\d°, shift \d+\.\d mm, NMI/);
    expect(text).toMatch(/Brain mask \d+ mL, MindGrab/);
    expect(text).toContain('BraTS template');
    expect(await page.getByTestId('prep-times').textContent()).toMatch(
      /registration .* s · brain extraction .* s · alignment .* s · resampling .* s · total .* s/,
    );
    await summary.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('3-summary') });
    console.log(`issue 10 e2e: stages seen: ${all}`);
  });

  it('says a BraTS-space study is used as is', async () => {
    await importPath(bratsDir);
    await expect.poll(decisionText, { timeout: 120_000 }).toMatch(/BraTS-space input: used as is/);
    await page.screenshot({ path: shot('4-import-brats') });
    expect(app.pageErrors).toEqual([]);
  });
});
