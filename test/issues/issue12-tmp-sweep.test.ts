/**
 * Issue 12 — "Sweep orphaned *.tmp files on load; fsync the directory after a rename."
 *
 * Triage: a crash between writing an atomic write's temp file and renaming it left
 * `.<name>.<pid>.<hex>.tmp` files (full copies of sessions, outbox items: patient data) in the
 * data folder forever. Contract pinned: when the service starts, temp files whose writer process
 * is gone are removed anywhere under the data folder (the app and web mode; a one-shot CLI
 * command instead sweeps each folder before its first write there, issue 13); a temp file of a
 * live process (a write in progress in a CLI next to the app) and files that are not our temp
 * files are left alone; the folder fsync after a rename works on this platform (it is a no-op
 * where folders cannot be opened, i.e. Windows).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { prepareDataFolder } from '../../src-main/core/io/dataFolder.ts';
import { syncFolder, writeFileAtomic } from '../../src-main/core/io/atomicWrite.ts';
import { runCli } from '../helpers/cliRunner.ts';
import { createApiService, defaultServiceOptions } from '../../src-main/api/service.ts';

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid ?? 999_999;
}

describe('issue 12: orphaned temp files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue12-sweep-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes temp files of dead writers under the data folder, keeps live ones and others', async () => {
    const dead = await deadPid();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const session = path.join(dir, 'sessions', '0e9b1a52-5b1c-4d55-9d55-1c8b7b2a4a10');
      const outbox = path.join(dir, 'outbox', '2026-01-01T00-00-00-000Z-abcd1234');
      await mkdir(session, { recursive: true });
      await mkdir(outbox, { recursive: true });
      const orphanA = path.join(session, `.session.json.${dead}.0badc0de.tmp`);
      const orphanB = path.join(outbox, `.0003.dcm.${dead}.12345678.tmp`);
      const orphanC = path.join(dir, `.pacs-destinations.json.${dead}.aaaaaaaa.tmp`);
      const inProgress = path.join(session, `.session.json.${live.pid}.feedf00d.tmp`);
      const notOurs = path.join(dir, 'notes.tmp');
      for (const f of [orphanA, orphanB, orphanC, inProgress, notOurs]) await writeFile(f, 'x');

      const r = await prepareDataFolder(dir);
      expect([...r.sweptTemps].sort()).toEqual([orphanA, orphanB, orphanC].sort());
      for (const f of [orphanA, orphanB, orphanC]) expect(await exists(f)).toBe(false);
      expect(await exists(inProgress)).toBe(true);
      expect(await exists(notOurs)).toBe(true);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('sweeps when the api service starts (before its first call completes)', async () => {
    const orphan = path.join(dir, 'outbox', `.item.json.${await deadPid()}.00000000.tmp`);
    await mkdir(path.dirname(orphan), { recursive: true });
    await writeFile(orphan, '{}');
    const api = createApiService({ ...defaultServiceOptions(), dataDir: dir });
    await api.invoke('ping', {});
    expect(await exists(orphan)).toBe(false);
    await api.close?.();
  });

  it('a one-shot CLI process does not walk the data folder; a write sweeps its own folder first', async () => {
    // Issue 13: walking a data folder of 3000 files made every CLI command about 100 ms slower.
    const dead = await deadPid();
    const written = path.join(dir, 'sessions', 'a');
    const untouched = path.join(dir, 'projects', 'p', 'cases', 'c');
    await mkdir(written, { recursive: true });
    await mkdir(untouched, { recursive: true });
    const orphanWritten = path.join(written, `.session.json.${dead}.0badc0de.tmp`);
    const orphanUntouched = path.join(untouched, `.case.json.${dead}.0badc0de.tmp`);
    for (const f of [orphanWritten, orphanUntouched]) await writeFile(f, 'x');

    const tsv = path.join(await mkdtemp(path.join(os.tmpdir(), 'metakd-issue12-names-')), 'n.tsv');
    await writeFile(tsv, 'series_description\nAX T1 SE\n');
    vi.stubEnv('METAKD_HOME', dir);
    try {
      const r = await runCli(['classify-names', tsv]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    // The CLI's service started and answered without sweeping the folder.
    expect(await exists(orphanWritten)).toBe(true);
    expect(await exists(orphanUntouched)).toBe(true);

    await writeFileAtomic(path.join(written, 'session.json'), '{}');
    expect(await exists(orphanWritten)).toBe(false);
    expect(await exists(orphanUntouched)).toBe(true);
  });

  it('can fsync a folder', async () => {
    await expect(syncFolder(dir)).resolves.toBeUndefined();
  });
});
