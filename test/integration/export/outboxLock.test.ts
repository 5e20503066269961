/**
 * One sender per outbox item across processes (sendLock.ts): while a real `metakd send --retry`
 * child process is sending an item to a real Orthanc (stopped with SIGSTOP, so the send waits),
 * this process — the app's outbox on the same data folder — refuses to send it or remove it,
 * its background pass skips it without counting a failure or touching item.json, and once the
 * PACS answers the child delivers it and exits 0. A lock left by a process that died is taken
 * over; one written on another host is respected until it is old.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import {
  hasOrthanc,
  startOrthancDestination,
  type OrthancDestination,
  type OrthancInstance,
} from '../../helpers/orthanc.ts';
import { repoRoot } from '../../helpers/data.ts';
import { writeSyntheticSeries } from '../../unit/export/syntheticSeries.ts';
import { Outbox } from '../../../src-main/core/export/outbox/Outbox.ts';
import { SEND_LOCK_FILE, takeSendLock } from '../../../src-main/core/export/outbox/sendLock.ts';
import { sendToDestination } from '../../../src-main/core/export/pacs/sendToDestination.ts';

describe.runIf(hasOrthanc)('outbox send lock across processes (real Orthanc)', () => {
  let pacs: OrthancDestination;
  let orthanc: OrthancInstance;
  let home: string;
  let sends = 0;
  const outbox = (): Outbox =>
    new Outbox({
      dir: path.join(home, 'outbox'),
      resolveDestination: (n) => pacs.store.get(n),
      // The real sender, counted: this process must not send what the child is sending.
      send: (d, f, p, o) => {
        sends++;
        return sendToDestination(d, f, p, o);
      },
    });

  beforeAll(async () => {
    pacs = await startOrthancDestination('metakd-outbox-lock-', 60_000);
    ({ orthanc, dir: home } = pacs);
  });
  afterAll(() => pacs?.dispose());

  it('a send in another process holds the item: no second send, no removal, no failure', async () => {
    const box = outbox();
    const item = await box.enqueue(writeSyntheticSeries(path.join(home, 's1')).files, 'orthanc');
    const itemJson = path.join(box.dir, item.id, 'item.json');
    const orthancPid = orthanc.pid() as number;
    process.kill(orthancPid, 'SIGSTOP'); // the PACS hangs: the child's send waits
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'bin', 'metakd.cjs'), 'send', '--retry', item.id],
      { cwd: repoRoot, env: { ...process.env, METAKD_HOME: home } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
    try {
      // Wait until the child holds the lock (it starts, then opens the association).
      const lockFile = path.join(box.dir, item.id, SEND_LOCK_FILE);
      const t0 = Date.now();
      while (!existsSync(lockFile) && Date.now() - t0 < 30_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const owner = JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number };
      expect(owner.pid).toBe(child.pid);
      const before = await readFile(itemJson, 'utf8');

      await expect(box.deliver(item.id)).rejects.toThrow(
        new RegExp(`being sent by another MetaKD process \\(pid ${child.pid}`),
      );
      await expect(box.remove(item.id)).rejects.toThrow(/being sent by another MetaKD process/);
      const pass = await box.processDue(true);
      expect(pass).toEqual({ delivered: [], failed: [] });
      expect(sends).toBe(0);
      expect(await readFile(itemJson, 'utf8')).toBe(before);
    } finally {
      process.kill(orthancPid, 'SIGCONT');
    }
    expect(await exited, out).toBe(0);
    expect(existsSync(path.join(box.dir, item.id))).toBe(false); // delivered and removed
    expect(sends).toBe(0);
  }, 120_000);

  it('a lock left by a dead process is taken over; a recent one from another host is not', async () => {
    const box = outbox();
    const item = await box.enqueue(writeSyntheticSeries(path.join(home, 's2')).files, 'orthanc');
    const lockFile = path.join(box.dir, item.id, SEND_LOCK_FILE);
    const since = new Date().toISOString();

    await writeFile(lockFile, JSON.stringify({ pid: 4242, host: 'other-host', since }));
    await expect(box.deliver(item.id)).rejects.toThrow(/pid 4242 on other-host/);
    // Six hours later that host is presumed gone.
    const old = new Date(Date.now() - 7 * 3600_000).toISOString();
    await writeFile(lockFile, JSON.stringify({ pid: 4242, host: 'other-host', since: old }));
    const taken = await takeSendLock(path.join(box.dir, item.id));
    expect('release' in taken).toBe(true);
    if ('release' in taken) await taken.release();

    // A process of this host that has exited: its pid is free, so its lock is stale.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid as number;
    await new Promise((r) => dead.once('close', r));
    await writeFile(lockFile, JSON.stringify({ pid: deadPid, host: os.hostname(), since }));
    const files = item.files.length;
    await expect(box.deliver(item.id)).resolves.toEqual({ stored: files });
    expect(existsSync(path.join(box.dir, item.id))).toBe(false);

    const again = await box.enqueue(writeSyntheticSeries(path.join(home, 's3')).files, 'orthanc');
    const againLock = path.join(box.dir, again.id, SEND_LOCK_FILE);
    // An unreadable lock (its writer died between creating and writing it) is stale once old.
    await writeFile(againLock, '');
    await expect(box.deliver(again.id)).rejects.toThrow(/being sent by another MetaKD process/);
    const past = new Date(Date.now() - 60_000);
    await utimes(againLock, past, past);
    await expect(box.deliver(again.id)).resolves.toEqual({ stored: again.files.length });
  }, 60_000);
});
