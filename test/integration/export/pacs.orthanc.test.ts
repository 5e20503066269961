/**
 * Export → PACS against a real Orthanc (Debian orthanc + orthanc-dicomweb) started on free loopback
 * ports: the four-series DICOM study generated from a BraTS case is imported and segmented with
 * the shipped model through the api (once, shared by the file), the engine's labelmap exported as
 * SEG on the T1ce series, then C-STORE (checked through Orthanc's REST api: stored, references the
 * T1ce series, AUTOMATIC with the model version) and STOW-RS (checked by QIDO-RS); Orthanc stopped
 * in the middle of a send (the export stays in the outbox and is delivered after Orthanc comes
 * back, also by a fresh Outbox as after an app restart); wrong AE title and HTTP 401 give the right
 * messages.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataPath, describeData } from '../../helpers/data.ts';
import { hasOrthanc, startOrthanc, type OrthancInstance } from '../../helpers/orthanc.ts';
import {
  writeMrStudyFromBratsCase,
  type WrittenMrStudy,
} from '../../../src-main/core/io/dicom/writeMrStudy.ts';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../../src-main/api/service.ts';
import type { ExportResultDto } from '../../../src-main/api/contract/export.ts';
import type { SegmentationResultDto } from '../../../src-main/api/contract/inference.ts';
import {
  DestinationStore,
  type Destination,
} from '../../../src-main/core/export/pacs/Destination.ts';
import { Outbox } from '../../../src-main/core/export/outbox/Outbox.ts';
import { storeDimse } from '../../../src-main/core/export/pacs/dimse.ts';
import { qidoInstances } from '../../../src-main/core/export/pacs/dicomweb.ts';
import { testDestination } from '../../../src-main/core/export/pacs/sendToDestination.ts';
import { readDicomFile } from '../../../src-main/core/export/seg/dcmjsSeg.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';

const CASE = 'Brats18_2013_20_1';
const describeOrthanc = hasOrthanc ? describeData : describeData.skip;
/**
 * DIMSE timeout of the destination the outage test uses: it bounds the wait should the killed
 * Orthanc's connection not be reset at once; Orthanc answers a C-STORE within about 0.1 s here
 * even on a loaded machine, so 5 s is far from a false timeout.
 */
const OUTAGE_TIMEOUT_MS = 5_000;
/**
 * The outage send: this many FLAIR images plus a SEG, Orthanc killed after OUTAGE_KILL_AT are
 * confirmed. Orthanc stores about 10–15 images a second here, so the send is still running when it
 * dies, and the redelivery after the restart stays short (the whole series took 15 s).
 */
const OUTAGE_IMAGES = 40;
const OUTAGE_KILL_AT = 10;

let tmp: string;
let study: WrittenMrStudy;
let orthanc: OrthancInstance;
let secured: OrthancInstance;
let store: DestinationStore;
let api: ApiService;
let segmentation: SegmentationResultDto;

/** A fresh SEG of the engine's labelmap on the T1ce series (a new SOPInstanceUID each time). */
async function exportSeg(): Promise<ExportResultDto> {
  const t1ce = study.series.find((s) => s.slot === 't1ce');
  return api.invoke('exportSeg', {
    jobId: segmentation.jobId,
    series: t1ce?.SeriesInstanceUID,
    outDir: path.join(tmp, 'exports'),
  });
}

function outbox(): Outbox {
  return new Outbox({
    dir: path.join(tmp, 'data', 'outbox'),
    resolveDestination: (n) => store.get(n),
    baseDelayMs: 50,
  });
}

interface FindHit {
  ID: string;
}

describeOrthanc('export of a segmentation to a real Orthanc', () => {
  let seg: ExportResultDto;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'metakd-pacs-'));
    study = await writeMrStudyFromBratsCase(dataPath('brats18', CASE), path.join(tmp, 'study'));
    api = createApiService({ ...defaultServiceOptions(), dataDir: path.join(tmp, 'data') });
    const imported = await api.invoke('importStudy', { path: study.outDir });
    const { jobId } = await api.invoke('startSegmentation', {
      studyId: imported.studies[0].id,
      provider: 'cpu',
    });
    // Orthanc starts, and receives the T1ce images, while the model runs in its worker.
    [orthanc, secured] = await Promise.all([
      startOrthanc(),
      startOrthanc({ user: { name: 'reader', password: 'secret' } }),
    ]);
    store = new DestinationStore(path.join(tmp, 'data'));
    const dests: Destination[] = [
      {
        kind: 'dimse',
        name: 'orthanc-dimse',
        calledAeTitle: 'ORTHANC',
        callingAeTitle: 'METAKD',
        host: '127.0.0.1',
        port: orthanc.dicomPort,
        timeoutMs: 10_000,
      },
      {
        kind: 'dimse',
        name: 'orthanc-outage',
        calledAeTitle: 'ORTHANC',
        callingAeTitle: 'METAKD',
        host: '127.0.0.1',
        port: orthanc.dicomPort,
        timeoutMs: OUTAGE_TIMEOUT_MS,
      },
      {
        kind: 'dicomweb',
        name: 'orthanc-web',
        baseUrl: orthanc.dicomWebUrl,
        auth: { type: 'none' },
        tls: { rejectUnauthorized: true },
        timeoutMs: 10_000,
      },
    ];
    for (const d of dests) await store.save(d);
    // The PACS already holds the images the SEG overlays.
    const t1ce = study.series.find((s) => s.slot === 't1ce');
    const files = (t1ce?.files ?? []).map((file) => {
      const h = readDicomFile(file, { headerOnly: true }).dataset;
      return { file, SOPInstanceUID: String(h.SOPInstanceUID), SOPClassUID: String(h.SOPClassUID) };
    });
    await storeDimse(
      (await store.get('orthanc-dimse')) as Extract<Destination, { kind: 'dimse' }>,
      files,
    );
    segmentation = await api.invoke('awaitSegmentation', { jobId });
    seg = await exportSeg();
  });

  afterAll(async () => {
    await Promise.all([orthanc?.dispose(), secured?.dispose()]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('C-STOREs the SEG of the engine result; Orthanc stores it, referencing the T1ce series', async () => {
    expect(await testDestination(await store.get('orthanc-dimse'))).toHaveProperty('ms');
    const box = outbox();
    const item = await box.enqueue([seg.file], 'orthanc-dimse');
    const progress: number[] = [];
    await box.deliver(item.id, (p) => progress.push(p.done));
    expect(progress).toEqual([1]);
    expect(await box.list()).toEqual([]);
    const found = await fetch(`${orthanc.baseUrl}/tools/find`, {
      method: 'POST',
      body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: seg.SOPInstanceUID } }),
    }).then((r) => r.json() as Promise<string[]>);
    expect(found.length).toBe(1);
    const tags = await orthanc.rest<Record<string, unknown>>(
      `/instances/${found[0]}/simplified-tags`,
    );
    expect(tags.Modality).toBe('SEG');
    const refs = tags.ReferencedSeriesSequence as { SeriesInstanceUID: string }[];
    const t1ce = study.series.find((s) => s.slot === 't1ce');
    expect(refs[0].SeriesInstanceUID).toBe(t1ce?.SeriesInstanceUID);
    expect(seg.ReferencedSeriesInstanceUID).toBe(t1ce?.SeriesInstanceUID);
    // The referenced series is the one Orthanc holds, in the same study.
    const series = await fetch(`${orthanc.baseUrl}/tools/find`, {
      method: 'POST',
      body: JSON.stringify({
        Level: 'Series',
        Query: { SeriesInstanceUID: t1ce?.SeriesInstanceUID },
      }),
    }).then((r) => r.json() as Promise<FindHit[] | string[]>);
    expect(series.length).toBe(1);
    expect(tags.StudyInstanceUID).toBe(study.StudyInstanceUID);
    // The provenance reached the PACS: the model's own result, its version, the provider.
    const segments = tags.SegmentSequence as Record<string, string>[];
    expect(segments.length).toBeGreaterThan(0);
    for (const s of segments) {
      expect(s.SegmentAlgorithmType).toBe('AUTOMATIC');
      expect(s.SegmentAlgorithmName).toBe(
        `MetaKD ${segmentation.model.name} ${segmentation.model.version}`,
      );
    }
    expect(String(tags.SoftwareVersions)).toContain(
      `onnxruntime provider ${segmentation.provider}`,
    );
  });

  it('STOW-RS stores a SEG that QIDO-RS then finds', async () => {
    const second = await exportSeg();
    const d = await store.get('orthanc-web');
    expect(await testDestination(d)).toHaveProperty('ms');
    const box = outbox();
    const item = await box.enqueue([second.file], 'orthanc-web');
    const bytes: number[] = [];
    await box.deliver(item.id, (p) => bytes.push(p.done));
    expect(bytes[bytes.length - 1]).toBeGreaterThan(1_000_000);
    const hits = await qidoInstances(d as Extract<Destination, { kind: 'dicomweb' }>, {
      SOPInstanceUID: String(second.SOPInstanceUID),
    });
    expect(hits.length).toBe(1);
    expect((hits[0]['00080060'] as { Value: string[] }).Value[0]).toBe('SEG');
    expect((hits[0]['0020000D'] as { Value: string[] }).Value[0]).toBe(study.StudyInstanceUID);
  });

  it('keeps an export in the outbox when Orthanc stops mid-send and delivers it after a restart', async () => {
    // A send long enough (FLAIR images + a SEG) that Orthanc can be stopped while it runs.
    const flair = study.series.find((s) => s.slot === 'flair');
    const third = await exportSeg();
    const box = outbox();
    const images = (flair?.files ?? []).slice(0, OUTAGE_IMAGES);
    const item = await box.enqueue([...images, third.file], 'orthanc-outage');
    let stopping: Promise<void> | undefined;
    let confirmed = 0;
    const err = await box
      .deliver(item.id, (p) => {
        confirmed = p.done;
        if (p.done === OUTAGE_KILL_AT && !stopping) stopping = orthanc.stop('SIGKILL');
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await stopping;
    // Killed in the middle: some images were confirmed, not all.
    expect(confirmed).toBeGreaterThanOrEqual(OUTAGE_KILL_AT);
    expect(confirmed).toBeLessThan(item.files.length);
    expect(isMetaKdError(err)).toBe(true);
    expect(['PACS_UNREACHABLE', 'PACS_TIMEOUT']).toContain((err as { code: string }).code);
    const [left] = await box.list();
    expect(left.id).toBe(item.id);
    expect(left.attempts).toBe(1);
    expect(left.lastError?.message).toMatch(/127\.0\.0\.1/);
    expect(readdirSync(path.join(box.dir, item.id)).length).toBe(item.files.length + 1);
    // While Orthanc is down a retry fails again and backs off further.
    const down = await box.processDue(true);
    expect(down.failed.map((f) => f.code)).toEqual(['PACS_UNREACHABLE']);
    expect(down.failed[0].message).toMatch(/Connection refused/);
    // "Restart the app": a fresh Outbox reads the state from disk; Orthanc is back.
    await orthanc.restart();
    const after = outbox();
    expect((await after.list()).map((i) => i.attempts)).toEqual([2]);
    const done = await after.processDue(true);
    expect(done.delivered).toEqual([item.id]);
    expect(await after.list()).toEqual([]);
    const found = await fetch(`${orthanc.baseUrl}/tools/find`, {
      method: 'POST',
      body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: third.SOPInstanceUID } }),
    }).then((r) => r.json() as Promise<string[]>);
    expect(found.length).toBe(1);
  });

  it('a wrong called AE title gives a refused-association message', async () => {
    const d = await store.save({
      kind: 'dimse',
      name: 'wrong-ae',
      calledAeTitle: 'NOT_ORTHANC',
      host: '127.0.0.1',
      port: orthanc.dicomPort,
      timeoutMs: 10_000,
    });
    const e = await testDestination(d).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isMetaKdError(e, 'PACS_REFUSED')).toBe(true);
    expect((e as Error).message).toMatch(
      /refused the association: called AE title "NOT_ORTHANC" is not recognised/,
    );
  });

  it('HTTP 401 from a secured DICOMweb server gives a credentials message; the right ones work', async () => {
    const bad = await store.save({
      kind: 'dicomweb',
      name: 'secured-bad',
      baseUrl: secured.dicomWebUrl,
      auth: { type: 'basic', username: 'reader', password: 'wrong' },
    });
    const e = await testDestination(bad).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isMetaKdError(e, 'PACS_HTTP')).toBe(true);
    expect((e as Error).message).toMatch(
      /HTTP 401: the PACS requires authentication or rejected the credentials/,
    );
    const box = outbox();
    const item = await box.enqueue([seg.file], 'secured-bad');
    await expect(box.deliver(item.id)).rejects.toThrow(/STOW-RS .* HTTP 401/);
    expect((await box.get(item.id)).lastError?.code).toBe('PACS_HTTP');
    if (bad.kind !== 'dicomweb') throw new Error('unexpected destination kind');
    await store.save({ ...bad, auth: { type: 'basic', username: 'reader', password: 'secret' } });
    await box.deliver(item.id);
    expect(await box.list()).toEqual([]);
  });
});
