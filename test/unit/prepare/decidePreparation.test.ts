import { describe, expect, it } from 'vitest';
import { decidePreparation } from '../../../src-main/core/prepare/decidePreparation.ts';
import { BRATS_GRID, isBratsGrid } from '../../../src-main/core/prepare/bratsSpace.ts';
import type { Geometry } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

/** A "stripped" volume: a centred ball of ones (≈ 15 % of the box), zero border. */
function ball(g: Geometry, fill = false): Volume {
  const [nx, ny, nz] = g.dims;
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const r = Math.hypot((i - nx / 2) / nx, (j - ny / 2) / ny, (k - nz / 2) / nz);
        data[i + nx * (j + ny * k)] = fill || r < 0.33 ? 100 : 0;
      }
  return { geometry: g, data };
}

const raw: Geometry = {
  dims: [64, 64, 20],
  spacing: [0.9, 0.9, 5],
  originLps: [-30, -30, -50],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

describe('decidePreparation', () => {
  it('passes BraTS-space, skull-stripped, co-registered input through (auto)', () => {
    const v = ball(BRATS_GRID);
    const d = decidePreparation({ flair: v, t1ce: v }, 'auto');
    expect(d).toEqual({ mode: 'auto', needed: false, reasons: [] });
    expect(isBratsGrid(BRATS_GRID)).toBe(true);
  });

  it('names every reason for a raw study', () => {
    const d = decidePreparation(
      { t1ce: ball(raw, true), flair: ball({ ...raw, spacing: [0.9, 0.9, 5.5] }) },
      'auto',
    );
    expect(d.needed).toBe(true);
    expect(d.reasons.map((r) => r.code)).toEqual([
      'not-skull-stripped',
      'different-grids',
      'not-brats-space',
    ]);
    expect(d.reasons[0].message).toMatch(/T1ce/);
  });

  it('off never prepares, force always does', () => {
    expect(decidePreparation({ t1ce: ball(raw, true) }, 'off').needed).toBe(false);
    const f = decidePreparation({ t1ce: ball(BRATS_GRID) }, 'force');
    expect(f.needed).toBe(true);
    expect(f.reasons.map((r) => r.code)).toEqual(['forced']);
  });
});
