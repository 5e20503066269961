/**
 * A DICOMweb destination configured in the UI (issue 11), in real Chromium against web mode and a
 * real Orthanc with its DICOMweb plugin and HTTP basic authentication, started by the test: the
 * four-series DICOM study generated from a BraTS case is segmented, a DICOM SEG exported from the
 * export panel, a DICOMweb destination added in the PACS settings screen (user name + password),
 * its connection tested, its password shown masked only, the SEG sent over STOW-RS and found in
 * Orthanc; then the destination is edited (the masked password left as shown keeps the stored
 * one; a wrong one makes the test fail with the server's answer) and removed. Screenshots go to
 * test-artifacts/e2e/dicomweb-*.png (CI artefacts). Uses the shipped model when present, else the
 * tiny test model.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { ApiService } from '../../src-main/api/service.ts';
import {
  writeMrStudyFromBratsCase,
  type WrittenMrStudy,
} from '../../src-main/core/io/dicom/writeMrStudy.ts';
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

const CASE = 'Brats18_2013_20_1';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'e2e');
const USER = { name: 'metakd-reader', password: 'pw-Dicomweb-7391' };
const DEST = 'orthanc-web';
const describeOrthanc = hasOrthanc ? describeData : describeData.skip;
const shot = (name: string) => path.join(ARTIFACTS, `dicomweb-${name}.png`);

describeOrthanc('DICOMweb destination in the PACS settings screen (Chromium, web mode)', () => {
  let model: E2eModel;
  let app: WebApp;
  let api: ApiService;
  let page: Page;
  let tmp: string;
  let study: WrittenMrStudy;
  let orthanc: OrthancInstance;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-e2e-dicomweb-'));
    model = useE2eModel('shipped-or-tiny');
    [study, orthanc] = await Promise.all([
      writeMrStudyFromBratsCase(dataPath('brats18', CASE), path.join(tmp, 'study')),
      startOrthanc({ user: USER }),
      buildRenderer(),
    ]);
    app = await openWebApp({
      dataDir: path.join(tmp, 'data'),
      viewport: { width: 1600, height: 1000 },
    });
    ({ api, page } = app);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await orthanc?.dispose();
    model?.restore();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const dialog = () => page.getByRole('dialog', { name: 'PACS destinations' });
  const row = () => dialog().locator(`li[data-destination="${DEST}"]`);
  const openSettings = async () => {
    await page.getByRole('button', { name: 'PACS destinations…' }).click();
    await dialog().waitFor();
  };

  it('segments the DICOM study and exports a SEG from the export panel', async () => {
    await page.fill('input[name=study-path]', study.outDir);
    await page.click('button[type=submit]');
    await page.waitForFunction(() => window.__metakdViewer?.firstRenderAt != null, null, {
      timeout: 60_000,
    });
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=results]', { timeout: 180_000 });
    await page.getByTestId('export-panel').waitFor();
    const t1ce = study.series.find((s) => s.slot === 't1ce')!;
    await page.selectOption('#export-series', t1ce.SeriesInstanceUID);
    await page.fill('#export-out', path.join(tmp, 'exports'));
    await page.getByTestId('export').click();
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
    // No destination yet: the panel says where to add one.
    expect(await page.getByTestId('export-result').textContent()).toContain(
      'No PACS destination yet',
    );
  });

  it('adds a DICOMweb destination with user name + password and tests the connection', async () => {
    await openSettings();
    await dialog().getByRole('button', { name: 'Add destination' }).click();
    await page.selectOption('#pacs-kind', 'dicomweb');
    await page.fill('#pacs-name', DEST);
    await page.fill('#pacs-url', orthanc.dicomWebUrl);
    await page.selectOption('#pacs-auth', 'basic');
    await page.fill('#pacs-user', USER.name);
    await page.fill('#pacs-password', USER.password);
    // Typed into a password field: never readable on screen.
    expect(await page.getAttribute('#pacs-password', 'type')).toBe('password');
    await page.fill('#pacs-timeout', '10');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await row().waitFor();
    expect(await row().textContent()).toContain(`DICOMweb · ${orthanc.dicomWebUrl} · basic auth`);
    await row().getByRole('button', { name: 'Test connection' }).click();
    await row().getByTestId('test-ok').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: shot('1-added') });
    const [saved] = await api.invoke('listDestinations', {});
    expect(saved).toMatchObject({
      kind: 'dicomweb',
      name: DEST,
      baseUrl: orthanc.dicomWebUrl,
      auth: { type: 'basic', username: USER.name, password: '********' },
      timeoutMs: 10_000,
    });
  });

  it('shows the password masked only: not on the page, masked in the edit form', async () => {
    expect(await page.content()).not.toContain(USER.password);
    await row().getByRole('button', { name: 'Edit' }).click();
    const form = dialog().getByRole('form', { name: `Edit ${DEST}` });
    await form.waitFor();
    expect(await page.inputValue('#pacs-user')).toBe(USER.name);
    expect(await page.inputValue('#pacs-password')).toBe('********');
    expect(await page.getAttribute('#pacs-password', 'type')).toBe('password');
    expect(await form.textContent()).toContain('The stored secret is shown masked');
    expect(await page.content()).not.toContain(USER.password);
    await page.screenshot({ path: shot('2-edit-masked') });
    await form.getByRole('button', { name: 'Cancel' }).click();
    // Stored as today: the destinations file (0600) holds the user name; the password lives in
    // the secret store, not in that file.
    const file = path.join(tmp, 'data', 'pacs-destinations.json');
    const stored = await readFile(file, 'utf8');
    expect(stored).toContain(USER.name);
    expect(stored).not.toContain(USER.password);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await dialog().getByRole('button', { name: 'Close' }).click();
  });

  it('sends the SEG over STOW-RS: Orthanc holds it in the source study', async () => {
    const file = ((await page.getByTestId('export-file').textContent()) ?? '').trim();
    const uid = String(readDicomFile(file, { headerOnly: true }).dataset.SOPInstanceUID);
    await page.selectOption('select[aria-label="Send to"]', DEST);
    await page.getByTestId('send').click();
    const status = page.getByTestId('send-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Delivered');
    expect(await status.textContent()).toContain(DEST);
    await page.screenshot({ path: shot('3-sent') });
    const ids = await orthanc.rest<string[]>('/instances');
    expect(ids).toHaveLength(1);
    const tags = await orthanc.rest<Record<string, unknown>>(
      `/instances/${ids[0]}/simplified-tags`,
    );
    expect(tags.SOPInstanceUID).toBe(uid);
    expect(tags.Modality).toBe('SEG');
    expect(tags.StudyInstanceUID).toBe(study.StudyInstanceUID);
  });

  it('edits the destination: the masked password keeps the stored one, a wrong one fails', async () => {
    await openSettings();
    await row().getByRole('button', { name: 'Edit' }).click();
    await page.fill('#pacs-timeout', '7');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => (await api.invoke('listDestinations', {}))[0]?.timeoutMs)
      .toBe(7000);
    await row().getByRole('button', { name: 'Test connection' }).click();
    await row().getByTestId('test-ok').waitFor({ timeout: 20_000 });

    await row().getByRole('button', { name: 'Edit' }).click();
    await page.fill('#pacs-password', 'not-the-password');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().getByRole('form').waitFor({ state: 'detached' });
    await row().getByRole('button', { name: 'Test connection' }).click();
    const failed = row().getByTestId('test-failed');
    await failed.waitFor({ timeout: 20_000 });
    expect(await failed.textContent()).toMatch(/401|auth|denied|unauthori[sz]ed/i);
    expect(await page.content()).not.toContain('not-the-password');
    await page.screenshot({ path: shot('4-wrong-password') });
  });

  it('removes the destination', async () => {
    await row().getByRole('button', { name: 'Remove' }).click();
    await row().waitFor({ state: 'detached' });
    expect(await dialog().textContent()).toContain('None yet');
    expect(await api.invoke('listDestinations', {})).toEqual([]);
    await page.screenshot({ path: shot('5-removed') });
    await dialog().getByRole('button', { name: 'Close' }).click();
    expect(await page.getByTestId('export-result').textContent()).toContain(
      'No PACS destination yet',
    );
    expect(app.pageErrors).toEqual([]);
  });
});
