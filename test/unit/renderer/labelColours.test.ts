/**
 * The renderer's copy of the label colours equals core's (the SEG's recommended display colours),
 * and the missing-sequence sentences say what a missing sequence means.
 */
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../../src-main/core/export/labelColours.ts';
import { TUMOUR_LABELS } from '../../../src-renderer/lib/labelColours.ts';
import { missingSentences } from '../../../src-renderer/lib/missingWords.ts';
import { overridesFor } from '../../../src-renderer/lib/overrides.ts';
import type { StudyView } from '../../../src-renderer/lib/viewTypes.ts';

describe('renderer label colours', () => {
  it('match core/export/labelColours.ts exactly (values, keys, names, RGB)', () => {
    expect(
      TUMOUR_LABELS.map((l) => ({ value: l.value, key: l.key, name: l.name, rgb: [...l.rgb] })),
    ).toEqual(LABELS.map((l) => ({ value: l.value, key: l.key, name: l.name, rgb: [...l.rgb] })));
  });
});

describe('missing-sequence banner', () => {
  it('names each missing sequence and its consequence in plain words', () => {
    expect(missingSentences(['t1ce'])).toEqual(['T1ce missing: enhancing tumour is unreliable']);
    expect(missingSentences(['flair', 't2'])).toHaveLength(2);
    expect(missingSentences([])).toEqual([]);
  });
});

describe('series override menu', () => {
  const study: StudyView = {
    id: 's',
    title: 'case',
    sourcePath: '/x',
    series: [],
    assignment: { flair: 'a', t1: 'b', t1ce: 'c', t2: null },
    missing: ['t2'],
    warnings: [],
  };
  it('"not used" empties the series\' slot and keeps the others as shown', () => {
    expect(overridesFor(study, 'b', 'none')).toEqual({ flair: 'a', t1: null, t1ce: 'c', t2: null });
  });
  it('moving a series to another slot empties its old one', () => {
    expect(overridesFor(study, 'b', 't2')).toEqual({ flair: 'a', t1: null, t1ce: 'c', t2: 'b' });
  });
  it('"automatic" clears every override', () => {
    expect(overridesFor(study, 'b', 'auto')).toEqual({});
  });
});
