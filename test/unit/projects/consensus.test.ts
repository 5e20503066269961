/** Consensus labelmaps: nested regions, majority vote, STAPLE's reader weighting. */
import { describe, expect, it } from 'vitest';
import { consensusLabels } from '../../../src-main/core/projects/consensus.ts';

const L = (...v: number[]) => Uint8Array.from(v);

describe('consensusLabels', () => {
  it('majority: a voxel is in a region when more than half of the readers put it there', () => {
    const a = L(4, 4, 1, 2, 0, 2);
    const b = L(4, 1, 1, 2, 2, 0);
    const c = L(4, 1, 2, 0, 2, 0);
    expect([...consensusLabels([a, b, c], 'majority').labels]).toEqual([4, 1, 1, 2, 2, 0]);
  });

  it('majority: ties stay out (two readers who disagree give background)', () => {
    expect([...consensusLabels([L(2, 0), L(0, 2)], 'majority').labels]).toEqual([0, 0]);
  });

  it('always yields valid nested BraTS labels', () => {
    const rng = (s: number) => () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const r = rng(7);
    const pick = () => [0, 1, 2, 4][Math.floor(r() * 4)];
    const readers = [0, 1, 2, 3].map(() => Uint8Array.from({ length: 500 }, pick));
    for (const m of ['majority', 'staple'] as const) {
      for (const v of consensusLabels(readers, m).labels) expect([0, 1, 2, 4]).toContain(v);
    }
  });

  it('STAPLE trusts the readers who agree with the others and outvotes a careless one', () => {
    const n = 2000;
    const truth = Uint8Array.from({ length: n }, (_, x) => (x >= 500 && x < 1000 ? 2 : 0));
    const good1 = truth.slice();
    const good2 = truth.slice();
    good2[500] = 0; // one miss
    const sloppy = truth.map((v, x) => (x >= 400 && x < 1100 ? 2 : v)); // 200 false positives
    const c = consensusLabels([good1, good2, sloppy], 'staple');
    let diff = 0;
    for (let x = 0; x < n; x++) if (c.labels[x] !== truth[x]) diff++;
    expect(diff).toBeLessThanOrEqual(1);
    const wt = c.staple!.find((f) => f.region === 'wt')!;
    // The sloppy reader's specificity is estimated lowest.
    expect(wt.specificity[2]).toBeLessThan(wt.specificity[0]);
    expect(wt.specificity[2]).toBeLessThan(wt.specificity[1]);
  });

  it('refuses fewer than two annotations or different grids', () => {
    expect(() => consensusLabels([L(1)], 'majority')).toThrow(/at least two/);
    expect(() => consensusLabels([L(1), L(1, 2)], 'staple')).toThrow(/one grid/);
  });
});
