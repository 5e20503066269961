/**
 * Issue 11 — "Send from the UI: a settings screen for PACS destinations (add, edit, remove …) and
 * an outbox view (pending / failed …, retry now, remove)".
 *
 * Symptom: renaming a destination (an edit that changes its name) left the exports still waiting
 * for it pointing at the old name, which no longer existed: their retries failed with "No PACS
 * destination named …" for ever. Removing a destination with exports still waiting orphaned them
 * the same way, without a word.
 *
 * Triage: outbox items name their destination; the destination store renamed by save-new +
 * remove-old and never told the outbox.
 *
 * Contract pinned here against a real Orthanc, with real outbox files in a temp data folder:
 * - a rename re-points every waiting item (failed and parked alike; item.json rewritten), keeps
 *   their state, and a retry then delivers them to the renamed (and corrected) destination;
 * - an item whose delivery is in flight during the rename keeps the new name when its failure is
 *   saved, and its retry goes to the renamed destination;
 * - removing a destination that still has waiting exports is refused with their count (a PACS
 *   admin must not lose results silently); once they are gone, it is removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { hasOrthanc, startOrthanc, freePort, type OrthancInstance } from '../helpers/orthanc.ts';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../src-main/api/service.ts';
import { DestinationStore } from '../../src-main/core/export/pacs/Destination.ts';
import { Outbox, PARK_AFTER, type OutboxItem } from '../../src-main/core/export/outbox/Outbox.ts';
import { sendToDestination } from '../../src-main/core/export/pacs/sendToDestination.ts';
import { writeSyntheticSeries, type SyntheticSeries } from '../unit/export/syntheticSeries.ts';

/** Instances Orthanc holds in the series with this SeriesInstanceUID. */
async function instancesIn(orthanc: OrthancInstance, SeriesInstanceUID: string): Promise<number> {
  const all =
    await orthanc.rest<{ MainDicomTags: { SeriesInstanceUID: string }; Instances: string[] }[]>(
      '/series?expand',
    );
  return (
    all.find((s) => s.MainDicomTags.SeriesInstanceUID === SeriesInstanceUID)?.Instances.length ?? 0
  );
}

const onDisk = async (home: string, id: string): Promise<OutboxItem> =>
  JSON.parse(await readFile(path.join(home, 'outbox', id, 'item.json'), 'utf8')) as OutboxItem;

describe.runIf(hasOrthanc)('issue 11: renaming a PACS destination re-points its outbox', () => {
  let orthanc: OrthancInstance;
  let tmp: string;
  beforeAll(async () => {
    orthanc = await startOrthanc();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue11-rename-'));
  }, 60_000);
  afterAll(async () => {
    await orthanc?.dispose();
    await rm(tmp, { recursive: true, force: true });
  });

  it('re-points failed and parked exports; a retry delivers them to the renamed destination', async () => {
    const home = path.join(tmp, 'home1');
    const api: ApiService = createApiService({
      ...defaultServiceOptions(),
      dataDir: home,
      outboxLoop: false,
    });
    // A typo in the called AE title: Orthanc refuses the association (a permanent refusal).
    await api.invoke('saveDestination', {
      destination: {
        kind: 'dimse',
        name: 'Old PACS',
        calledAeTitle: 'TYPO',
        host: '127.0.0.1',
        port: orthanc.dicomPort,
        timeoutMs: 5_000,
      },
    });
    const parked = writeSyntheticSeries(path.join(tmp, 'parked'));
    const failed = writeSyntheticSeries(path.join(tmp, 'failed'));
    const p = await api.invoke('send', { files: parked.files, to: 'Old PACS' });
    for (let i = 1; i < PARK_AFTER; i++) await api.invoke('outboxRetry', { id: p.outboxId });
    const f = await api.invoke('send', { files: failed.files, to: 'Old PACS' });
    expect([p.delivered, f.delivered]).toEqual([false, false]);
    const before = await api.invoke('listOutbox', {});
    expect(before.find((e) => e.id === p.outboxId)?.state).toBe('parked');
    expect(before.find((e) => e.id === f.outboxId)?.state).toBe('failed');

    // The admin fixes the AE title and renames the destination in one edit.
    await api.invoke('saveDestination', {
      destination: {
        kind: 'dimse',
        name: 'Main PACS',
        calledAeTitle: orthanc.aet,
        host: '127.0.0.1',
        port: orthanc.dicomPort,
        timeoutMs: 5_000,
      },
      replaces: 'Old PACS',
    });
    expect((await api.invoke('listDestinations', {})).map((d) => d.name)).toEqual(['Main PACS']);
    const after = await api.invoke('listOutbox', {});
    for (const id of [p.outboxId, f.outboxId]) {
      expect(after.find((e) => e.id === id)?.destination).toBe('Main PACS');
      expect((await onDisk(home, id)).destination).toBe('Main PACS'); // on disk, not only in memory
    }
    // Still parked: a rename is not a retry.
    expect(after.find((e) => e.id === p.outboxId)?.state).toBe('parked');

    // A fresh service (as after a restart) retries everything: both reach Orthanc.
    await api.close?.();
    const again = createApiService({
      ...defaultServiceOptions(),
      dataDir: home,
      outboxLoop: false,
    });
    const r = await again.invoke('outboxRetry', {});
    expect(r.failed).toEqual([]);
    expect([...r.delivered].sort()).toEqual([p.outboxId, f.outboxId].sort());
    expect(await instancesIn(orthanc, parked.SeriesInstanceUID)).toBe(parked.files.length);
    expect(await instancesIn(orthanc, failed.SeriesInstanceUID)).toBe(failed.files.length);
    const history = (await again.invoke('listOutbox', {})).filter((e) => e.state === 'delivered');
    expect(history.map((e) => e.destination)).toEqual(['Main PACS', 'Main PACS']);
    await again.close?.();
  }, 120_000);

  it('keeps the new name for an export whose delivery was in flight during the rename', async () => {
    const home = path.join(tmp, 'home2');
    const store = new DestinationStore(home);
    // Nothing listens on this port: the send in flight fails (PACS unreachable).
    await store.save({
      kind: 'dimse',
      name: 'Down PACS',
      calledAeTitle: orthanc.aet,
      host: '127.0.0.1',
      port: await freePort(),
      timeoutMs: 2_000,
    });
    const series: SyntheticSeries = writeSyntheticSeries(path.join(tmp, 'inflight'));
    let renamed: string[] = [];
    const box = new Outbox({
      dir: path.join(home, 'outbox'),
      resolveDestination: (n) => store.get(n),
      loop: false,
      // Observes the send: the rename lands while this delivery is under way, then the real send runs.
      send: async (d, files, prog, opts) => {
        if (d.kind !== 'dimse') throw new Error('the test destination is DIMSE');
        await store.save({ ...d, name: 'Main PACS', port: orthanc.dicomPort });
        renamed = await box.redirect('Down PACS', 'Main PACS');
        await store.remove('Down PACS');
        return sendToDestination(d, files, prog, opts);
      },
    });
    const item = await box.enqueue(series.files, 'Down PACS');
    await expect(box.deliver(item.id)).rejects.toMatchObject({ code: 'PACS_UNREACHABLE' });
    expect(renamed).toEqual([item.id]);
    const saved = await onDisk(home, item.id);
    expect(saved.destination).toBe('Main PACS'); // the failure's save did not put the old name back
    expect(saved.attempts).toBe(1);
    expect(saved.lastError?.code).toBe('PACS_UNREACHABLE');

    // A plain outbox (no observer) retries it: it goes to the renamed destination.
    const plain = new Outbox({
      dir: path.join(home, 'outbox'),
      resolveDestination: (n) => store.get(n),
      loop: false,
    });
    await plain.deliver(item.id);
    expect(await plain.list()).toEqual([]);
    expect(await instancesIn(orthanc, series.SeriesInstanceUID)).toBe(series.files.length);
  }, 120_000);

  it('refuses to remove a destination with waiting exports, naming how many', async () => {
    const home = path.join(tmp, 'home3');
    const api = createApiService({ ...defaultServiceOptions(), dataDir: home, outboxLoop: false });
    await api.invoke('saveDestination', {
      destination: {
        kind: 'dimse',
        name: 'Gone PACS',
        calledAeTitle: orthanc.aet,
        host: '127.0.0.1',
        port: await freePort(),
        timeoutMs: 2_000,
      },
    });
    const a = writeSyntheticSeries(path.join(tmp, 'wait-a'));
    const b = writeSyntheticSeries(path.join(tmp, 'wait-b'));
    const first = await api.invoke('send', { files: a.files, to: 'Gone PACS' });
    await api.invoke('send', { files: b.files, to: 'Gone PACS' });
    await expect(api.invoke('removeDestination', { name: 'Gone PACS' })).rejects.toMatchObject({
      dto: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(
          /^2 exports are still waiting in the outbox for "Gone PACS"/,
        ),
      },
    });
    expect((await api.invoke('listDestinations', {})).map((d) => d.name)).toEqual(['Gone PACS']);
    expect((await api.invoke('listOutbox', {})).length).toBe(2);

    await api.invoke('outboxRemove', { id: first.outboxId });
    await expect(api.invoke('removeDestination', { name: 'Gone PACS' })).rejects.toMatchObject({
      dto: { message: expect.stringMatching(/^1 export is still waiting/) },
    });
    for (const e of await api.invoke('listOutbox', {}))
      await api.invoke('outboxRemove', { id: e.id });
    expect(await api.invoke('removeDestination', { name: 'Gone PACS' })).toEqual({ removed: true });
    await api.close?.();
  }, 60_000);
});
