/** Slot assignment: preferences, ties, missing slots and overrides. */
import { describe, expect, it } from 'vitest';
import { assignSlots, type SlotCandidate } from '../../../src-main/core/sequences/assignSlots.ts';
import { classifyStudy } from '../../../src-main/core/sequences/classifyStudy.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import type { SeriesInfo } from '../../../src-main/core/study/types.ts';
import { makeSeries } from './makeSeries.ts';

function geometry(dims: Vec3, spacing: Vec3): Geometry {
  return {
    dims,
    spacing,
    originLps: [0, 0, 0],
    directionLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  };
}

function withGeometry(info: SeriesInfo, dims: Vec3, spacing: Vec3): SlotCandidate {
  return { ...info, volume: { geometry: geometry(dims, spacing) } };
}

function run(series: SlotCandidate[], overrides = {}) {
  return assignSlots(series, classifyStudy(series), overrides);
}

describe('assignSlots', () => {
  it('fills the four slots and lists nothing missing for a complete study', () => {
    const s = [
      makeSeries({ SeriesDescription: 'AX FLAIR' }),
      makeSeries({ SeriesDescription: 'AX T1' }),
      makeSeries({ SeriesDescription: 'AX T1 +C' }),
      makeSeries({ SeriesDescription: 'AX T2 FSE' }),
      makeSeries({ SeriesDescription: 'DWI' }),
    ];
    const r = run(s);
    expect(r.assignment).toEqual({ flair: s[0].id, t1: s[1].id, t1ce: s[2].id, t2: s[3].id });
    expect(r.missing).toEqual([]);
    expect(r.ties).toEqual([]);
  });

  it('lists missing slots in model order', () => {
    const r = run([
      makeSeries({ SeriesDescription: 'AX T2' }),
      makeSeries({ SeriesDescription: 'FSE PD' }),
    ]);
    expect(r.missing).toEqual(['flair', 't1', 't1ce']);
    expect(r.reasons.flair).toMatch(/no series was recognised as FLAIR/);
  });

  it('prefers native over derived, then the finer voxel', () => {
    const coarse = withGeometry(
      makeSeries({ SeriesDescription: 'AX T2 5mm' }),
      [256, 256, 24],
      [0.9, 0.9, 5],
    );
    const fine = withGeometry(
      makeSeries({ SeriesDescription: 'AX T2 3D' }),
      [256, 256, 176],
      [1, 1, 1],
    );
    const fineDerived = withGeometry(
      makeSeries({ SeriesDescription: 'T2 MPR', ImageType: ['DERIVED', 'SECONDARY', 'MPR'] }),
      [512, 512, 300],
      [0.5, 0.5, 0.5],
    );
    const r = run([coarse, fineDerived, fine]);
    expect(r.assignment.t2).toBe(fine.id);
    expect(r.reasons.t2).toMatch(/native over derived/);
  });

  it('uses a derived series when it is the only one', () => {
    const only = makeSeries({
      SeriesDescription: 'T1 MPR',
      ImageType: ['DERIVED', 'SECONDARY', 'MPR'],
    });
    const r = run([only]);
    expect(r.assignment.t1).toBe(only.id);
    expect(r.reasons.t1).toMatch(/derived/);
  });

  it('prefers the later acquisition for T1ce', () => {
    const early = makeSeries({ SeriesDescription: 'T1 +C AX', SeriesNumber: 10 });
    const late = makeSeries({ SeriesDescription: 'T1 +C AX', SeriesNumber: 14 });
    expect(run([late, early]).assignment.t1ce).toBe(late.id);
  });

  it('reports a tie between equally good candidates', () => {
    const a = withGeometry(
      makeSeries({ SeriesDescription: 'AX FLAIR' }),
      [256, 256, 30],
      [0.9, 0.9, 5],
    );
    const b = withGeometry(
      makeSeries({ SeriesDescription: 'AX FLAIR' }),
      [256, 256, 30],
      [0.9, 0.9, 5],
    );
    const r = run([a, b]);
    expect(r.ties).toEqual([{ slot: 'flair', seriesIds: [a.id, b.id] }]);
    expect(r.assignment.flair).toBe(a.id);
  });

  it('applies overrides: a series id moves a series, null forces a slot missing', () => {
    const flair = makeSeries({ SeriesDescription: 'AX FLAIR' });
    const t1 = makeSeries({ SeriesDescription: 'AX T1' });
    const odd = makeSeries({ SeriesDescription: 'series 9' });
    const r = run([flair, t1, odd], { t1: odd.id, flair: null });
    expect(r.assignment).toEqual({ flair: null, t1: odd.id, t1ce: null, t2: null });
    expect(r.missing).toEqual(['flair', 't1ce', 't2']);
    expect(r.reasons.t1).toMatch(/^override/);
  });

  it('an overridden series is not also picked automatically for its own label', () => {
    const t1 = makeSeries({ SeriesDescription: 'AX T1' });
    const r = run([t1], { t1ce: t1.id });
    expect(r.assignment).toMatchObject({ t1: null, t1ce: t1.id });
  });

  it('refuses unknown series, unknown slots and one series in two slots', () => {
    const t1 = makeSeries({ SeriesDescription: 'AX T1' });
    const bad = (o: Record<string, string | null>) => {
      try {
        run([t1], o);
      } catch (e) {
        return isMetaKdError(e, 'INVALID_ARGUMENT') ? e.message : 'wrong error';
      }
      return 'no error';
    };
    expect(bad({ t1: 'nope' })).toMatch(/"nope" chosen for T1 is not in this study/);
    expect(bad({ pd: t1.id })).toMatch(/Unknown slot "pd"/);
    expect(bad({ t1: t1.id, t1ce: t1.id })).toMatch(/both T1 and T1ce/);
  });
});
