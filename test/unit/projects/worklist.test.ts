/** Worklist rows and time spent, derived from the project, case records and session records. */
import { describe, expect, it } from 'vitest';
import {
  activeTimeMs,
  buildWorklist,
  IDLE_GAP_MS,
} from '../../../src-main/core/projects/worklist.ts';
import { caseAgreement } from '../../../src-main/core/projects/agreement.ts';
import {
  PROJECT_FORMAT,
  type CaseRecord,
  type ProjectRecord,
} from '../../../src-main/core/projects/projectTypes.ts';
import type { AuditEntry, SessionRecord } from '../../../src-main/core/sessions/types.ts';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
const entry = (s: number, reader = 'ann'): AuditEntry => ({
  at: t(s),
  reader,
  action: 'edit',
  modelVersion: 'm 1',
  detail: '',
});

describe('activeTimeMs', () => {
  it('adds the gaps between a reader’s actions and leaves breaks out', () => {
    const audit = [
      entry(0),
      entry(30),
      entry(90, 'bob'),
      entry(100),
      entry(100 + IDLE_GAP_MS / 1000 + 1),
      entry(110 + IDLE_GAP_MS / 1000 + 1),
    ];
    expect(activeTimeMs(audit, 'ann')).toBe((30 + 70 + 10) * 1000);
    expect(activeTimeMs(audit, 'bob')).toBe(0);
  });
});

describe('buildWorklist', () => {
  const project: ProjectRecord = {
    format: PROJECT_FORMAT,
    id: '00000000-0000-0000-0000-000000000001',
    name: 'p',
    folder: '/f',
    cases: ['c1', 'c2'].map((id) => ({ id, path: `/f/${id}`, addedAt: t(0) })),
    readers: ['ann', 'bob'],
    settings: { showModelMask: true, showContributions: true },
    createdAt: t(0),
    updatedAt: t(0),
  };
  it('shows sequences, model status and each reader’s progress', () => {
    const cases = new Map<string, CaseRecord>([
      [
        'c1',
        {
          caseId: 'c1',
          model: { status: 'done', present: ['flair', 't1ce'] },
          annotations: [
            { reader: 'ann', sessionId: 's1', origin: 'model', startedAt: t(0) },
            { reader: 'bob', sessionId: 's2', origin: 'model', startedAt: t(0) },
          ],
        },
      ],
      [
        'c2',
        {
          caseId: 'c2',
          model: { status: 'failed', error: { code: 'NO_IMAGES', message: 'no study' } },
          annotations: [],
        },
      ],
    ]);
    const session = (id: string, signed: boolean) =>
      ({
        id,
        updatedAt: t(60),
        signOff: signed ? { reader: 'ann', at: t(60) } : null,
        audit: [entry(0), entry(60)],
      }) as unknown as SessionRecord;
    const w = buildWorklist(
      project,
      cases,
      new Map([
        ['s1', session('s1', true)],
        ['s2', session('s2', false)],
      ]),
    );
    expect(w.rows[0]).toMatchObject({
      present: ['flair', 't1ce'],
      missing: ['t1', 't2'],
      model: 'done',
    });
    expect(w.rows[0].readers.map((r) => r.state)).toEqual(['signed-off', 'in-progress']);
    expect(w.rows[0].readers[0].timeSpentMs).toBe(60_000);
    expect(w.rows[1]).toMatchObject({
      model: 'failed',
      modelError: 'NO_IMAGES: no study',
      present: null,
    });
    expect(w.rows[1].readers.map((r) => r.state)).toEqual(['not-started', 'not-started']);
    expect(w.progress).toEqual({
      cases: 2,
      modelDone: 1,
      modelFailed: 1,
      signedOff: 1,
      annotations: 4,
    });
  });
});

describe('caseAgreement', () => {
  it('gives Dice and volume differences per region for every pair', () => {
    const g = {
      dims: [4, 1, 1] as const,
      spacing: [10, 10, 10] as const,
      originLps: [0, 0, 0] as const,
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ] as const,
    };
    const ag = caseAgreement('c', g, [
      { who: 'ann', labels: Uint8Array.from([4, 2, 0, 0]) },
      { who: 'model', labels: Uint8Array.from([4, 2, 2, 0]) },
    ]);
    expect(ag.pairs).toHaveLength(1);
    expect(ag.pairs[0].dice).toEqual({ et: 1, tc: 1, wt: 0.8 });
    expect(ag.pairs[0].volumeDiffMl.wt).toBeCloseTo(-1, 6); // one 1 mL voxel less
    expect(() => caseAgreement('c', g, [{ who: 'x', labels: new Uint8Array(3) }])).toThrow(/grid/);
  });
});
