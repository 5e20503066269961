/**
 * Issue 10 in real Chromium (web mode): the reader checks the preparation before trusting the
 * result. On a synthetic raw study (a shared BraTS case placed in a scanner with head motion,
 * 4–6 mm slices; test/fixtures/rawStudy.ts — skull-stripped, so the brain mask is the non-zero
 * voxels and the test stays fast) run with the tiny test model:
 * - the brain-mask outline toggle draws a magenta line (not a fill) in the reference (T1ce) pane,
 *   and follows the slice scroll;
 * - the checkerboard alternates tiles of the reference and a co-registered series (tile size
 *   adjustable); flicker alternates the whole pane and pauses;
 * - a reopened session (page reload: no job id) shows the same preparation summary and toggles.
 * Screenshots: test-artifacts/e2e/issue10-check-*.png.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { ApiService } from '../../src-main/api/service.ts';
import { writeNifti } from '../../src-main/core/io/nifti/index.ts';
import type { ModelSlot } from '../../src-main/core/enums/SequenceLabel.ts';
import { voxelToLps } from '../../src-main/core/volume/Geometry.ts';
import { describeData, dataPath, repoRoot } from '../helpers/data.ts';
import { readBratsCase } from '../fixtures/bratsCase.ts';
import { makeRawStudy } from '../fixtures/rawStudy.ts';
import { openWebApp, useE2eModel, type E2eModel, type WebApp } from './helpers/webApp.ts';

const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
const shot = (name: string) => path.join(ARTIFACTS, `issue10-check-${name}.png`);
const REF_PANE = '[data-tile=grid-t1ce]';
const LAYER = `${REF_PANE} [data-testid=prep-check-layer]`;

/** Pixel counts of the check layer: magenta (outline), opaque grey (series), total. */
interface LayerPixels {
  readonly outline: number;
  readonly series: number;
  readonly total: number;
  /** Opaque / transparent changes along the middle row (checkerboard tiles). */
  readonly rowChanges: number;
  /** The outline's pixel positions, hashed (changes with the slice). */
  readonly hash: number;
}

async function layerPixels(page: Page): Promise<LayerPixels | null> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement | null;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !c.width) return null;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let outline = 0;
    let series = 0;
    let hash = 0;
    for (let p = 0; p < d.length; p += 4) {
      if (d[p + 3] === 0) continue;
      if (d[p] === 255 && d[p + 1] === 0 && d[p + 2] === 255) {
        outline++;
        hash = (hash * 31 + p) % 1_000_000_007;
      } else series++;
    }
    let rowChanges = 0;
    const y = Math.floor(c.height / 2);
    for (let x = 1; x < c.width; x++) {
      const a = d[(y * c.width + x - 1) * 4 + 3] > 0;
      const b = d[(y * c.width + x) * 4 + 3] > 0;
      if (a !== b) rowChanges++;
    }
    return { outline, series, total: c.width * c.height, rowChanges, hash };
  }, LAYER);
}

/** Moves the panes to the slice through the middle of the reference grid (through the brain). */
async function jumpToMiddle(page: Page, api: ApiService): Promise<void> {
  const [session] = await api.invoke('listSessions', {});
  const g = session.geometry;
  const mid = voxelToLps(g, [(g.dims[0] - 1) / 2, (g.dims[1] - 1) / 2, (g.dims[2] - 1) / 2]);
  await page.evaluate((w) => window.__metakdViewer?.jumpTo(w), [mid[0], mid[1], mid[2]] as [
    number,
    number,
    number,
  ]);
}

describeData('issue 10: checking the preparation in the reference pane (Chromium)', () => {
  let model: E2eModel;
  let app: WebApp;
  let api: ApiService;
  let page: Page;
  let home: string;
  let studyDir: string;
  let summaryText = '';

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    home = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e10c-'));
    // A synthetic raw study as a BraTS-2018-named folder of NIfTI files.
    studyDir = path.join(home, 'RAWSYN_1');
    await mkdir(studyDir);
    const raw = makeRawStudy(await readBratsCase(dataPath('brats18', 'Brats18_2013_20_1')));
    for (const slot of Object.keys(raw.volumes) as ModelSlot[]) {
      await writeNifti(path.join(studyDir, `RAWSYN_1_${slot}.nii.gz`), raw.volumes[slot]);
    }
    model = useE2eModel('tiny');
    app = await openWebApp({
      dataDir: path.join(home, 'data'),
      viewport: { width: 1400, height: 900 },
    });
    ({ api, page } = app);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    model?.restore();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('runs the raw study and offers the checks, both off', async () => {
    await page.fill('input[name=study-path]', studyDir);
    await page.click('button[type=submit]');
    await expect
      .poll(() => page.getByTestId('prep-decision').textContent(), { timeout: 120_000 })
      .toMatch(/Raw study: will be prepared/);
    await page.click('[data-testid=run]');
    const summary = page.getByTestId('prep-summary');
    await summary.waitFor({ timeout: 300_000 });
    summaryText = (await summary.textContent()) ?? '';
    expect(summaryText).toContain('Prepared (auto) on T1ce');
    await page.getByTestId('prep-checks').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('prep-brainmask').isChecked()).toBe(false);
    expect(await page.getByTestId('prep-check-mode').inputValue()).toBe('off');
    const series = await page
      .getByTestId('prep-check-series')
      .locator('option')
      .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(series.sort()).toEqual(['flair', 't1', 't2']);
    expect(await page.locator(LAYER).count()).toBe(0);
  });

  it('draws the brain-mask outline (a line, not a fill) and follows the slice scroll', async () => {
    // The default slice is the largest lesion's (random weights: anywhere): go through the brain.
    await jumpToMiddle(page, api);
    await page.getByTestId('prep-brainmask').check();
    await expect.poll(async () => (await layerPixels(page))?.outline ?? 0).toBeGreaterThan(200);
    const first = (await layerPixels(page)) as LayerPixels;
    // A line about two pixels wide round the brain: a small share of the pane, never a fill.
    expect(first.outline / first.total).toBeLessThan(0.05);
    expect(first.series).toBe(0);
    expect(await page.getByTestId('prep-check-words').first().textContent()).toMatch(
      /Magenta line: the brain mask/,
    );
    await page.screenshot({ path: shot('1-brain-mask') });
    const box = await page.locator(`${REF_PANE} .cs`).boundingBox();
    if (!box) throw new Error('no reference pane');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let n = 0; n < 6; n++) await page.mouse.wheel(0, 120);
    await expect.poll(async () => (await layerPixels(page))?.hash).not.toBe(first.hash);
    expect((await layerPixels(page))?.outline).toBeGreaterThan(100);
    await page.getByTestId('prep-brainmask').uncheck();
    await expect.poll(() => page.locator(LAYER).count()).toBe(0);
  });

  it('shows a checkerboard of the reference and a co-registered series, tiles adjustable', async () => {
    await page.getByTestId('prep-check-series').selectOption('flair');
    await page.getByTestId('prep-check-mode').selectOption('checkerboard');
    // The series is resampled onto the reference grid in the service, then fetched (~36 MB).
    await expect
      .poll(async () => (await layerPixels(page))?.series ?? 0, { timeout: 60_000 })
      .toBeGreaterThan(1000);
    const at20 = (await layerPixels(page)) as LayerPixels;
    // Half the pane in tiles of the series, half left to the reference: alternating along a row.
    expect(at20.series / at20.total).toBeGreaterThan(0.3);
    expect(at20.series / at20.total).toBeLessThan(0.7);
    expect(at20.rowChanges).toBeGreaterThanOrEqual(4);
    expect(await page.getByTestId('prep-check-words').first().textContent()).toMatch(
      /Checkerboard in the T1ce pane: 20 mm tiles alternate T1ce .* and FLAIR/,
    );
    await page.screenshot({ path: shot('2-checkerboard') });
    await page.getByTestId('prep-check-tile').selectOption('10');
    await expect
      .poll(async () => (await layerPixels(page))?.rowChanges ?? 0)
      .toBeGreaterThan(at20.rowChanges * 1.5);
  });

  it('flickers between the reference and the series, and pauses', async () => {
    await page.getByTestId('prep-check-mode').selectOption('flicker');
    const seen = new Set<boolean>();
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const p = await layerPixels(page);
      if (p) seen.add(p.series > p.total * 0.5);
      await page.waitForTimeout(100);
    }
    expect([...seen].sort()).toEqual([false, true]);
    await page.getByTestId('prep-check-pause').click();
    await page.waitForTimeout(200);
    const held = (await layerPixels(page))?.series;
    await page.waitForTimeout(1200);
    expect((await layerPixels(page))?.series).toBe(held);
    await page.getByTestId('prep-check-mode').selectOption('off');
  });

  it('shows the same summary and checks for the session reopened without its job', async () => {
    await page.goto('about:blank');
    await page.goto(app.server.appUrl);
    await page.waitForSelector('[data-testid=resumed]', { timeout: 60_000 });
    const summary = page.getByTestId('prep-summary');
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.textContent()).toBe(summaryText);
    expect(await page.getByTestId('prep-brainmask').isChecked()).toBe(false);
    await page.getByTestId('prep-brainmask').check();
    // The viewer moves to the largest lesion once the labelmap is in: jump again until it stays.
    await expect
      .poll(
        async () => {
          await jumpToMiddle(page, api);
          return (await layerPixels(page))?.outline ?? 0;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThan(200);
    await page.getByTestId('prep-check-mode').selectOption('checkerboard');
    await expect
      .poll(async () => (await layerPixels(page))?.series ?? 0, { timeout: 60_000 })
      .toBeGreaterThan(1000);
    await page.screenshot({ path: shot('3-reopened') });
    expect(app.pageErrors).toEqual([]);
  });
});
