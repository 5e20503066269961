/**
 * Review sessions: edits as replayable operations, undo, sign-off, audit trail, and a session that
 * a fresh process (after a crash) reloads exactly as the reader left it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { SessionStore, type NewSession } from '../../../src-main/core/sessions/SessionStore.ts';
import { relabelComponent } from '../../../src-main/core/sessions/relabelComponent.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import type { Geometry } from '../../../src-main/core/volume/Geometry.ts';

const N = 16;
const geometry: Geometry = {
  dims: [N, N, N],
  spacing: [1, 1, 2],
  originLps: [0, 0, 0],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};
const at = (i: number, j: number, k: number) => i + N * (j + N * k);

/** Two separate edema blobs and an enhancing core inside the first. */
function makeLabels(): Uint8Array {
  const l = new Uint8Array(N * N * N);
  for (let k = 2; k < 8; k++)
    for (let j = 2; j < 8; j++) for (let i = 2; i < 8; i++) l[at(i, j, k)] = 2;
  for (let k = 4; k < 6; k++)
    for (let j = 4; j < 6; j++) for (let i = 4; i < 6; i++) l[at(i, j, k)] = 4;
  for (let k = 11; k < 14; k++)
    for (let j = 11; j < 14; j++) for (let i = 11; i < 14; i++) l[at(i, j, k)] = 2;
  return l;
}

function newSession(labels = makeLabels()): NewSession {
  return {
    studyId: 'study-1',
    sourcePath: '/data/case',
    reader: 'Dr A',
    model: { name: 'metakd-brats', version: '1.0.0', provider: 'cpu' },
    sequencesUsed: ['flair', 't1ce', 't2'],
    referenceSeriesId: 'flair-series',
    geometry,
    labels,
  };
}

describe('relabelComponent', () => {
  it('changes only the 6-connected component of the seed label', () => {
    const l = makeLabels();
    const r = relabelComponent(l, geometry.dims, [2, 2, 2], 1);
    expect(r).toEqual({ fromLabel: 2, voxels: 6 * 6 * 6 - 8 });
    expect(l[at(12, 12, 12)]).toBe(2); // the other blob is untouched
    expect(l[at(4, 4, 4)]).toBe(4); // the enclosed enhancing core is another label
    expect(l[at(7, 7, 7)]).toBe(1);
  });

  it('does nothing on background and refuses seeds outside the grid', () => {
    const l = makeLabels();
    expect(relabelComponent(l, geometry.dims, [0, 0, 0], 1).voxels).toBe(0);
    expect(() => relabelComponent(l, geometry.dims, [N, 0, 0], 1)).toThrow(/outside the labelmap/);
  });
});

describe('SessionStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-sessions-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('records edits, undo and sign-off in the audit trail', async () => {
    const store = new SessionStore(dir);
    const s = await store.create(newSession());
    const edited = await store.edit(s.record.id, 'Dr A', {
      kind: 'relabelComponent',
      seedIjk: [12, 12, 12],
      toLabel: 0,
    });
    expect(edited.labels[at(12, 12, 12)]).toBe(0);
    expect(edited.record.edits).toHaveLength(1);
    expect(edited.record.edits[0]).toMatchObject({ fromLabel: 2, voxels: 27, reader: 'Dr A' });
    const undone = await store.undo(s.record.id, 'Dr A');
    expect(undone.labels[at(12, 12, 12)]).toBe(2);
    const signed = await store.signOff(s.record.id, 'Dr B');
    expect(signed.record.signOff?.reader).toBe('Dr B');
    await expect(
      store.edit(s.record.id, 'Dr B', { kind: 'relabelComponent', seedIjk: [2, 2, 2], toLabel: 1 }),
    ).rejects.toSatisfy((e) => isMetaKdError(e, 'SESSION_INVALID'));
    expect(signed.record.audit.map((a) => a.action)).toEqual([
      'created',
      'edit',
      'undo',
      'signOff',
    ]);
    expect(signed.record.audit.every((a) => a.modelVersion === 'metakd-brats 1.0.0')).toBe(true);
    expect(signed.record.audit[1].detail).toMatch(/27 voxels ED → background at \(12, 12, 12\)/);
  });

  it('survives a crash: a new store reloads the edited labelmap from disk', async () => {
    const first = new SessionStore(dir);
    const s = await first.create(newSession());
    await first.edit(s.record.id, 'Dr A', {
      kind: 'relabelComponent',
      seedIjk: [4, 4, 4],
      toLabel: 1,
    });
    const expected = (await first.load(s.record.id)).labels.slice();
    // A different store object has no memory of the first: only the files count.
    const afterCrash = new SessionStore(dir);
    const reloaded = await afterCrash.opened(s.record.id, 'Dr A');
    expect(Buffer.compare(Buffer.from(reloaded.labels), Buffer.from(expected))).toBe(0);
    expect(reloaded.labels[at(4, 4, 4)]).toBe(1);
    expect(reloaded.record.audit.at(-1)?.action).toBe('opened');
    const files = await readdir(path.join(dir, 'sessions', s.record.id));
    expect(files.sort()).toEqual(['original.labels.gz', 'session.json']); // no temp files left
  });

  it('stores a brush stroke as one edit: replayed after a crash, undone as a whole', async () => {
    const first = new SessionStore(dir);
    const s = await first.create(newSession());
    const original = makeLabels();
    await first.edit(s.record.id, 'Dr A', {
      kind: 'relabelComponent',
      seedIjk: [12, 12, 12],
      toLabel: 1,
    });
    const afterRelabel = (await first.load(s.record.id)).labels.slice();
    // Erase across the first blob in slice k = 5 (a 1.5 mm axial disc per dab).
    const centersIjk: [number, number, number][] = [];
    for (let i = 1; i <= 9; i++) centersIjk.push([i, 5, 5]);
    const stroke = {
      kind: 'paintStroke',
      centersIjk,
      radiusMm: 1.5,
      label: 0,
      plane: 'axial',
    } as const;
    const painted = await first.edit(s.record.id, 'Dr A', stroke);
    expect(painted.record.edits).toHaveLength(2);
    const rec = painted.record.edits[1];
    expect(rec).toMatchObject({ edit: stroke, fromLabel: null, reader: 'Dr A' });
    // Rows j = 4, 5, 6 of i = 2..7 were tumour; (4..5, 4..5) of them enhancing.
    expect(rec.voxels).toBe(18);
    expect(painted.labels[at(4, 5, 5)]).toBe(0);
    expect(painted.labels[at(4, 5, 4)]).toBe(4); // the disc stays in its slice
    expect(painted.record.audit.at(-1)?.detail).toBe(
      'brush stroke: erased 18 voxels, 1.5 mm axial brush, 9 dabs from (1, 5, 5)',
    );
    const expected = painted.labels.slice();

    const afterCrash = new SessionStore(dir);
    const reloaded = await afterCrash.opened(s.record.id, 'Dr A');
    expect(Buffer.compare(Buffer.from(reloaded.labels), Buffer.from(expected))).toBe(0);

    const undone = await afterCrash.undo(s.record.id, 'Dr A');
    expect(undone.record.edits.map((e) => e.edit.kind)).toEqual(['relabelComponent']);
    expect(Buffer.compare(Buffer.from(undone.labels), Buffer.from(afterRelabel))).toBe(0);
    const again = await afterCrash.undo(s.record.id, 'Dr A');
    expect(Buffer.compare(Buffer.from(again.labels), Buffer.from(original))).toBe(0);

    // A single dab that changes nothing (background erased) is not recorded.
    const noop = await afterCrash.edit(s.record.id, 'Dr A', {
      kind: 'paintSphere',
      centerIjk: [0, 0, 0],
      radiusMm: 1,
      label: 0,
      plane: null,
    });
    expect(noop.record.edits).toHaveLength(0);
    const dab = await afterCrash.edit(s.record.id, 'Dr A', {
      kind: 'paintSphere',
      centerIjk: [0, 0, 0],
      radiusMm: 1,
      label: 4,
      plane: null,
    });
    // The corner voxel and its i and j neighbours: the k neighbour is 2 mm away on this grid.
    expect(dab.record.edits[0].voxels).toBe(3);
    expect(dab.record.audit.at(-1)?.detail).toBe(
      'brush dab: painted 3 voxels ET, 1 mm 3-D brush, at (0, 0, 0)',
    );
  });

  it('refuses a corrupt session file with the file named', async () => {
    const store = new SessionStore(dir);
    const s = await store.create(newSession());
    const file = path.join(dir, 'sessions', s.record.id, 'session.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.length / 2));
    const fresh = new SessionStore(dir);
    await expect(fresh.load(s.record.id)).rejects.toThrow(/session\.json/);
    await expect(fresh.load('../../etc')).rejects.toThrow(/not a session id/);
  });

  it('refuses a labelmap that does not fit the grid', async () => {
    const store = new SessionStore(dir);
    await expect(store.create(newSession(new Uint8Array(10)))).rejects.toThrow(/10 voxels/);
  });
});
