/**
 * Issue 12 — "pacs-destinations.json keeps a password readable by other users after a removal
 * (0600 → 0644), and temp files are created 0644 then renamed."
 *
 * Triage: save() chmod-ed the file after an atomic write that created its temp file with the
 * umask's mode; remove() did not chmod at all, and outbox copies took the source file's mode.
 * Contract pinned (umask 022, the usual one): the data folder is 0700 (an existing looser one is
 * tightened), every file the app writes is 0600 from creation (atomicWrite opens its temp file
 * 0600), destinations stay 0600 after a removal, outbox copies and session files are 0600, and
 * passwords are kept out of pacs-destinations.json, in the secret store (0600 file fallback).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { DestinationStore } from '../../src-main/core/export/pacs/Destination.ts';
import { FileSecretStore, type SecretCipher } from '../../src-main/core/secrets/SecretStore.ts';
import { Outbox } from '../../src-main/core/export/outbox/Outbox.ts';
import { SessionStore } from '../../src-main/core/sessions/SessionStore.ts';
import { writeFileAtomic } from '../../src-main/core/io/atomicWrite.ts';
import { createApiService, defaultServiceOptions } from '../../src-main/api/service.ts';
import { writeSyntheticSeries } from '../unit/export/syntheticSeries.ts';

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;
const posix = process.platform !== 'win32';

describe.runIf(posix)('issue 12: files on disk are private from creation', () => {
  let dir: string;
  let oldUmask: number;
  beforeAll(() => {
    oldUmask = process.umask(0o022);
  });
  afterAll(() => {
    process.umask(oldUmask);
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue12-modes-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes files 0600 and creates folders 0700', async () => {
    const file = path.join(dir, 'a', 'b', 'x.json');
    await writeFileAtomic(file, '{}');
    expect(await mode(file)).toBe(0o600);
    expect(await mode(path.join(dir, 'a'))).toBe(0o700);
    expect(await mode(path.join(dir, 'a', 'b'))).toBe(0o700);
  });

  it('keeps pacs-destinations.json 0600 after a removal, and the password out of it', async () => {
    const store = new DestinationStore(dir);
    for (const name of ['web', 'other']) {
      await store.save({
        kind: 'dicomweb',
        name,
        baseUrl: 'https://pacs.example/dicom-web',
        auth: { type: 'basic', username: 'reader', password: `s3cret-${name}` },
      });
    }
    expect(await mode(store.file)).toBe(0o600);
    expect(await store.remove('other')).toBe(true);
    expect(await mode(store.file)).toBe(0o600);
    const text = await readFile(store.file, 'utf8');
    expect(text).not.toContain('s3cret');
    // The secret store has it (0600 fallback file); reading the destination brings it back.
    const secrets = new FileSecretStore(dir);
    expect(await mode(secrets.file)).toBe(0o600);
    expect(await readFile(secrets.file, 'utf8')).not.toContain('s3cret-other');
    const web = await store.get('web');
    expect(web.kind === 'dicomweb' && web.auth.type === 'basic' && web.auth.password).toBe(
      's3cret-web',
    );
  });

  it('seals secrets with a host cipher (Electron safeStorage) and still reads old inline files', async () => {
    const cipher: SecretCipher = {
      encrypt: (s) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
      decrypt: (b) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
    };
    const sealed = new FileSecretStore(dir, cipher);
    const store = new DestinationStore(dir, sealed);
    await store.save({
      kind: 'dicomweb',
      name: 'tok',
      baseUrl: 'https://pacs.example/dicom-web',
      auth: { type: 'bearer', token: 'tok-123' },
    });
    expect(sealed.kind).toBe('os-keystore');
    expect(await readFile(sealed.file, 'utf8')).not.toContain('tok-123');
    expect(await mode(sealed.file)).toBe(0o600);
    const d = await store.get('tok');
    expect(d.kind === 'dicomweb' && d.auth.type === 'bearer' && d.auth.token).toBe('tok-123');

    // A file written by an older version, password inline: still read; the next save moves it.
    const legacy = path.join(dir, 'legacy');
    await mkdir(legacy);
    const old = {
      version: 1,
      destinations: [
        {
          kind: 'dicomweb',
          name: 'old',
          baseUrl: 'https://pacs.example/dicom-web',
          auth: { type: 'basic', username: 'u', password: 'inline-pw' },
        },
      ],
    };
    await writeFile(path.join(legacy, 'pacs-destinations.json'), JSON.stringify(old));
    const legacyStore = new DestinationStore(legacy);
    const o = await legacyStore.get('old');
    expect(o.kind === 'dicomweb' && o.auth.type === 'basic' && o.auth.password).toBe('inline-pw');
    await legacyStore.save({ kind: 'dimse', name: 'x', calledAeTitle: 'X', host: 'h', port: 104 });
    expect(await readFile(legacyStore.file, 'utf8')).not.toContain('inline-pw');
    const again = await legacyStore.get('old');
    expect(again.kind === 'dicomweb' && again.auth.type === 'basic' && again.auth.password).toBe(
      'inline-pw',
    );
  });

  it('copies outbox files 0600 whatever the source mode, and writes session files 0600', async () => {
    const series = writeSyntheticSeries(path.join(dir, 'series'));
    await chmod(series.files[0], 0o644);
    const box = new Outbox({
      dir: path.join(dir, 'outbox'),
      resolveDestination: () => Promise.reject(new Error('unused')),
    });
    const item = await box.enqueue([series.files[0]], 'pacs');
    expect(await mode(path.join(box.dir, item.id))).toBe(0o700);
    expect(await mode(path.join(box.dir, item.id, item.files[0].name))).toBe(0o600);
    expect(await mode(path.join(box.dir, item.id, 'item.json'))).toBe(0o600);

    const sessions = new SessionStore(dir);
    const g = {
      dims: [2, 2, 2] as [number, number, number],
      spacing: [1, 1, 1] as [number, number, number],
      originLps: [0, 0, 0] as [number, number, number],
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ] as [[number, number, number], [number, number, number], [number, number, number]],
    };
    const { record } = await sessions.create({
      studyId: 's',
      sourcePath: 'case',
      reader: 'r',
      model: { name: 'm', version: '1', provider: 'cpu' },
      sequencesUsed: [],
      referenceSeriesId: 'x',
      geometry: g,
      labels: new Uint8Array(8),
    });
    const sdir = path.join(dir, 'sessions', record.id);
    expect(await mode(sdir)).toBe(0o700);
    expect(await mode(path.join(sdir, 'session.json'))).toBe(0o600);
    expect(await mode(path.join(sdir, 'original.labels.gz'))).toBe(0o600);
  });

  it('creates the data folder 0700 and tightens an existing 0755 one when the service starts', async () => {
    const fresh = path.join(dir, 'fresh');
    const api = createApiService({ ...defaultServiceOptions(), dataDir: fresh });
    await api.invoke('ping', {});
    expect(await mode(fresh)).toBe(0o700);
    await api.close?.();

    const loose = path.join(dir, 'loose');
    await mkdir(loose, { mode: 0o755 });
    await chmod(loose, 0o755);
    const api2 = createApiService({ ...defaultServiceOptions(), dataDir: loose });
    await api2.invoke('ping', {});
    expect(await mode(loose)).toBe(0o700);
    await api2.close?.();
  });
});
