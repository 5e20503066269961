/**
 * A series dropped on a sequence slot asks for exactly the override the slot's menu entry asks
 * for (same assignment sent, same confirmation, same staleness), and a drop that changes nothing
 * asks for nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  carriesSeries,
  SERIES_DRAG,
  slotDropTarget,
} from '../../../src-renderer/lib/seriesDrag.ts';
import { overrideContradiction, overridesFor } from '../../../src-renderer/lib/overrides.ts';
import { staleMessage, toSlotInputs } from '../../../src-renderer/lib/integrity.ts';
import type { SeriesRowView, StudyView } from '../../../src-renderer/lib/viewTypes.ts';

const row = (id: string, label: string, description: string): SeriesRowView => ({
  id,
  description,
  dims: [240, 240, 155],
  spacing: [1, 1, 1],
  label,
  confidence: 0.9,
  reasons: [],
});

const study: StudyView = {
  id: 'st',
  title: 'case',
  sourcePath: '/data/case',
  series: [
    row('s-flair', 'flair', 'AX FLAIR'),
    row('s-t1', 't1', 'AX T1'),
    row('s-t1ce', 't1ce', 'AX T1 POST'),
    row('s-t2', 't2', 'AX T2'),
    row('s-pd', 'other', 'AX PD'),
  ],
  assignment: { flair: 's-flair', t1: 's-t1', t1ce: 's-t1ce', t2: 's-t2' },
  missing: [],
  warnings: [],
};

describe('dropping a series on a sequence slot', () => {
  it('recognises a series drag, not a file drag', () => {
    expect(carriesSeries([SERIES_DRAG])).toBe(true);
    expect(carriesSeries(['Files'])).toBe(false);
    expect(carriesSeries(undefined)).toBe(false);
  });

  it('asks for the slot it was dropped on: the same assignment as the menu entry', () => {
    const target = slotDropTarget(study, 's-pd', 't1');
    expect(target).toBe('t1');
    expect(overridesFor(study, 's-pd', target!)).toEqual({
      flair: 's-flair',
      t1: 's-pd',
      t1ce: 's-t1ce',
      t2: 's-t2',
    });
  });

  it('moves a series out of its old slot, asks for confirmation and makes the result stale', () => {
    const target = slotDropTarget(study, 's-t2', 'flair')!;
    const next = overridesFor(study, 's-t2', target);
    expect(next).toEqual({ flair: 's-t2', t1: 's-t1', t1ce: 's-t1ce', t2: null });
    expect(overrideContradiction(study.series[3], target)).toMatch(/detected as T2 .* not FLAIR/);
    expect(staleMessage(toSlotInputs(study.assignment), toSlotInputs(next))).toBe(
      'Computed for FLAIR + T1 + T1ce + T2 — inputs changed (FLAIR, T2), run again.',
    );
  });

  it('asks for nothing when the series already fills that slot or is not in the study', () => {
    expect(slotDropTarget(study, 's-t1', 't1')).toBeNull();
    expect(slotDropTarget(study, 'other-study-series', 't1')).toBeNull();
  });
});
