/**
 * Issue 11, "Viewer essentials": the service side of measurements and of the brush's partial
 * labelmap reload.
 *
 * - Length and bidirectional measurements are stored in the session with lengths computed from
 *   the points (not taken from the caller), audited, kept across a restart, and refused after
 *   sign-off like edits.
 * - After a brush stroke the viewer asks for the block the stroke can have changed
 *   (`getSessionLabelmap` with `box`), so a stroke does not move the whole 9 MB labelmap; the
 *   block equals the same voxels of the full labelmap.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { SessionStore } from '../../src-main/core/sessions/SessionStore.ts';
import { labelBlock } from '../../src-main/api/services/sessionService.ts';
import { createApiService, defaultServiceOptions } from '../../src-main/api/service.ts';
import { isMetaKdError } from '../../src-main/core/errors.ts';
import type { Geometry } from '../../src-main/core/volume/Geometry.ts';

const N = 8;
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

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue11-ve-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function newSession(store: SessionStore) {
  const labels = new Uint8Array(N * N * N);
  for (let v = 0; v < labels.length; v++) labels[v] = v % 7 === 0 ? 2 : 0;
  return store.create({
    studyId: 's',
    sourcePath: '/s',
    reader: 'Dr M',
    model: { name: 'm', version: '1', provider: 'cpu' },
    sequencesUsed: ['flair'],
    referenceSeriesId: 'r',
    geometry,
    labels,
  });
}

describe('measurements in the session', () => {
  it('computes lengths from the points, audits them and keeps them across a restart', async () => {
    const store = new SessionStore(dir);
    const s = await newSession(store);
    await store.setMeasurements(s.record.id, 'Dr M', [
      {
        id: 'a',
        kind: 'length',
        pointsLps: [
          [0, 0, 0],
          [3, 4, 0],
        ],
      },
      {
        id: 'b',
        kind: 'bidirectional',
        pointsLps: [
          [0, 0, 0],
          [0, 20, 0],
          [-5, 10, 0],
          [5, 10, 0],
        ],
        planeNormal: [0, 0, -1],
      },
    ]);
    const again = await new SessionStore(dir).load(s.record.id);
    const [len, bi] = again.record.measurements ?? [];
    expect(len.lengthMm).toBeCloseTo(5);
    expect(bi.lengthMm).toBeCloseTo(20);
    expect(bi.widthMm).toBeCloseTo(10);
    expect(bi.planeNormal).toEqual([0, 0, -1]);
    expect(again.record.audit.at(-1)).toMatchObject({
      action: 'measurements',
      detail: 'length 5.0 mm; bidirectional 20.0 × 10.0 mm',
    });
  });

  it('refuses a wrong point count and any change after sign-off', async () => {
    const store = new SessionStore(dir);
    const s = await newSession(store);
    await expect(
      store.setMeasurements(s.record.id, 'Dr M', [
        {
          id: 'x',
          kind: 'bidirectional',
          pointsLps: [
            [0, 0, 0],
            [1, 1, 1],
          ],
        },
      ]),
    ).rejects.toThrow(/needs 4 points/);
    await store.signOff(s.record.id, 'Dr M');
    const err = await store.setMeasurements(s.record.id, 'Dr M', []).catch((e: unknown) => e);
    expect(isMetaKdError(err) && err.message).toMatch(/reopen it before measuring/);
  });
});

describe('partial labelmap reload after a brush stroke', () => {
  it('returns exactly the block asked for, clamped to the grid', () => {
    const dims = [5, 4, 3] as const;
    const labels = Uint8Array.from({ length: 60 }, (_, v) => v);
    const { data, box } = labelBlock(labels, dims, { min: [3, 2, 1], max: [9, 3, 1] });
    expect(box).toEqual({ min: [3, 2, 1], max: [4, 3, 1] });
    const at = (i: number, j: number, k: number) => i + 5 * (j + 4 * k);
    expect([...data]).toEqual([at(3, 2, 1), at(4, 2, 1), at(3, 3, 1), at(4, 3, 1)]);
  });

  it('is served by getSessionLabelmap with a box', async () => {
    const s = await newSession(new SessionStore(dir));
    const api = createApiService({ ...defaultServiceOptions(), dataDir: dir });
    const full = await api.invoke('getSessionLabelmap', { sessionId: s.record.id });
    const part = await api.invoke('getSessionLabelmap', {
      sessionId: s.record.id,
      box: { min: [1, 1, 1], max: [2, 2, 1] },
    });
    const f = new Uint8Array(full.data);
    const p = new Uint8Array(part.data);
    const at = (i: number, j: number, k: number) => i + N * (j + N * k);
    expect([...p]).toEqual([f[at(1, 1, 1)], f[at(2, 1, 1)], f[at(1, 2, 1)], f[at(2, 2, 1)]]);
    expect(part.box).toEqual({ min: [1, 1, 1], max: [2, 2, 1] });
  });
});
