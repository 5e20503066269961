/**
 * Issue 11 in real Chromium (web mode): result integrity and the known viewer defects.
 * - Every pane draws after import (the fourth stayed black), no page error on a study switch, the
 *   slice counter counts the pane's own series (26 slices, not "21/40"), a window resize keeps the
 *   slice, long series names stay inside the pane title, the series table's columns do not
 *   overlap, the error icon is drawn, the provider menu offers only this platform's providers.
 * - A case's `reference/` subfolder is not offered as a study; the path field follows the study.
 * - A result is marked stale the moment a slot changes, sign-off is disabled until the inputs
 *   match again; a contradicting override asks first; every session of the study is listed, the
 *   signed-off one too; a reload mid-run reattaches to the job; a lost job is said to be lost.
 * Runs the tiny test model (random weights: the labelmap may be empty; integrity does not care).
 * Screenshots go to test-artifacts/e2e/issue11-*.png.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { ApiService } from '../../src-main/api/service.ts';
import { describeData, dataPath, repoRoot } from '../helpers/data.ts';
import { openWebApp, useE2eModel, type E2eModel, type WebApp } from './helpers/webApp.ts';
import { decodePng } from './helpers/png.ts';

const CASE = 'Brats18_2013_20_1';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
const shot = (name: string) => path.join(ARTIFACTS, `issue11-${name}.png`);

/** Fraction of a screenshot's pixels brighter than the background (an image is drawn). */
function litFraction(png: Buffer): number {
  const img = decodePng(png);
  let lit = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    const o = p * 4;
    if (img.data[o] + img.data[o + 1] + img.data[o + 2] > 60) lit++;
  }
  return lit / (img.width * img.height);
}

describeData('issue 11: result integrity and viewer defects (Chromium, web mode)', () => {
  let model: E2eModel;
  let app: WebApp;
  let api: ApiService;
  let page: Page;
  let home: string;
  const caseDir = dataPath('brats18', CASE);
  const rawDir = dataPath('raw', 'TCGA-FG-6692');

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    home = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e11-'));
    model = useE2eModel('tiny');
    app = await openWebApp({ dataDir: home, viewport: { width: 1400, height: 900 } });
    ({ api, page } = app);
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
  const sliceText = (tile: string) =>
    page.locator(`[data-tile=${tile}] [data-testid=slice]`).textContent();

  it('offers only this platform’s providers and draws the error icon', async () => {
    const options = await page
      .locator('select[aria-label="Execution provider"] option')
      .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(options).toContain('cpu');
    if (process.platform === 'linux') {
      expect(options).toContain('cuda');
      expect(options).not.toContain('dml');
      expect(options).not.toContain('coreml');
    }
    await importPath(path.join(home, 'no-such-study'));
    const icon = page.getByTestId('error-icon');
    await icon.waitFor({ timeout: 20_000 });
    const box = await icon.boundingBox();
    expect(box!.width).toBeGreaterThan(10);
    const png = await icon.screenshot({ path: shot('0-error-icon') });
    expect(litFraction(png)).toBeGreaterThan(0.3);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
  });

  it('a recent study whose folder is gone leaves the list when opened; others stay', async () => {
    const gone = path.join(home, 'moved-away-study');
    const kept = path.join(home, 'still-here');
    await page.evaluate(
      ([g, k]) =>
        localStorage.setItem(
          'metakd.recentStudies',
          JSON.stringify([
            { id: 'gone', path: g, title: 'Moved away', at: new Date().toISOString() },
            { id: 'kept', path: k, title: 'Still here', at: new Date().toISOString() },
          ]),
        ),
      [gone, kept],
    );
    await page.reload();
    const recent = page.getByTestId('recent-studies');
    await recent.getByRole('button', { name: /Moved away/ }).click();
    await page.getByTestId('error-icon').waitFor({ timeout: 20_000 });
    expect(await page.getByRole('alert').first().textContent()).toMatch(/no such file or folder/);
    await expect
      .poll(() => recent.getByRole('button').allTextContents())
      .toEqual([expect.stringContaining('Still here')]);
    expect(
      await page.evaluate(() => JSON.parse(localStorage.getItem('metakd.recentStudies') ?? '[]')),
    ).toEqual([expect.objectContaining({ id: 'kept' })]);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
  });

  it('draws all four panes after import, counts each series’ own slices, keeps the slice on resize', async () => {
    await importPath(caseDir);
    await expect.poll(() => page.locator('.tile .cs canvas').count(), { timeout: 60_000 }).toBe(4);
    await expect.poll(() => sliceText('grid-t2'), { timeout: 30_000 }).toMatch(/\/ 155/);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: shot('1-imported') });
    for (const slot of ['flair', 't1ce', 't1', 't2']) {
      const png = await page.locator(`[data-tile=grid-${slot}] .cs`).screenshot();
      expect(litFraction(png), `pane ${slot} is drawn`).toBeGreaterThan(0.05);
    }
    // Orientation letters: an axial view has the patient's right on the screen's left.
    expect(
      await page.locator('[data-tile=grid-flair] [data-testid=orient-left]').textContent(),
    ).toBe('R');
    expect(
      await page.locator('[data-tile=grid-flair] [data-testid=orient-top]').textContent(),
    ).toBe('A');
    await page.locator('[data-tile=grid-flair] .cs').hover();
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 120);
    await page.waitForTimeout(300);
    const before = await sliceText('grid-flair');
    await page.setViewportSize({ width: 1200, height: 800 });
    await page.waitForTimeout(800);
    expect(await sliceText('grid-flair')).toBe(before);
    await page.setViewportSize({ width: 1400, height: 900 });
    expect(await page.getByTestId('wl-readout').textContent()).not.toBe('');
  });

  it('lays the series table out without overlapping columns', async () => {
    const rows = await page.locator('tr[data-series]').evaluateAll((trs) =>
      trs.map((tr) =>
        [...tr.children].map((td) => {
          const r = td.getBoundingClientRect();
          const inner = [...td.querySelectorAll('select, button, div')].map((e) =>
            e.getBoundingClientRect(),
          );
          return {
            left: r.left,
            right: r.right,
            innerRight: Math.max(r.left, ...inner.map((b) => b.right)),
          };
        }),
      ),
    );
    for (const cells of rows) {
      for (let i = 0; i < cells.length; i++) {
        expect(cells[i].innerRight).toBeLessThanOrEqual(cells[i].right + 0.5);
        if (i > 0) expect(cells[i].left).toBeGreaterThanOrEqual(cells[i - 1].right - 0.5);
      }
    }
  });

  it('leaves a case’s reference/ subfolder out of the study picker; 26 slices read “/ 26”; long titles stay in the pane', async () => {
    await importPath(rawDir);
    await expect
      .poll(() => page.locator('select[aria-label=Study] option').count(), { timeout: 60_000 })
      .toBe(2);
    const titles = await page
      .locator('select[aria-label=Study] option')
      .evaluateAll((els) => els.map((e) => e.textContent));
    expect(titles.some((t) => /reference/.test(t ?? ''))).toBe(false);
    expect(await page.inputValue('input[name=study-path]')).toBe(rawDir);
    for (const slot of ['flair', 't1ce', 't1', 't2']) {
      await expect.poll(() => sliceText(`grid-${slot}`), { timeout: 60_000 }).toMatch(/\/ 26\b/);
    }
    for (const tile of await page.locator('.tile').all()) {
      const t = await tile.boundingBox();
      const name = tile.locator('[data-testid=pane-title]');
      if (!(await name.count())) continue;
      const n = await name.boundingBox();
      expect(n!.x + n!.width).toBeLessThanOrEqual(t!.x + t!.width + 0.5);
    }
    await page.screenshot({ path: shot('2-raw-study') });
    // Switching back: no page error, every pane drawn, the path field follows.
    await page.selectOption('select[aria-label=Study]', { label: CASE });
    await expect.poll(() => page.inputValue('input[name=study-path]')).toBe(caseDir);
    await expect.poll(() => sliceText('grid-t2'), { timeout: 60_000 }).toMatch(/\/ 155/);
    await page.waitForTimeout(800);
    const png = await page.locator('[data-tile=grid-t2] .cs').screenshot();
    expect(litFraction(png)).toBeGreaterThan(0.05);
    expect(app.pageErrors).toEqual([]);
  });

  it('marks the result stale the moment a slot changes, and disables sign-off', async () => {
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=results]', { timeout: 240_000 });
    await page.waitForSelector('[data-testid=review]');
    expect(await page.getByTestId('stale').count()).toBe(0);
    expect(await page.isEnabled('[data-testid=sign-off]')).toBe(true);
    const t1Select = await page.evaluateHandle(() =>
      [...document.querySelectorAll<HTMLSelectElement>('tr[data-series] select')].find(
        (s) => s.value === 't1',
      ),
    );
    await t1Select.asElement()!.selectOption('none');
    const stale = page.getByTestId('stale');
    await stale.waitFor({ timeout: 30_000 });
    expect(await stale.textContent()).toContain(
      'Computed for FLAIR + T1 + T1ce + T2 — inputs changed (T1), run again.',
    );
    expect(await page.isEnabled('[data-testid=sign-off]')).toBe(false);
    expect(await page.locator('[data-testid=results]').getAttribute('data-stale')).toBe('true');
    await page.screenshot({ path: shot('3-stale') });
    // Back to automatic (from the T1 series' own menu): the inputs match again.
    await t1Select.asElement()!.selectOption('auto');
    await stale.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.isEnabled('[data-testid=sign-off]')).toBe(true);
  });

  it('asks before forcing a series into a slot its detection contradicts', async () => {
    const t2Row = page.locator('tr[data-series]', {
      has: page.locator('select', { hasText: 'T2' }),
    });
    const select = await page.evaluateHandle(() =>
      [...document.querySelectorAll<HTMLSelectElement>('tr[data-series] select')].find(
        (s) => s.value === 't2',
      ),
    );
    await select.asElement()!.selectOption('flair');
    const dialog = page.getByTestId('confirm');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/detected as T2 .* not FLAIR/);
    await page.screenshot({ path: shot('4-confirm') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByTestId('stale').count()).toBe(0);
    expect(await t2Row.count()).toBeGreaterThan(0);
    await select.asElement()!.selectOption('flair');
    await dialog.getByRole('button', { name: /Use as FLAIR/ }).click();
    await page.getByTestId('stale').waitFor({ timeout: 30_000 });
    await page.locator('tr[data-series] select').first().selectOption('auto');
    await page.getByTestId('stale').waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('stores Length and Bidirectional measurements in the session and lists them', async () => {
    const box = (await page.locator('[data-tile=grid-flair] .cs').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const drag = async (x0: number, y0: number, x1: number, y1: number) => {
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      await page.mouse.move(x1, y1, { steps: 5 });
      await page.mouse.up();
    };
    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await drag(cx - 40, cy, cx + 40, cy);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: shot('5a-length-drawn') });
    const err = page.getByTestId('error');
    if (await err.count()) throw new Error(`error banner: ${await err.textContent()}`);
    await expect
      .poll(() => page.locator('[data-testid=measurement][data-kind=length]').count(), {
        timeout: 20_000,
      })
      .toBe(1);
    await page.getByRole('button', { name: 'Bidirectional', exact: true }).click();
    await drag(cx - 30, cy + 40, cx + 30, cy + 60);
    await expect
      .poll(() => page.locator('[data-testid=measurement][data-kind=bidirectional]').count(), {
        timeout: 20_000,
      })
      .toBe(1);
    const [stored] = await api.invoke('listSessions', {});
    const kinds = (stored.measurements ?? []).map((m) => m.kind).sort();
    expect(kinds).toEqual(['bidirectional', 'length']);
    const length = stored.measurements!.find((m) => m.kind === 'length')!;
    expect(length.lengthMm).toBeGreaterThan(10);
    expect(stored.audit.at(-1)?.action).toBe('measurements');
    await page.getByRole('button', { name: 'W/L', exact: true }).click();
    await page.screenshot({ path: shot('5-measurements') });
  });

  it('a sign-off refused because another reader changed the session reloads it as it is now', async () => {
    const [open] = await api.invoke('listSessions', {});
    // Redrawing the measurements (a render, a tool change) is no change: nothing more is saved.
    const saves = open.audit.filter((a) => a.action === 'measurements').length;
    const g = open.geometry;
    // Another reader edits the session through the service, after this screen loaded it.
    await api.invoke('editSession', {
      sessionId: open.id,
      reader: 'Dr Other',
      edit: {
        kind: 'paintSphere',
        centerIjk: [g.dims[0] >> 1, g.dims[1] >> 1, g.dims[2] >> 1],
        radiusMm: 3,
        label: 2,
        plane: 'axial',
      },
    });
    await page.fill('.reader input', 'Dr Integrity');
    await page.click('[data-testid=sign-off]');
    const alert = page.getByTestId('error');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toMatch(
      /changed after your screen loaded it \(edit by Dr Other/,
    );
    await page
      .getByRole('status')
      .filter({ hasText: 'reloaded as it is now' })
      .waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('signed').count()).toBe(0);
    // The screen now holds the session as stored (opened again by this reader): the sign-off in
    // the next test goes through.
    const [reloaded] = await api.invoke('listSessions', {});
    expect(reloaded.signOff).toBeFalsy();
    expect(reloaded.audit.filter((a) => a.action === 'measurements')).toHaveLength(saves);
    expect(reloaded.audit.slice(-2).map((a) => [a.action, a.reader])).toEqual([
      ['edit', 'Dr Other'],
      ['opened', 'Dr Integrity'],
    ]);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
  });

  it('lists the study’s sessions with status and reader, the signed-off one too', async () => {
    await page.fill('.reader input', 'Dr Integrity');
    await page.click('[data-testid=sign-off]');
    await page.waitForSelector('[data-testid=signed]');
    const rows = page.locator('[data-testid=sessions] tr[data-session]');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(() => page.getByTestId('session-status').first().textContent())
      .toMatch(/signed off/);
    expect(await page.getByTestId('sessions').textContent()).toContain('Dr Integrity');
  });

  it('reattaches to a segmentation after a reload mid-run, and says so when a job was lost', async () => {
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=progress]', { timeout: 10_000 });
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Reattached' }).waitFor({ timeout: 30_000 });
    await page.waitForSelector('[data-testid=results]', { timeout: 240_000 });
    // Both sessions are listed, the signed-off one is not hidden.
    const rows = page.locator('[data-testid=sessions] tr[data-session]');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const statuses = await page.getByTestId('session-status').allTextContents();
    expect(statuses.filter((s) => /signed off/.test(s))).toHaveLength(1);
    await page.screenshot({ path: shot('6-reattached') });

    // A job the service no longer knows (it restarted) is reported lost. It must belong to the
    // open study, or it is ignored.
    const studyId = await page.evaluate(
      () => JSON.parse(localStorage.getItem('metakd.recentStudies') ?? '[]')[0]?.id as string,
    );
    await page.evaluate(
      (id) =>
        localStorage.setItem(
          'metakd.runningJob',
          JSON.stringify({ jobId: 'gone-job', studyId: id, provider: 'cpu' }),
        ),
      studyId,
    );
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'was lost' }).waitFor({ timeout: 30_000 });
    expect(app.pageErrors).toEqual([]);
  });
});
