/**
 * End to end, in real Chromium (Debian's, headless, WebGL2 through SwiftShader) against web mode:
 * import a shared BraTS case, make T1 missing with the series override, run, and check that the
 * overlay is drawn where the tumour is (screenshot pixels at the predicted tumour centre, overlay
 * on vs off), that the volumes shown equal `metakd segment`'s report for the same inputs, that the
 * contribution chart has one bar per present sequence, and that cancel works. Screenshots go to
 * test-artifacts/e2e (CI artefacts). Uses the shipped model when present, else the tiny test model.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import type { ApiService } from '../../src-main/api/service.ts';
import { voxelToLps } from '../../src-main/core/volume/Geometry.ts';
import { describeData, dataPath, repoRoot } from '../helpers/data.ts';
import { openWebApp, useE2eModel, type E2eModel, type WebApp } from './helpers/webApp.ts';
import { requireTumourVoxel } from './helpers/tumourVoxel.ts';
import { decodePng, pixelAt } from './helpers/png.ts';
import { findLesions } from '../../src-renderer/lib/lesions.ts';

const CASE = 'Brats18_2013_20_1';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
/** BraTS label colours (src-main/core/export/labelColours.ts). */
const LABEL_RGB: Record<number, [number, number, number]> = {
  1: [213, 94, 0],
  2: [86, 180, 233],
  4: [240, 228, 66],
};
const PRESENT = ['flair', 't1ce', 't2'] as const;

const run = promisify(execFile);

const dist = (a: readonly number[], b: readonly number[]) =>
  Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describeData('review app in Chromium (web mode)', () => {
  let model: E2eModel;
  let app: WebApp;
  let api: ApiService;
  let page: Page;
  let home: string;
  /** A voxel inside the predicted tumour (set by the run test, used by the edit test). */
  let tumourWorld: [number, number, number] = [0, 0, 0];
  const caseDir = dataPath('brats18', CASE);

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    home = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e-'));
    model = useE2eModel('shipped-or-tiny');
    app = await openWebApp({ dataDir: home, viewport: { width: 1600, height: 900 } });
    ({ api, page } = app);
  });

  afterAll(async () => {
    await app?.close();
    model?.restore();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('shows a readable error naming the path when an import fails, and the help overlay', async () => {
    const missing = path.join(home, 'no-such-study');
    await page.fill('input[name=study-path]', missing);
    await page.click('button[type=submit]');
    const error = page.getByTestId('error');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.textContent()).toContain(missing);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
    await page.locator('body').press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, '0-help.png') });
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
    // A dialog opened by a click takes the focus: Escape closes it, not the button's page.
    await page.getByRole('button', { name: 'About' }).click();
    const about = page.getByRole('dialog', { name: 'About MetaKD Review' });
    await about.getByRole('heading', { name: /MetaKD Review \d/ }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('dialog');
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('imports a BraTS case and renders the four sequences', async () => {
    await page.fill('input[name=study-path]', caseDir);
    await page.click('button[type=submit]');
    await page.waitForFunction(() => window.__metakdViewer?.firstRenderAt != null, null, {
      timeout: 60_000,
    });
    await expect.poll(() => page.locator('.tile .cs').count(), { timeout: 30_000 }).toBe(4);
    await expect.poll(() => page.locator('tr[data-series]').count()).toBeGreaterThanOrEqual(4);
    await page.screenshot({ path: path.join(ARTIFACTS, '1-imported.png') });
  });

  it('overrides the T1 series to "not used": T1 is named missing', async () => {
    const select = await page.evaluateHandle(() =>
      [...document.querySelectorAll<HTMLSelectElement>('tr[data-series] select')].find(
        (s) => s.value === 't1',
      ),
    );
    await select.asElement()!.selectOption('none');
    const banner = page.getByTestId('missing-banner');
    await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain('T1 missing');
    expect(await page.locator('[data-missing=t1]').count()).toBe(1);
  });

  it('runs: overlay where the tumour is, one contribution bar per present sequence', async () => {
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=results]', { timeout: 240_000 });
    await page.waitForSelector('[data-testid=review]', { timeout: 30_000 });
    for (const region of ['et', 'tc', 'wt']) {
      const bars = page.locator(`figure[data-region=${region}] [data-testid=contrib-bar]`);
      expect(await bars.count()).toBe(PRESENT.length);
      const slots = await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-slot')));
      expect(slots.sort()).toEqual([...PRESENT].sort());
    }
    const [session] = await api.invoke('listSessions', {});
    expect(session.sequencesUsed.slice().sort()).toEqual([...PRESENT].sort());
    const lm = await api.invoke('getSessionLabelmap', { sessionId: session.id });
    const labels = new Uint8Array(lm.data);
    // The default slice is the largest lesion's centre, and the lesion list offers it.
    const [largest] = findLesions(labels, lm.geometry.dims, lm.geometry.spacing);
    await expect
      .poll(() => page.locator('[data-tile=grid-flair] [data-testid=slice]').textContent(), {
        timeout: 20_000,
      })
      .toMatch(new RegExp(`slice ${largest.centreIjk[2] + 1} / 155`));
    expect(await page.getByTestId('lesion').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('lesion').first().textContent()).toContain(
      largest.volumeMl.toFixed(2),
    );
    const centre = requireTumourVoxel(labels, lm.geometry);
    const world = voxelToLps(lm.geometry, centre.ijk);
    tumourWorld = [world[0], world[1], world[2]];
    if (model.shipped) {
      // With the trained model, the expert tumour's centre must lie in the predicted whole tumour.
      const { readNifti } = await import('../../src-main/core/io/nifti/readNifti.ts');
      const seg = await readNifti(path.join(caseDir, `${CASE}_seg.nii.gz`));
      const truth = seg.frames[0];
      const truthLabels = Uint8Array.from(truth, (v) => (v ? 1 : 0));
      const t = requireTumourVoxel(truthLabels, seg.geometry);
      const tw = voxelToLps(seg.geometry, t.ijk);
      const [nx, ny] = lm.geometry.dims;
      const ijk = t.ijk;
      expect(dist(tw, voxelToLps(lm.geometry, ijk))).toBeLessThan(1e-3);
      expect(labels[ijk[0] + nx * (ijk[1] + ny * ijk[2])]).toBeGreaterThan(0);
    }
    await page.evaluate((w) => window.__metakdViewer!.jumpTo(w), world as [number, number, number]);
    await page.waitForTimeout(800);
    const at = await page.evaluate(
      (w) => window.__metakdViewer!.worldToPage('grid-flair', w),
      world as [number, number, number],
    );
    expect(at).not.toBeNull();
    const on = decodePng(await page.screenshot({ path: path.join(ARTIFACTS, '2-result.png') }));
    await page.keyboard.press('o');
    await page.waitForTimeout(500);
    const off = decodePng(
      await page.screenshot({ path: path.join(ARTIFACTS, '3-overlay-off.png') }),
    );
    await page.keyboard.press('o');
    const pOn = pixelAt(on, at![0], at![1]);
    const pOff = pixelAt(off, at![0], at![1]);
    const colour = LABEL_RGB[centre.label];
    // The overlay changes the pixel, towards the label's colour.
    expect(dist(pOn, pOff)).toBeGreaterThan(20);
    expect(dist(pOn, colour)).toBeLessThan(dist(pOff, colour));
  });

  it('shows the same volumes as `metakd segment` for the same inputs', async () => {
    const shown: Record<string, number> = {};
    for (const key of ['ncr', 'ed', 'et', 'tc', 'wt']) {
      const text = await page
        .locator(`[data-testid=volumes] tr[data-key=${key}] td.num`)
        .textContent();
      shown[key] = Number(text);
    }
    const out = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e-seg-'));
    try {
      await run(
        process.execPath,
        [
          path.join(repoRoot, 'bin', 'metakd.cjs'),
          'segment',
          caseDir,
          '--single',
          '--sequences',
          PRESENT.join(','),
          '--model',
          model.dir,
          '--out',
          out,
        ],
        { cwd: repoRoot, env: { ...process.env, METAKD_HOME: home }, maxBuffer: 1 << 24 },
      );
      const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
        volumesMl: Record<string, number>;
        usedSequences: string[];
      };
      for (const key of Object.keys(shown)) {
        // The panel shows two decimals.
        expect(Math.abs(shown[key] - report.volumesMl[key])).toBeLessThanOrEqual(0.0051);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('edits, survives a reload (crash) and signs off, with an audit trail', async () => {
    const wtBefore = Number(
      await page.locator('[data-testid=volumes] tr[data-key=wt] td.num').textContent(),
    );
    await page.fill('.reader input', 'Dr E2E');
    await page.selectOption('select[aria-label="New label"]', '0');
    await page.getByRole('button', { name: /Relabel component/ }).click();
    await page.evaluate((w) => window.__metakdViewer!.jumpTo(w), tumourWorld);
    await page.waitForTimeout(500);
    const at = await page.evaluate(
      (w) => window.__metakdViewer!.worldToPage('grid-flair', w),
      tumourWorld,
    );
    await page.mouse.click(at![0], at![1]);
    await expect
      .poll(async () => (await api.invoke('listSessions', {}))[0].edits.length, { timeout: 20_000 })
      .toBe(1);
    const [edited] = await api.invoke('listSessions', {});
    expect(edited.audit.at(-1)).toMatchObject({ reader: 'Dr E2E', action: 'edit' });
    await expect
      .poll(async () =>
        Number(await page.locator('[data-testid=volumes] tr[data-key=wt] td.num').textContent()),
      )
      .toBeLessThan(wtBefore);
    await page.screenshot({ path: path.join(ARTIFACTS, '5-edited.png') });

    // A crash: the page goes away without saving anything more; the session is on disk already.
    // On reload the last study and its open session come back by themselves (issue 11).
    await page.goto('about:blank');
    await page.goto(app.server.appUrl);
    await page.waitForSelector('[data-testid=resumed]', { timeout: 30_000 });
    expect(await page.getByTestId('resumed').textContent()).toMatch(/1\s+reader\s+edit/);
    expect(await page.inputValue('input[name=study-path]')).toBe(caseDir);
    // The result's warnings and expected accuracy come back with the session.
    await page.getByTestId('expected').waitFor();
    expect(await page.getByTestId('expected').textContent()).toMatch(/FLAIR \+ T1ce \+ T2/);
    await page.fill('.reader input', 'Dr E2E');
    await page.getByRole('button', { name: 'Sign off' }).click();
    await page.waitForSelector('[data-testid=signed]');
    expect(await page.getByTestId('signed').textContent()).toContain('Dr E2E');
    const [signed] = await api.invoke('listSessions', {});
    expect(signed.audit.map((a) => a.action)).toEqual(['created', 'edit', 'opened', 'signOff']);
    await page.screenshot({ path: path.join(ARTIFACTS, '6-signed-off.png') });
  });

  it('erases part of the tumour with one brush stroke: volume drops, audit lists the stroke', async () => {
    const shownWt = async () =>
      Number(await page.locator('[data-testid=volumes] tr[data-key=wt] td.num').textContent());
    const wtBefore = await shownWt();
    await page.getByRole('button', { name: 'Reopen' }).click();
    await page.waitForSelector('[data-testid=signed]', { state: 'detached' });
    // Keyboard: E picks the eraser, = widens the brush by 0.5 mm (from 3 mm).
    await page.locator('body').press('e');
    await page.locator('body').press('=');
    expect(await page.getByTestId('brush-radius').textContent()).toBe('3.5 mm');
    const [session] = await api.invoke('listSessions', {});
    const lm = await api.invoke('getSessionLabelmap', { sessionId: session.id });
    const target = requireTumourVoxel(new Uint8Array(lm.data), lm.geometry);
    const centre = voxelToLps(lm.geometry, target.ijk);
    await page.evaluate(
      (w) => window.__metakdViewer!.jumpTo(w),
      centre as [number, number, number],
    );
    await page.waitForTimeout(300);
    // A short stroke along patient x (in the axial plane) through the remaining tumour.
    const points: [number, number][] = [];
    for (const dx of [-4, -2, 0, 2, 4]) {
      const w: [number, number, number] = [centre[0] + dx, centre[1], centre[2]];
      const p = await page.evaluate((x) => window.__metakdViewer!.worldToPage('grid-flair', x), w);
      points.push(p!);
    }
    const overlaysShown = () =>
      page.evaluate(() => performance.getEntriesByName('metakd:overlay-shown').length);
    const shownBefore = await overlaysShown();
    await page.mouse.move(points[0][0], points[0][1]);
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(p[0], p[1], { steps: 2 });
    await page.mouse.up();
    await expect
      .poll(async () => (await api.invoke('listSessions', {}))[0].edits.length, { timeout: 20_000 })
      .toBe(2);
    const [painted] = await api.invoke('listSessions', {});
    const stroke = painted.edits[1];
    expect(stroke.edit).toMatchObject({
      kind: 'paintStroke',
      label: 0,
      radiusMm: 3.5,
      plane: 'axial',
    });
    expect(stroke.edit.kind === 'paintStroke' && stroke.edit.centersIjk.length).toBeGreaterThan(1);
    expect(stroke.voxels).toBeGreaterThan(0);
    expect(painted.audit.at(-1)).toMatchObject({ reader: 'Dr E2E', action: 'edit' });
    expect(painted.audit.at(-1)?.detail).toMatch(/^brush stroke: erased \d+ voxels, 3\.5 mm axial/);
    await expect.poll(shownWt, { timeout: 10_000 }).toBeLessThan(wtBefore);
    // The labelmap is reloaded from the session (the source of truth) after the stroke.
    await expect.poll(overlaysShown, { timeout: 10_000 }).toBeGreaterThan(shownBefore);
    expect(await page.locator('.audit li').last().textContent()).toContain('brush stroke: erased');
    await page.screenshot({ path: path.join(ARTIFACTS, '6b-brush-erased.png') });
    // Ctrl+Z undoes the stroke, Ctrl+Shift+Z redoes it.
    const edits = async () => (await api.invoke('listSessions', {}))[0].edits.length;
    await page.locator('body').press('Control+z');
    await expect.poll(edits, { timeout: 20_000 }).toBe(1);
    await page.locator('body').press('Control+Shift+z');
    await expect.poll(edits, { timeout: 20_000 }).toBe(2);
    expect((await api.invoke('listSessions', {}))[0].edits[1].edit).toMatchObject({
      kind: 'paintStroke',
      label: 0,
    });
  });

  it('cancels a running segmentation', async () => {
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=progress]', { timeout: 10_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, '4-running.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=progress]', { state: 'detached', timeout: 60_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, '7-cancelled.png') });
    expect(await page.getByRole('status').filter({ hasText: 'cancelled' }).count()).toBe(1);
    expect(await page.isEnabled('[data-testid=run]')).toBe(true);
    expect(app.pageErrors).toEqual([]);
  });
});
