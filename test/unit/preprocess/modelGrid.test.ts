/** Model grid, reference choice, crop / normalise / pad (MODEL_PIPELINE.md §2, §4, §5, §7). */
import { describe, expect, it } from 'vitest';
import {
  buildModelGrid,
  chooseReferenceSlot,
} from '../../../src-main/core/preprocess/modelGrid.ts';
import {
  cropPad,
  nonzeroBox,
  paddedSize,
  zscoreNonzeroInPlace,
} from '../../../src-main/core/preprocess/cropNormalise.ts';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';

const ID: [Vec3, Vec3, Vec3] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
/** A BraTS volume as the NIfTI reader gives it (nibabel affine diag(-1,-1,1), origin 0,239,0 RAS). */
const BRATS: Geometry = {
  dims: [240, 240, 155],
  spacing: [1, 1, 1],
  originLps: [0, -239, 0],
  directionLps: ID,
};

describe('model grid', () => {
  it('BraTS 240×240×155 @ 1 mm → 120×120×77, first centre half a model voxel inside the corner', () => {
    const g = buildModelGrid(BRATS, [2, 2, 2]);
    expect(g.dims).toEqual([120, 120, 77]);
    expect(g.originLps).toEqual([0.5, -238.5, 0.5]);
    expect(g.directionLps).toEqual(ID);
  });

  it('uses the LPS bounding box of an oblique reference', () => {
    const c = Math.SQRT1_2;
    const g = buildModelGrid(
      {
        dims: [10, 10, 4],
        spacing: [1, 1, 5],
        originLps: [0, 0, 0],
        directionLps: [
          [c, c, 0],
          [-c, c, 0],
          [0, 0, 1],
        ],
      },
      [2, 2, 2],
    );
    // Extent along L and P: 10·√2 ≈ 14.14 mm → 7 voxels; along S: 20 mm → 10.
    expect(g.dims).toEqual([7, 7, 10]);
  });

  it('picks the highest-resolution series; ties go to manifest order', () => {
    const thick = { ...BRATS, spacing: [0.9, 0.9, 5.5] as Vec3 };
    const order = ['flair', 't1', 't1ce', 't2'] as const;
    expect(chooseReferenceSlot({ t1: thick, t1ce: BRATS, t2: BRATS }, order)).toBe('t1ce');
    expect(chooseReferenceSlot({ t2: thick, t1: thick }, order)).toBe('t1');
  });
});

describe('crop, normalise, pad', () => {
  it('non-zero bounding box over any channel, grown by the margin and clamped', () => {
    const dims: Vec3 = [10, 8, 6];
    const a = new Float32Array(480);
    const b = new Float32Array(480);
    a[3 + 10 * (2 + 8 * 1)] = 1;
    b[6 + 10 * (5 + 8 * 5)] = -2;
    expect(nonzeroBox([a, b], dims, 2)).toEqual({ start: [1, 0, 0], size: [8, 8, 6] });
    expect(nonzeroBox([a], dims, 0)).toEqual({ start: [3, 2, 1], size: [1, 1, 1] });
    expect(nonzeroBox([new Float32Array(480)], dims, 2)).toEqual({ start: [0, 0, 0], size: dims });
  });

  it('z-scores non-zero voxels with the population std, keeps zeros, clips', () => {
    const d = Float32Array.from([0, 1, 2, 3, 0, 100]);
    zscoreNonzeroInPlace(d, [-1.5, 1.5]);
    const vals = [1, 2, 3, 100];
    const mean = vals.reduce((s, v) => s + v, 0) / 4;
    const std = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / 4);
    expect(d[0]).toBe(0);
    expect(d[4]).toBe(0);
    expect(d[1]).toBeCloseTo((1 - mean) / std, 6);
    expect(d[5]).toBe(1.5);
  });

  it('pads to max(patch, multiple of sizeMultiple) at the high end', () => {
    expect(paddedSize([77, 92, 75], [64, 64, 64], 8)).toEqual([80, 96, 80]);
    expect(paddedSize([20, 92, 75], [64, 64, 64], 8)).toEqual([64, 96, 80]);
    const dims: Vec3 = [3, 2, 2];
    const data = Float32Array.from({ length: 12 }, (_, i) => i + 1);
    const out = cropPad(data, dims, { start: [1, 1, 0], size: [2, 1, 2] }, [4, 2, 2]);
    expect(Array.from(out)).toEqual([5, 6, 0, 0, 0, 0, 0, 0, 11, 12, 0, 0, 0, 0, 0, 0]);
  });
});
