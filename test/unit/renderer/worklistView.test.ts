/** Worklist filtering, sorting and next/previous case. */
import { describe, expect, it } from 'vitest';
import {
  neighbourCase,
  visibleRows,
  formatSpent,
  type WorklistRowView,
} from '../../../src-renderer/lib/worklistView.ts';

const row = (
  caseId: string,
  model: WorklistRowView['model'],
  ann: 'not-started' | 'in-progress' | 'signed-off',
  wt?: number,
  missing: string[] = [],
): WorklistRowView => ({
  caseId,
  path: `/c/${caseId}`,
  present: ['flair', 't1', 't1ce', 't2'].filter((s) => !missing.includes(s)),
  missing,
  model,
  readers: [{ reader: 'ann', state: ann, timeSpentMs: 0 }],
  ...(wt === undefined
    ? {}
    : {
        agreement: {
          caseId,
          computedAt: '',
          pairs: [
            {
              a: 'ann',
              b: 'bob',
              dice: { et: 1, tc: 1, wt },
              volumeDiffMl: { et: 0, tc: 0, wt: 0 },
            },
          ],
        },
      }),
});

const rows = [
  row('c3', 'done', 'signed-off', 0.9),
  row('c1', 'failed', 'not-started'),
  row('c2', 'done', 'in-progress', 0.6, ['t1']),
];
const all = { text: '', model: '' as const, todoFor: '' };

describe('visibleRows', () => {
  it('filters by name, model status and what a reader still has to do', () => {
    expect(visibleRows(rows, { ...all, text: 'C2' }, 'case', 'ann').map((r) => r.caseId)).toEqual([
      'c2',
    ]);
    expect(
      visibleRows(rows, { ...all, model: 'done' }, 'case', 'ann').map((r) => r.caseId),
    ).toEqual(['c2', 'c3']);
    expect(
      visibleRows(rows, { ...all, todoFor: 'ann' }, 'case', 'ann').map((r) => r.caseId),
    ).toEqual(['c1', 'c2']);
  });
  it('sorts by model status, the reader’s progress, disagreement and missing sequences', () => {
    const ids = (s: Parameters<typeof visibleRows>[2]) =>
      visibleRows(rows, all, s, 'ann').map((r) => r.caseId);
    expect(ids('model')).toEqual(['c1', 'c3', 'c2']);
    expect(ids('mine')).toEqual(['c1', 'c2', 'c3']);
    expect(ids('wtDice')).toEqual(['c2', 'c3', 'c1']);
    expect(ids('missing')[0]).toBe('c2');
  });
});

describe('neighbourCase', () => {
  it('steps through the visible rows and stops at the ends', () => {
    expect(neighbourCase(rows, null, 1)).toBe('c3');
    expect(neighbourCase(rows, 'c3', 1)).toBe('c1');
    expect(neighbourCase(rows, 'c2', 1)).toBeUndefined();
    expect(neighbourCase(rows, 'c1', -1)).toBe('c3');
    expect(neighbourCase([], null, 1)).toBeUndefined();
  });
  it('formats time spent', () => {
    expect(formatSpent(0)).toBe('');
    expect(formatSpent(45_000)).toBe('45 s');
    expect(formatSpent(12 * 60_000)).toBe('12 min');
  });
});
