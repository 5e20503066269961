/**
 * Finishing a review in the app, end to end in real Chromium (web mode) against a real Orthanc
 * started by the test (issue 11): the four-series DICOM study generated from a BraTS case is
 * segmented, one tumour component is relabelled, the session signed off, a DICOM SEG exported from
 * the export panel (on the T1ce series, into a typed folder), a PACS destination configured and
 * tested in the settings screen, and the SEG sent: Orthanc then holds it in the source study as
 * SEMIAUTOMATIC with the reader's name. With Orthanc stopped, a second send waits in the outbox
 * view as failed with its error; once Orthanc is back, "Retry now" delivers it. Screenshots go to
 * test-artifacts/e2e (CI artefacts). Uses the shipped model.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { ApiService } from '../../src-main/api/service.ts';
import { voxelToLps } from '../../src-main/core/volume/Geometry.ts';
import {
  writeMrStudyFromBratsCase,
  type WrittenMrStudy,
} from '../../src-main/core/io/dicom/writeMrStudy.ts';
import { storeDimse } from '../../src-main/core/export/pacs/dimse.ts';
import { readDicomFile } from '../../src-main/core/export/seg/dcmjsSeg.ts';
import { describeData, dataPath, repoRoot } from '../helpers/data.ts';
import { hasOrthanc, startOrthanc, type OrthancInstance } from '../helpers/orthanc.ts';
import {
  buildRenderer,
  openWebApp,
  useE2eModel,
  type E2eModel,
  type WebApp,
} from './helpers/webApp.ts';
import { requireTumourVoxel } from './helpers/tumourVoxel.ts';

const CASE = 'Brats18_2013_20_1';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
const READER = 'Dr Finish';
const describeOrthanc = hasOrthanc ? describeData : describeData.skip;

/** Orthanc's id of the instance with this SOPInstanceUID (none: []). */
async function findInstance(orthanc: OrthancInstance, uid: string): Promise<string[]> {
  const r = await fetch(`${orthanc.baseUrl}/tools/find`, {
    method: 'POST',
    body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: uid } }),
  });
  return (await r.json()) as string[];
}

/** The exported SEG file the panel shows, and its SOPInstanceUID. */
async function shownSeg(page: Page): Promise<{ file: string; uid: string }> {
  const file = ((await page.getByTestId('export-file').textContent()) ?? '').trim();
  const uid = String(readDicomFile(file, { headerOnly: true }).dataset.SOPInstanceUID);
  return { file, uid };
}

describeOrthanc('finish the review in the app: export, send, outbox (Chromium, web mode)', () => {
  let model: E2eModel;
  let app: WebApp;
  let api: ApiService;
  let page: Page;
  let tmp: string;
  let study: WrittenMrStudy;
  let orthanc: OrthancInstance;
  /** The T1ce images reaching Orthanc (the study the SEG must land in). */
  let sourceUploaded: Promise<unknown>;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e-finish-'));
    model = useE2eModel('shipped');
    [study, orthanc] = await Promise.all([
      writeMrStudyFromBratsCase(dataPath('brats18', CASE), path.join(tmp, 'study')),
      startOrthanc(),
      buildRenderer(),
    ]);
    const t1ce = study.series.find((s) => s.slot === 't1ce');
    // The PACS already holds the images the SEG overlays (sent while the app works).
    sourceUploaded = storeDimse(
      {
        kind: 'dimse',
        name: 'setup',
        calledAeTitle: orthanc.aet,
        callingAeTitle: 'SETUP',
        host: '127.0.0.1',
        port: orthanc.dicomPort,
        timeoutMs: 30_000,
      },
      (t1ce?.files ?? []).map((file) => {
        const h = readDicomFile(file, { headerOnly: true }).dataset;
        return {
          file,
          SOPInstanceUID: String(h.SOPInstanceUID),
          SOPClassUID: String(h.SOPClassUID),
        };
      }),
    );
    sourceUploaded.catch(() => undefined); // awaited (and reported) by the send test
    app = await openWebApp({
      dataDir: path.join(tmp, 'data'),
      viewport: { width: 1600, height: 1000 },
    });
    ({ api, page } = app);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await orthanc?.dispose();
    model?.restore();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('segments the DICOM study, relabels a component and signs off', async () => {
    await page.fill('input[name=study-path]', study.outDir);
    await page.click('button[type=submit]');
    await page.waitForFunction(() => window.__metakdViewer?.firstRenderAt != null, null, {
      timeout: 60_000,
    });
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=review]', { timeout: 120_000 });
    // Nothing to export from before the run; now the panel offers the reader's review.
    await page.getByTestId('export-panel').waitFor();

    await page.fill('.reader input', READER);
    const [session] = await api.invoke('listSessions', {});
    const lm = await api.invoke('getSessionLabelmap', { sessionId: session.id });
    const target = requireTumourVoxel(new Uint8Array(lm.data), lm.geometry);
    const world = voxelToLps(lm.geometry, target.ijk) as [number, number, number];
    await page.selectOption('select[aria-label="New label"]', target.label === 2 ? '1' : '2');
    await page.getByRole('button', { name: /Relabel component/ }).click();
    await page.evaluate((w) => window.__metakdViewer!.jumpTo(w), world);
    await page.waitForTimeout(500);
    const at = await page.evaluate(
      (w) => window.__metakdViewer!.worldToPage('grid-flair', w),
      world,
    );
    expect(at).not.toBeNull();
    await page.mouse.click(at![0], at![1]);
    await expect
      .poll(async () => (await api.invoke('listSessions', {}))[0].edits.length, { timeout: 20_000 })
      .toBe(1);
    await page.getByRole('button', { name: 'Sign off' }).click();
    await page.waitForSelector('[data-testid=signed]');
  });

  it('exports the signed-off review as SEG on the chosen series into a typed folder', async () => {
    const panel = page.getByTestId('export-panel');
    expect(await panel.getByRole('radio', { name: /Reader's review/ }).isChecked()).toBe(true);
    expect(await panel.textContent()).toContain(`signed off by ${READER}`);
    const t1ce = study.series.find((s) => s.slot === 't1ce')!;
    await page.selectOption('#export-series', t1ce.SeriesInstanceUID);
    const out = path.join(tmp, 'exports');
    await page.fill('#export-out', out);
    await page.getByTestId('export').click();
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-algorithm').textContent()).toContain('SEMIAUTOMATIC');
    expect(await page.getByTestId('export-edited').textContent()).toContain(`yes — by ${READER}`);
    const { file } = await shownSeg(page);
    expect(path.dirname(file)).toBe(out);
    const ds = readDicomFile(file, { headerOnly: true }).dataset;
    expect((ds.ReferencedSeriesSequence as { SeriesInstanceUID: string }[])[0]).toMatchObject({
      SeriesInstanceUID: t1ce.SeriesInstanceUID,
    });
    await page.screenshot({ path: path.join(ARTIFACTS, 'finish-1-exported.png') });
  });

  it('configures and tests a DIMSE destination in the settings screen', async () => {
    await page.getByRole('button', { name: 'PACS destinations…' }).click();
    const dialog = page.getByRole('dialog', { name: 'PACS destinations' });
    await dialog.getByRole('button', { name: 'Add destination' }).click();
    await page.fill('#pacs-name', 'orthanc');
    await page.fill('#pacs-host', '127.0.0.1');
    await page.fill('#pacs-port', String(orthanc.dicomPort));
    await page.fill('#pacs-called', orthanc.aet);
    await page.fill('#pacs-timeout', '5');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = dialog.locator('li[data-destination=orthanc]');
    await row.waitFor();
    await row.getByRole('button', { name: 'Test connection' }).click();
    await row.getByTestId('test-ok').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'finish-2-destination.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    const [saved] = await api.invoke('listDestinations', {});
    expect(saved).toMatchObject({ kind: 'dimse', name: 'orthanc', port: orthanc.dicomPort });
  });

  it('sends: Orthanc holds the SEG in the source study, SEMIAUTOMATIC, with the reader', async () => {
    await sourceUploaded;
    const { uid } = await shownSeg(page);
    await page.getByTestId('send').click();
    const status = page.getByTestId('send-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Delivered');
    await page.screenshot({ path: path.join(ARTIFACTS, 'finish-3-sent.png') });
    const [id] = await findInstance(orthanc, uid);
    expect(id).toBeTruthy();
    const tags = await orthanc.rest<Record<string, unknown>>(`/instances/${id}/simplified-tags`);
    expect(tags.Modality).toBe('SEG');
    expect(tags.StudyInstanceUID).toBe(study.StudyInstanceUID);
    expect(String(tags.ContentCreatorName)).toContain(READER);
    const segments = tags.SegmentSequence as Record<string, string>[];
    expect(segments.length).toBeGreaterThan(0);
    for (const s of segments) expect(s.SegmentAlgorithmType).toBe('SEMIAUTOMATIC');
    // Same study in Orthanc as the T1ce images it overlays.
    const segStudy = await orthanc.rest<{ ID: string }>(`/instances/${id}/study`);
    const seriesInStudy = await orthanc.rest<{ MainDicomTags: { SeriesInstanceUID: string } }[]>(
      `/studies/${segStudy.ID}/series`,
    );
    const t1ce = study.series.find((s) => s.slot === 't1ce')!;
    expect(seriesInStudy.map((s) => s.MainDicomTags.SeriesInstanceUID)).toContain(
      t1ce.SeriesInstanceUID,
    );
  });

  it('Orthanc down: the send waits in the outbox as failed; back up: "Retry now" delivers it', async () => {
    await orthanc.stop();
    const first = (await shownSeg(page)).uid;
    await page.getByTestId('export').click();
    // A new export: a new SEG instance.
    await expect.poll(async () => (await shownSeg(page)).uid, { timeout: 30_000 }).not.toBe(first);
    const { uid } = await shownSeg(page);
    await page.getByTestId('send').click();
    const status = page.getByTestId('send-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Not delivered');

    await page.getByTestId('open-outbox').click();
    const view = page.getByRole('dialog', { name: 'Outbox' });
    const failed = view.locator('tr[data-state=failed]');
    await failed.waitFor({ timeout: 10_000 });
    const itemId = (await failed.getAttribute('data-outbox-id')) ?? '';
    expect(itemId).not.toBe('');
    const error = view.locator(`tr[data-error-for="${itemId}"]`);
    expect(await error.textContent()).toMatch(/Last error/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'finish-4-outbox-failed.png') });

    await orthanc.restart();
    await view
      .locator(`tr[data-outbox-id="${itemId}"]`)
      .getByRole('button', { name: 'Retry now' })
      .click();
    await view
      .locator(`tr[data-outbox-id="${itemId}"][data-state=delivered]`)
      .waitFor({ timeout: 30_000 });
    expect(await view.locator(`tr[data-error-for="${itemId}"]`).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'finish-5-outbox-delivered.png') });
    expect(await findInstance(orthanc, uid)).toHaveLength(1);
    await view.getByRole('button', { name: 'Close' }).click();
    // The panel's send line follows the item out of the outbox.
    await expect
      .poll(() => status.textContent(), { timeout: 10_000 })
      .toContain('Delivered to orthanc from the outbox');
    expect(app.pageErrors).toEqual([]);
  });
});
