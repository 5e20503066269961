/**
 * Viewer essentials (issue 11) in real Chromium against web mode, on the four-series DICOM study
 * generated from a BraTS case (its PatientName set with dcmtk's dcmodify, in a temp folder):
 * - the header line masks the patient name while the setting is on and shows it when off;
 * - the W/L presets (brain, T1/T2 auto, full range) set the window the preset defines over the
 *   series' voxels, the numeric readout shows it, and the rendered pixels change;
 * - Ctrl+wheel and right-drag zoom keep the world point under the cursor under the cursor;
 * - the window after import is the series' suggested window from the api, and reset view brings
 *   zoom, pan, window and slice back to where they were after import;
 * - a series dragged onto a sequence slot becomes that slot's input through the same request as
 *   the override menu: the contradiction is confirmed first and the shown result turns stale.
 * Screenshots go to test-artifacts/e2e/viewer-*.png (CI artefacts). Uses the shipped model when
 * present, else the tiny test model (the slot step only needs a result, not a good one).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import type { ApiService } from '../../src-main/api/service.ts';
import {
  writeMrStudyFromBratsCase,
  type WrittenMrStudy,
} from '../../src-main/core/io/dicom/writeMrStudy.ts';
import { presetRange, type WindowPreset } from '../../src-renderer/lib/viewGeometry.ts';
import { describeData, dataPath, repoRoot } from '../helpers/data.ts';
import {
  buildRenderer,
  openWebApp,
  useE2eModel,
  type E2eModel,
  type WebApp,
} from './helpers/webApp.ts';
import { decodePng } from './helpers/png.ts';

const run = promisify(execFile);
const CASE = 'Brats18_2013_20_1';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
/** DICOM PN value written into every file, and how the header line shows it. */
const PATIENT_PN = 'Viewerton^Tessa';
const PATIENT_SHOWN = 'Viewerton Tessa';
const TILE = 'grid-flair';
const shot = (name: string) => path.join(ARTIFACTS, `viewer-${name}.png`);

type Vec3 = [number, number, number];

/** Mean absolute difference of two same-sized screenshots (0–255, RGB). */
function meanAbsDiff(a: Buffer, b: Buffer): number {
  const x = decodePng(a);
  const y = decodePng(b);
  expect([x.width, x.height]).toEqual([y.width, y.height]);
  let sum = 0;
  for (let p = 0; p < x.width * x.height; p++)
    for (let c = 0; c < 3; c++) sum += Math.abs(x.data[p * 4 + c] - y.data[p * 4 + c]);
  return sum / (x.width * x.height * 3);
}

const dist = (a: readonly number[], b: readonly number[]) =>
  Math.hypot(...a.map((v, i) => v - b[i]));

describeData('viewer essentials in Chromium (web mode)', () => {
  let model: E2eModel;
  let app: WebApp;
  let api: ApiService;
  let page: Page;
  let tmp: string;
  let study: WrittenMrStudy;
  /** The view right after import: what reset view must bring back. */
  let initial: { slice: string; width: string; level: string; anchor: Vec3; at: [number, number] };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e-viewer-'));
    model = useE2eModel('shipped-or-tiny');
    [study] = await Promise.all([
      writeMrStudyFromBratsCase(dataPath('brats18', CASE), path.join(tmp, 'study')),
      buildRenderer(),
    ]);
    // The generator writes no PatientName (synthetic data); the header line needs one.
    const files = study.series.flatMap((s) => s.files);
    await run('dcmodify', ['-nb', '-i', `(0010,0010)=${PATIENT_PN}`, ...files], {
      maxBuffer: 1 << 24,
    });
    app = await openWebApp({
      dataDir: path.join(tmp, 'data'),
      viewport: { width: 1600, height: 900 },
    });
    ({ api, page } = app);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    model?.restore();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const sliceText = async () =>
    ((await page.locator(`[data-tile=${TILE}] [data-testid=slice]`).textContent()) ?? '').trim();
  const readout = async () => ({
    width: await page.inputValue('input[aria-label="Window width"]'),
    level: await page.inputValue('input[aria-label="Window level"]'),
  });
  const pane = () => page.locator(`[data-tile=${TILE}] .cs`);
  const toPage = (w: Vec3) =>
    page.evaluate(([id, p]) => window.__metakdViewer!.worldToPage(id, p), [TILE, w] as const);
  const toWorld = (x: number, y: number) =>
    page.evaluate(([id, px, py]) => window.__metakdViewer!.pageToWorld(id, px, py), [
      TILE,
      x,
      y,
    ] as const);
  /** A page point off the pane's centre (zoom about the centre would not move it either way). */
  const offCentre = async (): Promise<[number, number]> => {
    const box = (await pane().boundingBox())!;
    return [box.x + box.width * 0.32, box.y + box.height * 0.62];
  };

  it('imports the DICOM study and masks the patient name in the header line until unmasked', async () => {
    await page.fill('input[name=study-path]', study.outDir);
    await page.click('button[type=submit]');
    await page.waitForFunction(() => window.__metakdViewer?.firstRenderAt != null, null, {
      timeout: 60_000,
    });
    await expect.poll(() => page.locator('.tile .cs canvas').count(), { timeout: 60_000 }).toBe(4);
    await expect.poll(sliceText, { timeout: 30_000 }).toMatch(/slice \d+ \/ 155/);
    const name = page.getByTestId('patient-name');
    // Masked by default: initials only, never the name.
    expect(await name.textContent()).toBe('V••• T•••');
    expect(await page.locator('header').textContent()).not.toContain('Viewerton');
    await page.screenshot({ path: shot('1-name-masked') });
    await page.getByRole('button', { name: 'show name' }).click();
    await expect.poll(() => name.textContent()).toBe(PATIENT_SHOWN);
    await page.screenshot({ path: shot('2-name-shown') });
    await page.getByRole('button', { name: 'mask name' }).click();
    await expect.poll(() => name.textContent()).toBe('V••• T•••');
    // The setting is remembered for the next start.
    expect(await page.evaluate(() => localStorage.getItem('metakd.maskName'))).toBe('true');
  });

  it('W/L presets set the preset’s window, the readout shows it and the pixels change', async () => {
    await page.waitForTimeout(800);
    const at = await offCentre();
    const anchor = (await toWorld(at[0], at[1]))!;
    initial = { slice: await sliceText(), ...(await readout()), anchor, at };
    expect(Number(initial.width)).toBeGreaterThan(0);
    const flair = study.series.find((s) => s.slot === 'flair')!;
    const studyId = await page.evaluate(
      () => JSON.parse(localStorage.getItem('metakd.recentStudies') ?? '[]')[0]?.id as string,
    );
    const seriesId = await page.evaluate(
      () =>
        [...document.querySelectorAll<HTMLSelectElement>('tr[data-series] select')]
          .find((s) => s.value === 'flair')
          ?.closest('tr')
          ?.getAttribute('data-series') ?? '',
    );
    expect(seriesId).not.toBe('');
    const vol = await api.invoke('getSeriesVolume', { studyId, seriesId });
    expect(vol.geometry.dims[2]).toBe(flair.files.length);
    const voxels =
      vol.dataType === 'int16'
        ? new Int16Array(vol.data)
        : vol.dataType === 'uint16'
          ? new Uint16Array(vol.data)
          : vol.dataType === 'uint8'
            ? new Uint8Array(vol.data)
            : new Float32Array(vol.data);
    // After import: the series' suggested window from the api (not Cornerstone's 0–1024).
    expect(Math.abs(Number(initial.width) - vol.window.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(Number(initial.level) - vol.window.center)).toBeLessThanOrEqual(1);
    let before = await pane().screenshot({ path: shot('3-window-import') });
    let last = { width: initial.width, level: initial.level };
    for (const preset of ['full', 'auto', 'brain'] as WindowPreset[]) {
      const r = presetRange(voxels, preset);
      const want = { width: r.upper - r.lower, level: (r.upper + r.lower) / 2 };
      await page.selectOption('select[aria-label="Window preset"]', preset);
      await expect
        .poll(async () => (await readout()).width, { timeout: 10_000 })
        .not.toBe(last.width);
      const shown = await readout();
      expect(Math.abs(Number(shown.width) - want.width), `${preset} width`).toBeLessThanOrEqual(1);
      expect(Math.abs(Number(shown.level) - want.level), `${preset} level`).toBeLessThanOrEqual(1);
      // The pane's corner text says the same.
      expect(await sliceText()).toContain(`W ${shown.width} L ${shown.level}`);
      await page.waitForTimeout(400);
      const after = await pane().screenshot({ path: shot(`3-window-${preset}`) });
      expect(meanAbsDiff(before, after), `${preset} changes the image`).toBeGreaterThan(2);
      before = after;
      last = shown;
    }
  });

  it('zooms about the cursor: the point under it stays under it (Ctrl+wheel and right-drag)', async () => {
    const at = await offCentre();
    const w = (await toWorld(at[0], at[1]))!;
    const span = async () =>
      dist((await toWorld(at[0], at[1]))!, (await toWorld(at[0] + 100, at[1]))!);
    const span0 = await span();
    await page.mouse.move(at[0], at[1]);
    await page.keyboard.down('Control');
    for (let i = 0; i < 3; i++) {
      await page.mouse.wheel(0, -100);
      await page.waitForTimeout(150);
    }
    await page.keyboard.up('Control');
    await page.waitForTimeout(400);
    const span1 = await span();
    expect(span1, 'Ctrl+wheel zoomed in').toBeLessThan(span0 * 0.95);
    const p1 = (await toPage(w))!;
    expect(dist(p1, at), 'Ctrl+wheel keeps the point under the cursor').toBeLessThan(2);
    // Right-drag: the point where the drag started stays put.
    await page.mouse.move(at[0], at[1]);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(at[0], at[1] - 60, { steps: 6 });
    await page.mouse.up({ button: 'right' });
    await page.waitForTimeout(400);
    const span2 = dist(
      (await toWorld(at[0], at[1] - 60))!,
      (await toWorld(at[0] + 100, at[1] - 60))!,
    );
    expect(span2, 'right-drag zoomed').not.toBeCloseTo(span1, 1);
    const p2 = (await toPage(w))!;
    expect(dist(p2, at), 'right-drag keeps the point where it started').toBeLessThan(2);
    await page.screenshot({ path: shot('4-zoomed') });
  });

  it('reset view brings back zoom, pan, window and slice', async () => {
    // Pan (middle drag) and a few slices on top of the zoom and the window preset.
    const at = await offCentre();
    await page.mouse.move(at[0], at[1]);
    await page.mouse.down({ button: 'middle' });
    await page.mouse.move(at[0] + 40, at[1] + 30, { steps: 5 });
    await page.mouse.up({ button: 'middle' });
    // The arrow keys go to the viewer, not to the preset menu that has the focus.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(sliceText).not.toBe(initial.slice);
    expect(dist((await toPage(initial.anchor))!, initial.at)).toBeGreaterThan(5);
    await page.getByTestId('reset-view').click();
    await expect.poll(sliceText, { timeout: 10_000 }).toBe(initial.slice);
    expect(await readout()).toEqual({ width: initial.width, level: initial.level });
    const back = (await toPage(initial.anchor))!;
    expect(dist(back, initial.at), 'zoom and pan are back').toBeLessThan(1.5);
    await page.screenshot({ path: shot('5-reset') });
  });

  it('a series dropped on a slot becomes its input: confirmed first, the result turns stale', async () => {
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=results]', { timeout: 180_000 });
    expect(await page.getByTestId('stale').count()).toBe(0);
    const flairRow = page.locator('tr[data-series]', {
      has: page.locator('select', { hasText: 'FLAIR' }),
    });
    const rowOf = async (slot: string) =>
      page.evaluate(
        (s) =>
          [...document.querySelectorAll<HTMLSelectElement>('tr[data-series] select')]
            .find((el) => el.value === s)
            ?.closest('tr')
            ?.getAttribute('data-series') ?? '',
        slot,
      );
    expect(await flairRow.count()).toBeGreaterThan(0);
    const flairId = await rowOf('flair');
    const t1Id = await rowOf('t1');
    const source = (id: string) => page.locator(`tr[data-series="${id}"] button.link`);
    const slot = (s: string) => page.locator(`button.slot[data-slot=${s}]`);

    // Dropping a series on the slot it already fills asks for nothing.
    await source(t1Id).dragTo(slot('t1'));
    await page.waitForTimeout(500);
    expect(await page.getByTestId('confirm').count()).toBe(0);
    expect(await page.getByTestId('stale').count()).toBe(0);

    // FLAIR onto T1 contradicts detection: asked first; Cancel changes nothing.
    await source(flairId).dragTo(slot('t1'));
    const dialog = page.getByTestId('confirm');
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.textContent()).toMatch(/detected as FLAIR .* not T1/);
    await page.screenshot({ path: shot('6-slot-drop-confirm') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByTestId('stale').count()).toBe(0);
    expect(await rowOf('t1')).toBe(t1Id);

    await source(flairId).dragTo(slot('t1'));
    await dialog.getByRole('button', { name: /Use as T1/ }).click();
    const stale = page.getByTestId('stale');
    await stale.waitFor({ timeout: 30_000 });
    expect(await stale.textContent()).toContain('inputs changed (FLAIR, T1), run again.');
    expect(await rowOf('t1')).toBe(flairId);
    expect(await page.locator('[data-missing=flair]').count()).toBe(1);
    expect(await page.isEnabled('[data-testid=sign-off]')).toBe(false);
    // The window's file drop did not answer the series drop.
    expect(await page.getByRole('status').filter({ hasText: 'dropped file' }).count()).toBe(0);
    await page.screenshot({ path: shot('7-slot-drop-stale') });

    // Back to automatic with the menu (the keyboard way): the result matches its inputs again.
    await page.selectOption(`tr[data-series="${flairId}"] select`, 'auto');
    await stale.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await rowOf('flair')).toBe(flairId);
    expect(app.pageErrors).toEqual([]);
  });
});
