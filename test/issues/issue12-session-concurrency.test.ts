/**
 * Issue 12 — "Two concurrent edits of one session both succeed in memory; after a restart one has
 * vanished from disk and from the audit trail while the display (and an export) still had it."
 *
 * Triage: edit() loaded the cached session, applied the edit to the shared labelmap and wrote
 * session.json from its own copy of the record; two edits in flight each wrote a record with only
 * their own edit, and the last write won. Contract pinned: load → modify → save is serialised per
 * session — in one process (also across SessionStore instances) by a queue, across processes by
 * a lock file created with O_EXCL; an edit made by another process since our last save is
 * replayed before ours is applied; a lock left by a dead process is taken over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, unlink, access } from 'node:fs/promises';
import { SessionStore, type NewSession } from '../../src-main/core/sessions/SessionStore.ts';
import { LOCK_FILE } from '../../src-main/core/sessions/sessionLock.ts';
import type { Geometry } from '../../src-main/core/volume/Geometry.ts';
import type { SessionEdit } from '../../src-main/core/sessions/types.ts';

const N = 16;
const geometry: Geometry = {
  dims: [N, N, N],
  spacing: [1, 1, 1],
  originLps: [0, 0, 0],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

function newSession(): NewSession {
  return {
    studyId: 'study-1',
    sourcePath: 'case',
    reader: 'Dr A',
    model: { name: 'metakd-brats', version: '1.0.0', provider: 'cpu' },
    sequencesUsed: ['flair'],
    referenceSeriesId: 'flair-series',
    geometry,
    labels: new Uint8Array(N * N * N),
  };
}

/** A 1 mm dab at (i, 8, 8): each one paints distinct voxels. */
function dab(i: number): SessionEdit {
  return { kind: 'paintSphere', centerIjk: [i, 8, 8], radiusMm: 1, label: 2, plane: null };
}

describe('issue 12: concurrent edits of one session', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue12-sessions-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every one of several concurrent edits on disk and in the audit trail', async () => {
    const store = new SessionStore(dir);
    const { record } = await store.create(newSession());
    await Promise.all([2, 5, 8, 11, 14].map((i) => store.edit(record.id, `reader ${i}`, dab(i))));
    store.forgetLoaded(); // "restart"
    const after = await new SessionStore(dir).load(record.id);
    expect(after.record.edits.length).toBe(5);
    expect(after.record.audit.filter((a) => a.action === 'edit').length).toBe(5);
    for (const i of [2, 5, 8, 11, 14]) expect(after.labels[i + N * (8 + N * 8)]).toBe(2);
  });

  it('serialises edits made through two stores on one data folder (two windows, export)', async () => {
    const a = new SessionStore(dir);
    const b = new SessionStore(dir);
    const { record } = await a.create(newSession());
    await b.load(record.id); // b caches the session as created
    await Promise.all([a.edit(record.id, 'A', dab(3)), b.edit(record.id, 'B', dab(12))]);
    // b's next edit must land on top of a's, not over a stale copy.
    await b.edit(record.id, 'B', dab(7));
    const after = await new SessionStore(dir).load(record.id);
    expect(after.record.edits.map((e) => e.reader).sort()).toEqual(['A', 'B', 'B']);
  });

  it('waits for a lock held by a live process and takes over one left by a dead process', async () => {
    const store = new SessionStore(dir);
    const { record } = await store.create(newSession());
    const lock = path.join(dir, 'sessions', record.id, LOCK_FILE);

    // A lock of a process that no longer exists (a crash): taken over at once.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    await writeFile(lock, String(dead.pid));
    await store.edit(record.id, 'A', dab(4));
    await expect(access(lock)).rejects.toThrow(); // released after the edit

    // A lock of a live process: the edit waits until it is released.
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(lock, String(live.pid));
      let done = false;
      const pending = store.edit(record.id, 'A', dab(10)).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      await unlink(lock);
      await pending;
      expect(done).toBe(true);
    } finally {
      live.kill('SIGKILL');
    }
    expect((await new SessionStore(dir).load(record.id)).record.edits.length).toBe(2);
  });
});
