/**
 * Issue 11, "Result integrity" (patient-safety class).
 *
 * Symptom: after a slot was changed (an override, or back to automatic) the screen kept showing
 * the volumes, contributions, expected accuracy and a live Sign-off button of a result computed
 * from other series; forcing a series into a slot its detection contradicts went through without
 * a word; a resumed session lost the result's warnings and expected accuracy; a page reload lost
 * the study and the running job.
 *
 * Contract pinned here (the pure parts the renderer state derives from; the screen itself is
 * covered by test/e2e/integrity.e2e.test.ts):
 * - staleness is derived from the result's recorded inputs and the current assignment;
 * - a contradicting override produces a confirmation text, a matching one does not;
 * - a session keeps the result's inputs, warnings and expected accuracy across a restart, and the
 *   renderer rebuilds the results view from them;
 * - the last study, the running job and the open session are remembered for a reload.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { changedSlots, staleMessage, toSlotInputs } from '../../src-renderer/lib/integrity.ts';
import { overrideContradiction } from '../../src-renderer/lib/overrides.ts';
import { sessionResultView, diceRange } from '../../src-renderer/lib/resultView.ts';
import {
  MAX_RECENT,
  pendingJob,
  recentStudies,
  rememberStudy,
  setPendingJob,
  type KeyValueStore,
} from '../../src-renderer/lib/recentStudies.ts';
import type { SeriesRowView } from '../../src-renderer/lib/viewTypes.ts';
import { SessionStore } from '../../src-main/core/sessions/SessionStore.ts';
import type { SessionResultFacts } from '../../src-main/core/sessions/types.ts';
import type { Geometry } from '../../src-main/core/volume/Geometry.ts';

const computed = toSlotInputs({ flair: 's-flair', t1: null, t1ce: 's-t1ce', t2: 's-t2' });

describe('a shown result is stale as soon as its inputs differ from the assignment', () => {
  it('is current while every slot holds the series it was computed from', () => {
    expect(staleMessage(computed, { ...computed })).toBeNull();
    expect(changedSlots(computed, { ...computed })).toEqual([]);
  });

  it('names the sequences it was computed for and the slot that changed (T1 added back)', () => {
    const now = { ...computed, t1: 's-t1' };
    expect(changedSlots(computed, now)).toEqual(['t1']);
    expect(staleMessage(computed, now)).toBe(
      'Computed for FLAIR + T1ce + T2 — inputs changed (T1), run again.',
    );
  });

  it('sees a series swapped for another in the same slot, and a slot emptied', () => {
    expect(staleMessage(computed, { ...computed, t2: 's-other' })).toMatch(/\(T2\)/);
    expect(staleMessage(computed, { ...computed, flair: null })).toMatch(/\(FLAIR\)/);
  });
});

describe('forcing a series into a slot its detection contradicts asks first', () => {
  const row: SeriesRowView = {
    id: 's1',
    description: 'AX T1 SE',
    dims: [256, 256, 26],
    spacing: [0.9, 0.9, 5.5],
    label: 't1',
    confidence: 0.93,
    reasons: [],
  };
  it('explains the contradiction for another slot', () => {
    const why = overrideContradiction(row, 't1ce');
    expect(why).toContain('detected as T1 (93 % confidence), not T1ce');
  });
  it('does not ask for the detected slot, for "not used" or for automatic', () => {
    expect(overrideContradiction(row, 't1')).toBeNull();
    expect(overrideContradiction(row, 'none')).toBeNull();
    expect(overrideContradiction(row, 'auto')).toBeNull();
  });
  it('asks for a series detected as "other" in any slot', () => {
    expect(overrideContradiction({ ...row, label: 'other' }, 'flair')).toMatch(/“other”/);
  });
});

describe('a session keeps what the result said', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue11-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const geometry: Geometry = {
    dims: [4, 4, 4],
    spacing: [1, 1, 1],
    originLps: [0, 0, 0],
    directionLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  };
  const facts: SessionResultFacts = {
    inputSeries: { flair: 's-flair', t1: null, t1ce: 's-t1ce', t2: 's-t2' },
    warnings: ['T1 missing: the model ran on 3 of 4 sequences'],
    expectedAccuracy: {
      modalities: ['flair', 't1ce', 't2'],
      dice: { et: 0.4, tc: 0.7, wt: 0.85 },
      protocol: '5 validation cases',
      cases: 5,
    },
  };

  it('stores the inputs, warnings and expected accuracy and reloads them after a restart', async () => {
    const store = new SessionStore(dir);
    const labels = new Uint8Array(64);
    labels[5] = 2;
    const s = await store.create({
      studyId: 'study',
      sourcePath: '/data/case',
      reader: 'Dr A',
      model: { name: 'm', version: '1', provider: 'cpu' },
      sequencesUsed: ['flair', 't1ce', 't2'],
      referenceSeriesId: 's-flair',
      geometry,
      labels,
      result: facts,
    });
    const fresh = new SessionStore(dir);
    const loaded = await fresh.load(s.record.id);
    expect(loaded.record.result).toEqual(facts);

    const view = sessionResultView(
      {
        ...loaded.record,
        volumesMl: { ncr: 0, ed: 0.001, et: 0, tc: 0, wt: 0.001 },
      },
      {},
      [
        {
          modalities: ['t2', 'flair', 't1ce'],
          dice: { et: 0.4, tc: 0.7, wt: 0.85 },
          perCase: {
            a: { et: 0.1, tc: 0.5, wt: 0.8 },
            b: { et: 0.6, tc: 0.9, wt: 0.9 },
          },
        },
      ],
    );
    expect(view?.warnings).toEqual(facts.warnings);
    expect(view?.expected).toEqual({ et: 0.4, tc: 0.7, wt: 0.85 });
    expect(view?.expectedCases).toBe(5);
    expect(view?.expectedRange?.et).toEqual({ min: 0.1, max: 0.6 });
    expect(view?.inputs).toEqual(computed);
  });

  it('finds no per-case range when the manifest row has none', () => {
    expect(diceRange([{ modalities: ['flair'], dice: { et: 0, tc: 0, wt: 0 } }], ['flair'])).toBe(
      null,
    );
  });
});

/** A Storage in memory. */
function memoryStorage(): KeyValueStore {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe('a reload finds the last study and the running job again', () => {
  it('keeps recent studies newest first, one per path, at most MAX_RECENT', () => {
    const st = memoryStorage();
    for (let i = 0; i < MAX_RECENT + 2; i++)
      rememberStudy(st, { id: `s${i}`, path: `/p/${i}`, title: `case ${i}` });
    rememberStudy(st, { id: 's3', path: '/p/3', title: 'case 3' });
    const list = recentStudies(st);
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0].path).toBe('/p/3');
    expect(new Set(list.map((r) => r.path)).size).toBe(MAX_RECENT);
  });

  it('remembers the running job until it is cleared, and survives a damaged entry', () => {
    const st = memoryStorage();
    setPendingJob(st, { jobId: 'j1', studyId: 's1', provider: 'cpu' });
    expect(pendingJob(st)).toEqual({ jobId: 'j1', studyId: 's1', provider: 'cpu' });
    setPendingJob(st, null);
    expect(pendingJob(st)).toBeNull();
    st.setItem('metakd.runningJob', '{broken');
    expect(pendingJob(st)).toBeNull();
  });
});
