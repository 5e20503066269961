/**
 * Issue 14 in real Chromium (web mode): a research annotation project from the Projects view.
 * Three shared BraTS cases (one with only FLAIR + T1ce) → create the project with readers ann and
 * bob → the worklist shows 3 rows, the missing sequences struck out → Run model until 3/3 → ann
 * opens a case, erases a tumour component and signs off → bob opens the same case and signs off
 * unchanged → Agreement shows a reader WT Dice below 1 → Export signed-off → the exported
 * <reader>/<case>/<case>_seg.nii.gz re-import voxel for voxel equal to the sessions' labelmaps →
 * N / P step through the worklist → in a blinded project the review screen offers no Run (button
 * or R) and lists no other reader's session. A hand-broken project.json is listed as unreadable without hiding the others. Uses the
 * shipped model when present (real masks, so Dice means something), else the tiny test model. Screenshots go to test-artifacts/e2e/issue14-*.png.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { ApiService } from '../../src-main/api/service.ts';
import { readNifti } from '../../src-main/core/io/nifti/readNifti.ts';
import { voxelToLps } from '../../src-main/core/volume/Geometry.ts';
import { describeData, dataPath, repoRoot } from '../helpers/data.ts';
import { openWebApp, useE2eModel, type E2eModel, type WebApp } from './helpers/webApp.ts';
import { tumourVoxel } from './helpers/tumourVoxel.ts';

/** The cases, in worklist (name) order; the last one keeps only FLAIR and T1ce. */
const CASES = ['Brats18_2013_20_1', 'Brats18_2013_23_1', 'Brats18_CBICA_AQQ_1'] as const;
const TWO_SEQUENCES = CASES[2];
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
const shot = (name: string) => path.join(ARTIFACTS, `issue14-${name}.png`);

/** Links a shared case's images (never its expert `_seg`) into `dst`. */
async function linkCase(caseId: string, dst: string, keep: (f: string) => boolean = () => true) {
  const src = dataPath('brats18', caseId);
  await mkdir(dst, { recursive: true });
  for (const f of await readdir(src))
    if (!f.endsWith('_seg.nii.gz') && keep(f)) await symlink(path.join(src, f), path.join(dst, f));
}

describeData('research annotation project in Chromium (web mode)', () => {
  let model: E2eModel;
  let app: WebApp;
  let api: ApiService;
  let page: Page;
  let home: string;
  let work: string;
  let projectId = '';

  const worklist = () => api.invoke('getWorklist', { projectId });
  const cell = async (caseId: string, reader: string) =>
    (await worklist()).rows
      .find((r) => r.caseId === caseId)
      ?.readers.find((c) => c.reader === reader);
  const row = (caseId: string) => page.locator(`[data-testid=worklist] tr[data-case="${caseId}"]`);

  const projectsDialog = () => page.getByRole('dialog', { name: 'Projects' });

  /** Opens the Projects view and the project (it stays chosen while the app runs). */
  async function openProjects(): Promise<void> {
    if ((await projectsDialog().count()) === 0)
      await page.getByRole('button', { name: 'Projects', exact: true }).click();
    await page.getByRole('dialog', { name: 'Projects' }).waitFor();
    await expect.poll(() => row(CASES[0]).count(), { timeout: 20_000 }).toBe(1);
  }

  /** Opens `caseId` from the worklist as `reader` and waits for the reader's unsigned session. */
  async function openCaseAs(caseId: string, reader: string, how: 'dblclick' | 'enter') {
    await projectsDialog().getByLabel('Reader', { exact: true }).selectOption(reader);
    if (how === 'dblclick') await row(caseId).dblclick();
    else {
      await row(caseId).focus();
      await page.keyboard.press('Enter');
    }
    await page.getByRole('dialog', { name: 'Projects' }).waitFor({ state: 'detached' });
    await expect
      .poll(async () => (await cell(caseId, reader))?.sessionId, { timeout: 60_000 })
      .toBeTruthy();
    await page.getByTestId('sign-off').waitFor({ timeout: 60_000 });
    expect(await page.inputValue('.reader input')).toBe(reader);
    return (await cell(caseId, reader))!.sessionId!;
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    home = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e-projects-'));
    work = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e-projects-work-'));
    const cases = path.join(work, 'cases');
    await linkCase(CASES[0], path.join(cases, CASES[0]));
    await linkCase(CASES[1], path.join(cases, CASES[1]));
    await linkCase(TWO_SEQUENCES, path.join(cases, TWO_SEQUENCES), (f) =>
      /_(flair|t1ce)\.nii\.gz$/.test(f),
    );
    model = useE2eModel('shipped-or-tiny');
    app = await openWebApp({
      dataDir: home,
      viewport: { width: 1600, height: 900 },
      // Another project whose file was then edited by hand and broken (cut off mid-way): listed
      // as unreadable, never hiding the good project.
      beforeOpen: async (service) => {
        const other = await service.invoke('createProject', { folder: cases, name: 'hand edited' });
        const file = path.join(home, 'projects', other.id, 'project.json');
        await writeFile(file, (await readFile(file, 'utf8')).slice(0, 60));
      },
    });
    ({ api, page } = app);
  }, 240_000);

  // A failed step leaves its screen behind (CI artefact).
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page)
      await page.screenshot({
        path: shot(`failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`),
      });
  });

  afterAll(async () => {
    await app?.close();
    model?.restore();
    for (const d of [home, work]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('creates the project: 3 rows, missing sequences struck out, the broken file listed', async () => {
    await page.getByRole('button', { name: 'Projects', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Projects' });
    await dialog.waitFor();
    await expect
      .poll(() => page.getByTestId('broken-project').textContent(), { timeout: 20_000 })
      .toContain('Unreadable project');
    await page.getByLabel('Project folder').fill(path.join(work, 'cases'));
    await page.getByLabel('Project name').fill('reader study');
    await page.getByLabel('Project readers').fill('ann, bob');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => page.locator('[data-testid=worklist] tbody tr').count(), {
        timeout: 30_000,
      })
      .toBe(3);
    const { projects, broken } = await api.invoke('listProjects', {});
    expect(projects.map((p) => p.name)).toEqual(['reader study']);
    projectId = projects[0].id;
    expect(projects[0].readers).toEqual(['ann', 'bob']);
    // The good project and the broken file are both listed.
    expect(broken).toHaveLength(1);
    expect(await page.getByTestId('project-list').getByRole('button').allTextContents()).toEqual([
      expect.stringContaining('reader study'),
    ]);
    expect(await page.getByTestId('broken-project').count()).toBe(1);
    expect(await page.locator('[data-testid=worklist] thead th').allTextContents()).toEqual(
      expect.arrayContaining(['ann', 'bob']),
    );
    expect(await row(CASES[0]).locator('[data-testid=model-status]').textContent()).toBe('queued');
    await page.screenshot({ path: shot('1-worklist') });
  }, 60_000);

  it('runs the model over the three cases in the background until 3/3', async () => {
    await page.getByRole('button', { name: 'Run model' }).click();
    await expect
      .poll(() => page.getByTestId('project-progress').textContent(), { timeout: 300_000 })
      .toMatch(/model 3\/3/);
    await page.getByRole('button', { name: 'Run model' }).waitFor({ timeout: 10_000 });
    for (const c of CASES)
      expect(await row(c).locator('[data-testid=model-status]').textContent()).toBe('done');
    // Sequences are known once imported: the two-sequence case has T1 and T2 struck out.
    const missing = row(TWO_SEQUENCES).locator('.seq.missing');
    expect(
      (await missing.evaluateAll((e) => e.map((x) => x.getAttribute('data-slot')))).sort(),
    ).toEqual(['t1', 't2']);
    expect(await row(CASES[0]).locator('.seq.missing').count()).toBe(0);
    await page.screenshot({ path: shot('2-model-done') });
  }, 320_000);

  it('ann opens a case, erases a tumour component and signs off', async () => {
    const sessionId = await openCaseAs(CASES[0], 'ann', 'dblclick');
    await page.waitForFunction(() => window.__metakdViewer?.firstRenderAt != null, null, {
      timeout: 60_000,
    });
    expect(await page.inputValue('input[name=study-path]')).toBe(
      path.join(work, 'cases', CASES[0]),
    );
    const lm = await api.invoke('getSessionLabelmap', { sessionId });
    const ijk = tumourVoxel(new Uint8Array(lm.data), lm.geometry)?.ijk ?? null;
    expect(ijk, 'the model found no tumour to edit').not.toBeNull();
    const world = voxelToLps(lm.geometry, ijk!) as [number, number, number];
    await page.selectOption('select[aria-label="New label"]', '0');
    await page.getByRole('button', { name: /Relabel component/ }).click();
    await page.evaluate((w) => window.__metakdViewer!.jumpTo(w), world);
    await page.waitForTimeout(500);
    const at = await page.evaluate(
      (w) => window.__metakdViewer!.worldToPage('grid-flair', w),
      world,
    );
    expect(at).not.toBeNull();
    await page.mouse.click(at![0], at![1]);
    const session = async () =>
      (await api.invoke('listSessions', {})).find((s) => s.id === sessionId)!;
    await expect.poll(async () => (await session()).edits.length, { timeout: 30_000 }).toBe(1);
    expect((await session()).audit.at(-1)).toMatchObject({ reader: 'ann', action: 'edit' });
    await page.screenshot({ path: shot('3-ann-edited') });
    await page.getByTestId('sign-off').click();
    await page.getByTestId('signed').waitFor();
    expect(await page.getByTestId('signed').textContent()).toContain('ann');
    expect((await cell(CASES[0], 'ann'))?.state).toBe('signed-off');
  }, 180_000);

  it('bob opens the same case from the worklist and signs off unchanged', async () => {
    await openProjects();
    // The worklist is re-read when the view is shown again: ann's sign-off is there.
    await expect
      .poll(() => row(CASES[0]).locator('td[data-reader=ann]').textContent(), { timeout: 20_000 })
      .toContain('signed off');
    const sessionId = await openCaseAs(CASES[0], 'bob', 'enter');
    expect(sessionId).not.toBe((await cell(CASES[0], 'ann'))?.sessionId);
    await page.getByTestId('sign-off').click();
    await page.getByTestId('signed').waitFor();
    expect(await page.getByTestId('signed').textContent()).toContain('bob');
    const s = (await api.invoke('listSessions', {})).find((x) => x.id === sessionId)!;
    expect(s.edits).toHaveLength(0);
    expect(s.signOff?.reader).toBe('bob');
  }, 120_000);

  it('shows the readers’ WT Dice below 1 after Agreement', async () => {
    await openProjects();
    await page.getByRole('button', { name: 'Agreement' }).click();
    const readersWt = row(CASES[0]).getByTestId('readers-wt');
    await expect.poll(() => readersWt.textContent(), { timeout: 60_000 }).toMatch(/\d\.\d\d/);
    const dice = Number(await readersWt.textContent());
    expect(dice).toBeLessThan(1);
    expect(dice).toBeGreaterThanOrEqual(0);
    const pair = (await worklist()).rows
      .find((r) => r.caseId === CASES[0])!
      .agreement!.pairs.find((p) => p.a !== 'model' && p.b !== 'model')!;
    expect(pair.dice.wt.toFixed(2)).toBe(dice.toFixed(2));
    // bob signed off the model's mask unchanged: bob vs model is 1.00 when bob is chosen.
    await projectsDialog().getByLabel('Reader', { exact: true }).selectOption('bob');
    expect(await row(CASES[0]).getByTestId('model-wt').textContent()).toBe('1.00');
    expect(await row(CASES[0]).locator('td[data-reader=bob]').textContent()).toContain(
      'signed off',
    );
    await page.screenshot({ path: shot('4-agreement') });
  }, 90_000);

  it('exports the signed-off masks; they re-import voxel for voxel', async () => {
    const out = path.join(work, 'export');
    await page.getByLabel('Export folder').fill(out);
    await page.getByRole('button', { name: 'Export signed-off' }).click();
    // The view's one-line message (read without waiting: it is absent until the export returns).
    const message = () =>
      page.evaluate(() => document.querySelector('.message')?.textContent ?? '');
    await expect.poll(message, { timeout: 120_000 }).toMatch(/Exported 2 signed-off annotation/);
    await page.screenshot({ path: shot('5-exported') });
    const w = await worklist();
    for (const reader of ['ann', 'bob']) {
      const file = path.join(out, reader, CASES[0], `${CASES[0]}_seg.nii.gz`);
      expect(existsSync(file), file).toBe(true);
      const sessionId = w.rows
        .find((r) => r.caseId === CASES[0])!
        .readers.find((c) => c.reader === reader)!.sessionId!;
      const lm = await api.invoke('getSessionLabelmap', { sessionId });
      const f = (await readNifti(file)).frames[0];
      const back = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
      expect(back.length).toBe(lm.data.byteLength);
      expect(back.equals(new Uint8Array(lm.data))).toBe(true);
    }
  }, 180_000);

  it('N opens the next case of the worklist, P the previous one', async () => {
    await page.getByRole('button', { name: 'Close projects' }).click();
    await page.getByRole('dialog', { name: 'Projects' }).waitFor({ state: 'detached' });
    const studyPath = () => page.inputValue('input[name=study-path]');
    const casePath = (c: string) => path.join(work, 'cases', c);
    await page.locator('body').press('n');
    await expect.poll(studyPath, { timeout: 60_000 }).toBe(casePath(CASES[1]));
    await expect
      .poll(async () => (await cell(CASES[1], 'bob'))?.state, { timeout: 60_000 })
      .toBe('in-progress');
    await page.getByTestId('sign-off').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: shot('6-next-case') });
    // N again goes on to the third case, P comes back.
    await page.locator('body').press('n');
    await expect.poll(studyPath, { timeout: 60_000 }).toBe(casePath(CASES[2]));
    await page.getByTestId('sign-off').waitFor({ timeout: 60_000 });
    await page.locator('body').press('p');
    await expect.poll(studyPath, { timeout: 60_000 }).toBe(casePath(CASES[1]));
    expect(app.pageErrors).toEqual([]);
  }, 180_000);

  it('a blinded reader is offered no model run: no Run button, R does nothing', async () => {
    await api.invoke('updateProject', {
      projectId,
      readers: ['ann', 'bob', 'cat'],
      settings: { showModelMask: false },
    });
    await openProjects();
    await expect
      .poll(
        () =>
          projectsDialog()
            .getByLabel('Reader', { exact: true })
            .locator('option')
            .allTextContents(),
        {
          timeout: 20_000,
        },
      )
      .toContain('cat');
    // Another reader's session of the same case exists: the blinded reader must not be offered it.
    await api.invoke('startAnnotation', { projectId, caseId: CASES[2], reader: 'bob' });
    const sessionId = await openCaseAs(CASES[2], 'cat', 'dblclick');
    await page.getByTestId('blinded').waitFor({ timeout: 30_000 });
    await page.getByTestId('sessions-hidden').waitFor({ timeout: 30_000 });
    expect(
      await page
        .locator('[data-session]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session'))),
    ).toEqual([sessionId]);
    expect(await page.getByTestId('run').count()).toBe(0);
    await page.locator('body').press('r');
    await page.waitForTimeout(1500);
    expect(await page.getByTestId('progress').count()).toBe(0);
    // The reader starts from an empty mask, and pressing R started no model run.
    const lm = await api.invoke('getSessionLabelmap', { sessionId });
    expect(new Uint8Array(lm.data).some((v) => v !== 0)).toBe(false);
    await page.screenshot({ path: shot('7-blinded') });
    // Not blinded any more: the same screen offers Run again for a sighted reader's case.
    await api.invoke('updateProject', { projectId, settings: { showModelMask: true } });
    await openProjects();
    await openCaseAs(CASES[1], 'bob', 'dblclick');
    await page.getByTestId('run').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('blinded').count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  }, 180_000);
});
