/**
 * Issue 12 — "Record each instance's delivery as its C-STORE response arrives (a resend after a
 * crash sends only what was not confirmed); park an item after repeated permanent refusals (wrong
 * AE title) instead of retrying forever, visible in the outbox list."
 *
 * Triage: the outbox marked instances delivered only when a send returned; a send that failed
 * part-way (PACS hung, process killed) left item.json saying "nothing delivered", so the resend
 * sent every instance again; a wrong AE title was retried with back-off for ever. Contract pinned
 * against a real Orthanc: while a send is under way item.json already lists the confirmed
 * instances (what a restart after a crash would see); after a failure part-way the resend sends
 * only the rest; an association rejected permanently PARK_AFTER times in a row parks the item
 * (state "parked" with the reason in the api's outbox list), the background pass skips it, and
 * a retry after the destination is fixed delivers it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  hasOrthanc,
  startOrthancDestination,
  type OrthancDestination,
  type OrthancInstance,
} from '../helpers/orthanc.ts';
import type { DestinationStore } from '../../src-main/core/export/pacs/Destination.ts';
import { Outbox, PARK_AFTER, type OutboxItem } from '../../src-main/core/export/outbox/Outbox.ts';
import { sendToDestination } from '../../src-main/core/export/pacs/sendToDestination.ts';
import { createApiService, defaultServiceOptions } from '../../src-main/api/service.ts';
import { writeSyntheticSeries } from '../unit/export/syntheticSeries.ts';

describe.runIf(hasOrthanc)('issue 12: outbox delivery against a real Orthanc', () => {
  let pacs: OrthancDestination;
  let orthanc: OrthancInstance;
  let dir: string;
  let store: DestinationStore;
  beforeAll(async () => {
    pacs = await startOrthancDestination('metakd-issue12-outbox-', 1_000);
    ({ orthanc, dir, store } = pacs);
  });
  afterAll(() => pacs?.dispose());

  const onDisk = async (box: Outbox, id: string): Promise<OutboxItem> =>
    JSON.parse(await readFile(path.join(box.dir, id, 'item.json'), 'utf8')) as OutboxItem;

  it('records each confirmed instance at once and resends only the rest', async () => {
    const files = [
      ...writeSyntheticSeries(path.join(dir, 's1')).files,
      ...writeSyntheticSeries(path.join(dir, 's2')).files,
    ];
    const sentPerAttempt: number[] = [];
    const box = (): Outbox =>
      new Outbox({
        dir: path.join(dir, 'outbox'),
        resolveDestination: (n) => store.get(n),
        send: (d, f, p, o) => {
          sentPerAttempt.push(f.length);
          return sendToDestination(d, f, p, o);
        },
      });
    const first = box();
    const item = await first.enqueue(files, 'orthanc');
    const pid = orthanc.pid() as number;
    const STOP_AT = 5;
    let duringHang: OutboxItem | undefined;
    let hang: Promise<void> | undefined;
    const failed = await first
      .deliver(item.id, (p) => {
        if (p.done === STOP_AT && !hang) {
          process.kill(pid, 'SIGSTOP'); // the PACS hangs: nothing more is confirmed
          // What a restart would find if this process were killed now.
          hang = new Promise((r) => setTimeout(r, 300)).then(async () => {
            duringHang = await onDisk(first, item.id);
          });
        }
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await hang;
    process.kill(pid, 'SIGCONT');
    expect(failed).toBeInstanceOf(Error);
    const confirmedDuringHang = duringHang?.files.filter((f) => f.delivered).length ?? 0;
    expect(confirmedDuringHang).toBeGreaterThanOrEqual(STOP_AT);
    const saved = await onDisk(first, item.id);
    const confirmed = saved.files.filter((f) => f.delivered).length;
    expect(confirmed).toBeGreaterThanOrEqual(STOP_AT);
    expect(confirmed).toBeLessThan(files.length);

    // "Restart": a fresh outbox sends only what was not confirmed.
    const r = await box().deliver(item.id);
    expect(r.stored).toBe(files.length - confirmed);
    expect(sentPerAttempt).toEqual([files.length, files.length - confirmed]);
  });

  it('parks an item refused permanently (wrong AE title) and delivers it after a fix and retry', async () => {
    await store.save({
      kind: 'dimse',
      name: 'wrong-ae',
      calledAeTitle: 'NOT_ORTHANC',
      host: '127.0.0.1',
      port: orthanc.dicomPort,
      timeoutMs: 5_000,
    });
    const box = new Outbox({
      dir: path.join(dir, 'outbox-park'),
      resolveDestination: (n) => store.get(n),
      baseDelayMs: 1,
      maxDelayMs: 1,
    });
    const series = writeSyntheticSeries(path.join(dir, 's3'));
    const item = await box.enqueue(series.files.slice(0, 2), 'wrong-ae');
    for (let i = 1; i <= PARK_AFTER; i++) {
      await new Promise((r) => setTimeout(r, 5));
      const r = await box.processDue();
      expect(r.failed.map((f) => f.code)).toEqual(['PACS_REFUSED']);
    }
    const parked = await box.get(item.id);
    expect(parked.parked).toBe(true);
    expect(parked.lastError?.message).toMatch(/called AE title "NOT_ORTHANC" is not recognised/);
    // The background pass leaves it alone from now on.
    await new Promise((r) => setTimeout(r, 5));
    expect(await box.processDue()).toEqual({ delivered: [], failed: [] });
    expect((await box.get(item.id)).attempts).toBe(PARK_AFTER);

    // The user fixes the destination and retries: un-parked and delivered.
    await store.save({ ...(await store.get('wrong-ae')), calledAeTitle: orthanc.aet } as never);
    await box.deliver(item.id);
    expect(await box.list()).toEqual([]);
  });

  it('shows a parked item as "parked" with its reason in the api outbox list', async () => {
    const home = path.join(dir, 'home');
    const api = createApiService({ ...defaultServiceOptions(), dataDir: home, outboxLoop: false });
    await api.invoke('saveDestination', {
      destination: {
        kind: 'dimse',
        name: 'wrong',
        calledAeTitle: 'NOPE',
        host: '127.0.0.1',
        port: orthanc.dicomPort,
        timeoutMs: 5_000,
      },
    });
    const series = writeSyntheticSeries(path.join(dir, 's4'));
    const sent = await api.invoke('send', { files: [series.files[0]], to: 'wrong' });
    expect(sent.delivered).toBe(false);
    for (let i = 1; i < PARK_AFTER; i++) await api.invoke('outboxRetry', { id: sent.outboxId });
    const entry = (await api.invoke('listOutbox', {})).find((e) => e.id === sent.outboxId);
    expect(entry?.state).toBe('parked');
    expect(entry?.lastError?.message).toMatch(/not recognised/);
    await api.close?.();
  });
});
