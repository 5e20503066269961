/**
 * getPreparationCheck / getPreparationVolume (issue 10): the preparation record and the check
 * volumes of a finished job or a stored review session, on the reference's native grid; a clear
 * NOT_FOUND when the study was not prepared or nothing was kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { apiMethods } from '../../../src-main/api/contract.ts';
import { createPreparationService } from '../../../src-main/api/services/preparationService.ts';
import type { FinishedSegmentation } from '../../../src-main/api/services/sessionService.ts';
import type { StudyStore } from '../../../src-main/api/services/studyStore.ts';
import { SessionStore } from '../../../src-main/core/sessions/SessionStore.ts';
import { compose } from '../../../src-main/core/prepare/transforms.ts';
import { eulerToMatrix } from '../../../src-main/core/prepare/registration/eulerTransform.ts';
import type { PreparationRecord } from '../../../src-main/core/prepare/types.ts';
import type { Geometry } from '../../../src-main/core/volume/Geometry.ts';
import type { CallContext } from '../../../src-main/api/contract/events.ts';

const grid: Geometry = {
  dims: [12, 10, 8],
  spacing: [2, 2, 3],
  originLps: [-12, -10, -12],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};
const n = 12 * 10 * 8;
const ctx: CallContext = { emit: () => undefined };
const bratsToRef = eulerToMatrix([0.1, 0, 0, 3, 0, 0], [0, 0, 0]);
const shift = eulerToMatrix([0, 0, 0, 2, 0, 0], [0, 0, 0]); // reference → FLAIR: +2 mm in x

const ran: PreparationRecord = {
  decision: { mode: 'auto', needed: true, reasons: [] },
  ran: true,
  referenceSlot: 't1ce',
  registrations: [],
  composed: { t1ce: bratsToRef, flair: compose(bratsToRef, shift) },
  excluded: [],
  warnings: [],
};
const notRun: PreparationRecord = { ...ran, ran: false, composed: {}, referenceSlot: undefined };
const mask = Uint8Array.from({ length: n }, (_, v) => (v % 3 === 0 ? 1 : 0));
// FLAIR's voxel value = its world x (mm), so on the reference grid it reads x + 2.
const flair = Float32Array.from({ length: n }, (_, v) => -12 + 2 * (v % 12));

const studies = {
  getSeries: (studyId: string, seriesId: string) => {
    if (studyId === 'study' && seriesId === 'flair-series') {
      return { volume: { geometry: grid, data: flair } };
    }
    throw new Error(`unexpected series ${seriesId}`);
  },
} as unknown as StudyStore;

function job(preparation: PreparationRecord, withMask: boolean): FinishedSegmentation {
  return {
    studyId: 'study',
    sourcePath: '/x',
    model: { name: 'm', version: '1', provider: 'cpu' },
    sequencesUsed: ['flair', 't1ce'],
    referenceSeriesId: 'ref-series',
    geometry: grid,
    labels: new Uint8Array(n),
    result: {
      inputSeries: { flair: 'flair-series', t1: null, t1ce: 'ref-series', t2: null },
      warnings: [],
      expectedAccuracy: null,
      preparation,
    },
    ...(withMask ? { brainMask: mask } : {}),
  };
}

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'metakd-prepcheck-'));
});
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

const service = () =>
  createPreparationService(studies, {
    dataDir: home,
    segmentations: async (jobId) => {
      if (jobId === 'prepared') return job(ran, true);
      if (jobId === 'untouched') return job(notRun, false);
      throw Object.assign(new Error('no job'), { code: 'NOT_FOUND' });
    },
  });

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as Error & { code?: string },
  );

describe('for a finished job', () => {
  it('offers the brain mask and the co-registered series of a prepared study', async () => {
    const c = await service().getPreparationCheck({ jobId: 'prepared' }, ctx);
    expect(c).toMatchObject({ studyId: 'study', referenceSeriesId: 'ref-series', brainMask: true });
    expect(c.checkSlots).toEqual(['flair']);
    expect(c.preparation).toBe(ran);
  });

  it('returns the brain mask as uint8 on the reference grid, as a copy', async () => {
    const v = await service().getPreparationVolume({ jobId: 'prepared', layer: 'brainMask' }, ctx);
    expect(v).toMatchObject({ layer: 'brainMask', dataType: 'uint8', geometry: grid });
    expect(new Uint8Array(v.data)).toEqual(mask);
    expect(v.data).not.toBe(mask.buffer);
  });

  it('returns a co-registered series resampled through the recorded transform', async () => {
    const v = await service().getPreparationVolume({ jobId: 'prepared', layer: 'flair' }, ctx);
    expect(v.dataType).toBe('float32');
    const d = new Float32Array(v.data);
    // Reference voxel i = 3 is at x = −6 mm; FLAIR shows it at x = −4 → value −4.
    expect(d[3]).toBeCloseTo(-4, 4);
    expect(v.window.width).toBeGreaterThan(0);
  });

  it('says NOT_FOUND for an unprepared study, a missing series; refuses the reference', async () => {
    const s = service();
    const c = await s.getPreparationCheck({ jobId: 'untouched' }, ctx);
    expect(c).toMatchObject({ brainMask: false, checkSlots: [] });
    const e1 = await failure(
      s.getPreparationVolume({ jobId: 'untouched', layer: 'brainMask' }, ctx),
    );
    expect(e1?.code).toBe('NOT_FOUND');
    expect(e1?.message).toMatch(/was not prepared/);
    const e2 = await failure(s.getPreparationVolume({ jobId: 'prepared', layer: 't2' }, ctx));
    expect(e2?.code).toBe('NOT_FOUND');
    const e3 = await failure(s.getPreparationVolume({ jobId: 'prepared', layer: 't1ce' }, ctx));
    expect(e3?.code).toBe('INVALID_ARGUMENT');
  });
});

describe('for a stored review session (reopened without its job)', () => {
  it('gives the same record and the brain mask kept with the session', async () => {
    const store = new SessionStore(home);
    const s = await store.create({ ...job(ran, true), reader: 'Dr A' });
    const c = await service().getPreparationCheck({ sessionId: s.record.id }, ctx);
    expect(c.preparation).toEqual(ran);
    expect(c).toMatchObject({ brainMask: true, checkSlots: ['flair'] });
    const v = await service().getPreparationVolume(
      { sessionId: s.record.id, layer: 'brainMask' },
      ctx,
    );
    expect(new Uint8Array(v.data)).toEqual(mask);
  });

  it('says NOT_FOUND when the session kept no brain mask', async () => {
    const store = new SessionStore(home);
    const s = await store.create({ ...job(ran, false), reader: 'Dr A' });
    const c = await service().getPreparationCheck({ sessionId: s.record.id }, ctx);
    expect(c.brainMask).toBe(false);
    const e = await failure(
      service().getPreparationVolume({ sessionId: s.record.id, layer: 'brainMask' }, ctx),
    );
    expect(e?.code).toBe('NOT_FOUND');
    expect(e?.message).toMatch(/No brain mask was kept/);
  });
});

describe('params', () => {
  it('take exactly one of jobId and sessionId, and a known layer', () => {
    const p = apiMethods.getPreparationVolume.params;
    expect(p.safeParse({ jobId: 'j', layer: 'brainMask' }).success).toBe(true);
    expect(p.safeParse({ layer: 'brainMask' }).success).toBe(false);
    const both = { jobId: 'j', sessionId: '0b5c4a8e-6f7d-4c1e-9a3b-2d1e0f9a8b7c', layer: 'flair' };
    expect(p.safeParse(both).success).toBe(false);
    expect(p.safeParse({ jobId: 'j', layer: 'pd' }).success).toBe(false);
  });
});
