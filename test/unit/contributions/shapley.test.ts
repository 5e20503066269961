/** Exact Shapley values: efficiency, symmetry, dummy player, additivity; subset enumeration. */
import { describe, expect, it } from 'vitest';
import { nonEmptySubsets, shapleyValues } from '../../../src-main/core/contributions/shapley.ts';
import {
  contributionReadout,
  expectedAccuracy,
} from '../../../src-main/core/contributions/contributions.ts';
import type { ModelManifest } from '../../../src-main/core/model/Manifest.ts';

describe('shapleyValues', () => {
  it('splits an additive game exactly and a pure interaction evenly', () => {
    const w = [3, 0, 5, 1];
    const additive = shapleyValues([0, 1, 2, 3], (m) =>
      w.reduce((s, x, i) => s + ((m >> i) & 1 ? x : 0), 0),
    );
    [...additive.values()].forEach((v, i) => expect(v).toBeCloseTo(w[i], 12));
    // v = 6 only when players 0 and 2 are both in: each gets 3; the others are dummies (0).
    const inter = shapleyValues([0, 2, 3], (m) => ((m & 5) === 5 ? 6 : 0));
    expect(inter.get(0)).toBeCloseTo(3, 12);
    expect(inter.get(2)).toBeCloseTo(3, 12);
    expect(inter.get(3)).toBeCloseTo(0, 12);
  });

  it('is efficient for an arbitrary game (values sum to v(N) − v(∅))', () => {
    const v = (m: number) => (m === 0 ? 0 : Math.sin(m) * 10 + m);
    const phi = shapleyValues([0, 1, 3], v);
    expect([...phi.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(v(0b1011), 10);
  });

  it('enumerates the 15 non-empty subsets of four, and 3 of two', () => {
    expect(nonEmptySubsets(0b1111)).toHaveLength(15);
    expect(nonEmptySubsets(0b0101)).toEqual([1, 4, 5]);
  });
});

describe('contributionReadout', () => {
  const manifest = {
    modalities: ['flair', 't1', 't1ce', 't2'],
    importance: { flair: 0.4, t1: 0.1, t1ce: 0.3, t2: 0.2 },
    evaluation: {
      protocol: 'p',
      cases: ['a', 'b'],
      metakd: {
        rows: [{ modalities: ['flair', 't1ce'], dice: { et: 0.5, tc: 0.6, wt: 0.7 } }],
        mean: { et: 0, tc: 0, wt: 0 },
      },
    },
  } as unknown as ModelManifest;

  it('computes volumes, Shapley, leave-one-out and Dice against the full prediction', () => {
    // Present: flair (bit 0) and t1ce (bit 2). Labelmaps of 4 voxels.
    const labels = new Map<number, Uint8Array>([
      [0b101, Uint8Array.from([4, 1, 2, 0])],
      [0b001, Uint8Array.from([0, 0, 2, 2])],
      [0b100, Uint8Array.from([4, 4, 0, 0])],
    ]);
    const r = contributionReadout({
      manifest,
      presentMask: 0b101,
      subsetLabels: labels,
      mlPerVoxel: 1,
    });
    expect(r.sequences).toEqual(['flair', 't1ce']);
    expect(r.subsets.map((s) => s.volumesMl.wt)).toEqual([2, 2, 3]);
    // WT: v(f)=2, v(c)=2, v(fc)=3 → φ = 1.5 each. ET: v(f)=0, v(c)=2, v(fc)=1 → φf=-0.5, φc=1.5.
    expect(r.shapley.wt).toEqual({ flair: 1.5, t1ce: 1.5 });
    expect(r.shapley.et).toEqual({ flair: -0.5, t1ce: 1.5 });
    expect(r.leaveOneOut.et).toEqual({ flair: -1, t1ce: 1 });
    expect(r.subsets[2].diceVsFull).toEqual({ et: 1, tc: 1, wt: 1 });
    expect(r.subsets[0].diceVsFull.wt).toBeCloseTo(0.4, 12);
    expect(r.globalImportance.values).toBe(manifest.importance);
    expect(r.globalImportance.label).toMatch(/learned global importance/i);
    expect(expectedAccuracy(manifest, ['t1ce', 'flair'])?.dice.wt).toBe(0.7);
    expect(expectedAccuracy(manifest, ['t1'])).toBeNull();
  });
});
