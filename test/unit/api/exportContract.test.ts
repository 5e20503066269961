/**
 * The export part of the contract added for the app's export/send screens (issue 11): params are
 * refused at the boundary (outboxRemove, listOutbox, saveDestination's `replaces`, one labelmap
 * source), an edit that sends a secret back masked keeps the stored secret (and a rename replaces
 * the old entry), and the outbox view lists a failed send with its error, removes it, and keeps a
 * delivery history; keepStoredSecrets as a pure function. Real api service and files in a temp folder; the failed send goes to a closed
 * loopback port (nothing listens, so the connection is refused at once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  ApiError,
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../../src-main/api/service.ts';
import { DestinationStore } from '../../../src-main/core/export/pacs/Destination.ts';
import {
  listDelivered,
  MAX_DELIVERED,
  recordDelivered,
  removeDelivered,
} from '../../../src-main/core/export/outbox/deliveredLog.ts';
import { keepStoredSecrets } from '../../../src-main/core/export/pacs/keepStoredSecrets.ts';
import { freePort } from '../../helpers/orthanc.ts';
import { writeSyntheticSeries } from '../export/syntheticSeries.ts';

let api: ApiService;
let home: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'metakd-export-contract-'));
  api = createApiService({ ...defaultServiceOptions(), dataDir: home });
});
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

async function refusal(name: string, params: unknown): Promise<ApiError> {
  try {
    await api.invoke(name as never, params);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error(`${name} accepted ${JSON.stringify(params)}`);
}

describe('export contract: validation', () => {
  it.each([
    ['outboxRemove', {}, /id/],
    ['outboxRemove', { id: '' }, /id is required/],
    ['listOutbox', { state: 'failed' }, /Unrecognized key|state/],
    [
      'saveDestination',
      {
        destination: { kind: 'dimse', name: 'p', calledAeTitle: 'X', host: 'h', port: 104 },
        replaces: '',
      },
      /replaces/,
    ],
    ['exportSeg', { sessionId: 'not-a-uuid' }, /sessionId/],
    ['exportSeg', {}, /exactly one labelmap source/],
    [
      'exportSeg',
      { sessionId: '0b0c53f4-5d7e-4a84-9d4e-6a4a3c1f0b11', jobId: 'j' },
      /exactly one labelmap source/,
    ],
  ])('%s refuses %j', async (name, params, message) => {
    const e = await refusal(name, params);
    expect(e.dto.code).toBe('INVALID_ARGUMENT');
    expect(e.dto.message).toMatch(message);
    expect(e.dto.message).toContain(name);
  });
});

describe('destinations: masked secrets and renames', () => {
  it('keeps the stored password when an edit sends back the mask, and renames', async () => {
    const web = {
      kind: 'dicomweb' as const,
      name: 'web',
      baseUrl: 'https://pacs.example/dicom-web',
      auth: { type: 'basic' as const, username: 'reader', password: 's3cret' },
    };
    await api.invoke('saveDestination', { destination: web });
    const [shown] = await api.invoke('listDestinations', {});
    expect(shown.kind === 'dicomweb' && shown.auth).toEqual({
      type: 'basic',
      username: 'reader',
      password: '********',
    });
    // The edit form sends back what it showed, under a new name.
    await api.invoke('saveDestination', {
      destination: { ...web, name: 'web2', auth: { ...web.auth, password: '********' } },
      replaces: 'web',
    });
    // Read back through the store (wherever it keeps secrets: the file or a secret store).
    const store = new DestinationStore(home);
    expect((await store.list()).map((d) => d.name)).toEqual(['web2']);
    expect(await store.get('web2')).toMatchObject({ auth: { password: 's3cret' } });
    // A new password replaces it.
    await api.invoke('saveDestination', {
      destination: { ...web, name: 'web2', auth: { ...web.auth, password: 'n3w' } },
    });
    expect(await store.get('web2')).toMatchObject({ auth: { password: 'n3w' } });
  });

  it('refuses a rename onto an existing destination', async () => {
    await api.invoke('saveDestination', {
      destination: { kind: 'dimse', name: 'a', calledAeTitle: 'A', host: '127.0.0.1', port: 104 },
    });
    await api.invoke('saveDestination', {
      destination: { kind: 'dimse', name: 'b', calledAeTitle: 'B', host: '127.0.0.1', port: 104 },
    });
    const e = await api
      .invoke('saveDestination', {
        destination: { kind: 'dimse', name: 'b', calledAeTitle: 'A', host: '127.0.0.1', port: 104 },
        replaces: 'a',
      })
      .catch((x: unknown) => x as ApiError);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).dto.message).toContain('"b" exists already');
    const names = (await api.invoke('listDestinations', {})).map((d) => d.name);
    expect(names).toContain('a');
  });
});

describe('outbox view', () => {
  it('lists a failed send with its error, then removes it', async () => {
    const port = await freePort(); // closed: nothing listens there
    await api.invoke('saveDestination', {
      destination: {
        kind: 'dimse',
        name: 'down',
        calledAeTitle: 'ORTHANC',
        host: '127.0.0.1',
        port,
        timeoutMs: 2_000,
      },
    });
    const series = writeSyntheticSeries(path.join(home, 'series'));
    const sent = await api.invoke('send', { files: [series.files[0]], to: 'down' });
    expect(sent.delivered).toBe(false);
    const list = await api.invoke('listOutbox', {});
    const row = list.find((e) => e.id === sent.outboxId);
    expect(row).toMatchObject({
      state: 'failed',
      destination: 'down',
      attempts: 1,
      instances: 1,
      confirmed: 0,
    });
    expect(row?.lastError?.message).toBeTruthy();
    expect(await api.invoke('outboxRemove', { id: sent.outboxId })).toEqual({ removed: true });
    expect((await api.invoke('listOutbox', {})).some((e) => e.id === sent.outboxId)).toBe(false);
    expect(await api.invoke('outboxRemove', { id: sent.outboxId })).toEqual({ removed: false });
  });

  it('keeps the newest delivery records, newest first, and removes one', async () => {
    const dir = path.join(home, 'log-outbox');
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    for (let i = 0; i < MAX_DELIVERED + 2; i++) {
      const id = `${at(i).replace(/[:.]/g, '-')}-x${i}`;
      await recordDelivered(dir, {
        id,
        destination: 'pacs',
        createdAt: at(i),
        deliveredAt: at(i),
        attempts: 1,
        instances: 1,
        SOPInstanceUIDs: [`1.2.${i}`],
      });
    }
    const log = await listDelivered(dir);
    expect(log).toHaveLength(MAX_DELIVERED);
    expect(log[0].SOPInstanceUIDs).toEqual([`1.2.${MAX_DELIVERED + 1}`]);
    expect(log.at(-1)?.SOPInstanceUIDs).toEqual(['1.2.2']);
    expect(await removeDelivered(dir, log[0].id)).toBe(true);
    expect(await removeDelivered(dir, log[0].id)).toBe(false);
    expect(await listDelivered(dir)).toHaveLength(MAX_DELIVERED - 1);
  });
});

describe('keepStoredSecrets', () => {
  it('keeps a masked token, takes a new one, and leaves other kinds alone', () => {
    const stored = {
      kind: 'dicomweb' as const,
      name: 'w',
      baseUrl: 'https://pacs.example/dicom-web',
      auth: { type: 'bearer' as const, token: 'abc' },
      tls: { rejectUnauthorized: true },
      timeoutMs: 30_000,
    };
    const masked = { ...stored, auth: { type: 'bearer' as const, token: '********' } };
    expect(keepStoredSecrets(masked, stored)).toMatchObject({ auth: { token: 'abc' } });
    const fresh = { ...stored, auth: { type: 'bearer' as const, token: 'xyz' } };
    expect(keepStoredSecrets(fresh, stored)).toMatchObject({ auth: { token: 'xyz' } });
    // A switch from token to password takes what was typed.
    const basic = {
      ...stored,
      auth: { type: 'basic' as const, username: 'u', password: '********' },
    };
    expect(keepStoredSecrets(basic, stored)).toBe(basic);
    expect(keepStoredSecrets(masked, undefined)).toBe(masked);
  });
});
