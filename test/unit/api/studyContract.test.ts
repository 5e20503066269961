/** The study part of the api contract through the real service: validation and behaviour. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { ApiError, createApiService } from '../../../src-main/api/service.ts';
import { StudyStore } from '../../../src-main/api/services/studyStore.ts';
import type { Study } from '../../../src-main/core/study/types.ts';
import type { Vec3 } from '../../../src-main/core/volume/Geometry.ts';

const api = createApiService({
  appVersion: '0.0.0-test',
  dataDir: mkdtempSync(path.join(os.tmpdir(), 'metakd-contract-')),
  modelsDir: path.join(os.tmpdir(), 'no-models'),
});

async function errorOf(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('study contract: validation', () => {
  it('refuses malformed payloads with a clear INVALID_ARGUMENT', async () => {
    const cases: Array<[Parameters<typeof api.invoke>[0], unknown, RegExp]> = [
      ['importStudy', {}, /Invalid params for importStudy: path: /],
      ['importStudy', { path: '' }, /path is required/],
      ['importStudy', { path: '/x', extra: 1 }, /importStudy/],
      ['classifyNames', { rows: [{ ProtocolName: 'x' }] }, /rows\.0\.SeriesDescription/],
      [
        'classifyNames',
        { rows: [{ SeriesDescription: 'x', RepetitionTime: 'long' }] },
        /rows\.0\.RepetitionTime/,
      ],
      ['setAssignment', { studyId: 's', overrides: { pd: 'x' } }, /overrides/],
      ['setAssignment', { studyId: 's', overrides: { t1: 5 } }, /overrides\.t1/],
      ['getStudy', { studyId: '' }, /studyId is required/],
    ];
    for (const [name, params, message] of cases) {
      const e = await errorOf(api.invoke(name, params));
      expect(e.dto.code, `${name} ${JSON.stringify(params)}`).toBe('INVALID_ARGUMENT');
      expect(e.dto.message).toMatch(message);
    }
  });

  it('a missing path is NOT_FOUND naming the path; an unknown study is NOT_FOUND', async () => {
    const missing = path.join(os.tmpdir(), 'metakd-no-such-folder-xyz');
    const e = await errorOf(api.invoke('importStudy', { path: missing }));
    expect(e.dto.code).toBe('NOT_FOUND');
    expect(e.dto.message).toContain(missing);
    const u = await errorOf(api.invoke('setAssignment', { studyId: 'nope', overrides: {} }));
    expect(u.dto).toMatchObject({ code: 'NOT_FOUND' });
    expect(u.dto.message).toMatch(/"nope" is not imported/);
  });
});

describe('study contract: classifyNames', () => {
  it('returns one result per row in input order', async () => {
    const r = await api.invoke('classifyNames', {
      rows: [
        { SeriesDescription: 'AX T2 FSE' },
        { SeriesDescription: 'AX T1 POST GD FLAIR' },
        {
          SeriesDescription: 'FLAIR',
          ScanningSequence: 'RM',
          RepetitionTime: 10002,
          EchoTime: 159.5,
        },
      ],
    });
    expect(r.results.map((x) => x.label)).toEqual(['t2', 't1ce', 'flair']);
    expect(r.results[1].reasons.length).toBeGreaterThan(1);
  });

  it('judges rows sharing studyId together: the later identical T1 is T1ce', async () => {
    const t1 = { SeriesDescription: 'T1W_SE-TRA_FS', RepetitionTime: 625.741, EchoTime: 15 };
    const r = await api.invoke('classifyNames', {
      rows: [
        { ...t1, studyId: 'a', SeriesNumber: 1201 },
        { ...t1, studyId: 'a', SeriesNumber: 901 },
        { ...t1, studyId: 'b', SeriesNumber: 1300 },
      ],
    });
    expect(r.results.map((x) => x.label)).toEqual(['t1ce', 't1', 't1']);
  });
});

describe('study store and setAssignment', () => {
  function geometry(dims: Vec3) {
    return {
      dims,
      spacing: [1, 1, 1] as Vec3,
      originLps: [0, 0, 0] as Vec3,
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ] as [Vec3, Vec3, Vec3],
    };
  }
  const study: Study = {
    id: 'study-1',
    sourcePath: '/x',
    series: ['AX FLAIR', 'AX T1', 'AX T2', 'DWI'].map((d, i) => ({
      id: `s${i}`,
      source: 'dicom' as const,
      files: [],
      warnings: [],
      SeriesDescription: d,
      SeriesNumber: i + 1,
      volume: { geometry: geometry([4, 4, 4]), data: new Uint8Array(64) },
    })),
  };

  it('stores a study, reports the automatic assignment and applies overrides', () => {
    const store = new StudyStore();
    const stored = store.putStudy(study);
    expect(stored.assignment.assignment).toEqual({ flair: 's0', t1: 's1', t1ce: null, t2: 's2' });
    expect(store.getSeries('study-1', 's3').SeriesDescription).toBe('DWI');
    const next = store.setAssignment('study-1', { t1ce: 's1', t2: null });
    expect(next.assignment.assignment).toEqual({ flair: 's0', t1: null, t1ce: 's1', t2: null });
    expect(next.assignment.missing).toEqual(['t1', 't2']);
    // A bad override changes nothing.
    expect(() => store.setAssignment('study-1', { flair: 'zz' })).toThrow(/not in this study/);
    expect(store.getAssignment('study-1')).toBe(next.assignment);
    // Overrides replace, not merge.
    expect(store.setAssignment('study-1', {}).assignment.assignment.t1).toBe('s1');
    expect(() => store.getSeries('study-1', 'nope')).toThrow(/not part of study/);
  });
});
