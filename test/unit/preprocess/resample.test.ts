/**
 * Resampling by world coordinates: the axis-aligned fast path equals the generic per-voxel path
 * bit for bit; trilinear reproduces linear functions; 1 mm → 2 mm equals 2×2×2 averaging; nearest
 * label mapping follows MODEL_PIPELINE.md §11.
 */
import { describe, expect, it } from 'vitest';
import { resampleNearest, resampleTrilinear } from '../../../src-main/core/preprocess/resample.ts';
import { buildModelGrid } from '../../../src-main/core/preprocess/modelGrid.ts';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import { voxelToLps } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const ID: [Vec3, Vec3, Vec3] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

function randomVolume(g: Geometry, seed = 7): Volume {
  const n = g.dims[0] * g.dims[1] * g.dims[2];
  const data = new Int16Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = (x >>> 16) % 2000;
  }
  return { geometry: g, data };
}

describe('resampleTrilinear', () => {
  const fine: Geometry = {
    dims: [24, 20, 15],
    spacing: [1, 1, 1],
    originLps: [3, -40, 7],
    directionLps: ID,
  };

  it('fast path equals the generic path on a 2× finer grid (BraTS case shape)', () => {
    const v = randomVolume(fine);
    const grid = buildModelGrid(fine, [2, 2, 2]);
    expect(grid.dims).toEqual([12, 10, 7]);
    const fast = resampleTrilinear(v, grid);
    const slow = resampleTrilinear(v, grid, { forceGeneric: true });
    expect(Buffer.from(fast.buffer).equals(Buffer.from(slow.buffer))).toBe(true);
  });

  it('1 mm → 2 mm equals 2×2×2 average pooling (odd last slice dropped)', () => {
    const v = randomVolume(fine, 3);
    const grid = buildModelGrid(fine, [2, 2, 2]);
    const out = resampleTrilinear(v, grid);
    const [nx, ny] = fine.dims;
    for (const [i, j, k] of [
      [0, 0, 0],
      [5, 4, 3],
      [11, 9, 6],
    ]) {
      let s = 0;
      for (let c = 0; c < 2; c++)
        for (let b = 0; b < 2; b++)
          for (let a = 0; a < 2; a++) s += v.data[2 * i + a + nx * (2 * j + b + ny * (2 * k + c))];
      expect(out[i + 12 * (j + 10 * k)]).toBe(Math.fround(s / 8));
    }
  });

  it('same grid is a copy', () => {
    const g: Geometry = {
      dims: [6, 5, 4],
      spacing: [2, 2, 2],
      originLps: [0, 0, 0],
      directionLps: ID,
    };
    const v = randomVolume(g);
    expect(Array.from(resampleTrilinear(v, g))).toEqual(Array.from(v.data));
  });

  it('reproduces a linear function on an oblique thick-slice source', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const src: Geometry = {
      dims: [40, 40, 12],
      spacing: [0.9, 0.9, 5.5],
      originLps: [-18, -18, -30],
      directionLps: [
        [c, s, 0],
        [-s, c, 0],
        [0, 0, 1],
      ],
    };
    const f = (p: Vec3) => 2 * p[0] - p[1] + 0.5 * p[2] + 100;
    const data = new Float32Array(40 * 40 * 12);
    for (let k = 0; k < 12; k++)
      for (let j = 0; j < 40; j++)
        for (let i = 0; i < 40; i++) data[i + 40 * (j + 40 * k)] = f(voxelToLps(src, [i, j, k]));
    const target: Geometry = {
      dims: [8, 8, 8],
      spacing: [2, 2, 2],
      originLps: [-7, -7, -10],
      directionLps: ID,
    };
    const out = resampleTrilinear({ geometry: src, data }, target);
    for (let x = 0; x < out.length; x++) {
      const ijk: Vec3 = [x % 8, Math.floor(x / 8) % 8, Math.floor(x / 64)];
      expect(out[x]).toBeCloseTo(f(voxelToLps(target, ijk)), 3);
    }
  });

  it('is 0 outside the source field of view', () => {
    const g: Geometry = {
      dims: [4, 4, 4],
      spacing: [1, 1, 1],
      originLps: [0, 0, 0],
      directionLps: ID,
    };
    const v: Volume = { geometry: g, data: new Float32Array(64).fill(5) };
    const t: Geometry = {
      dims: [3, 1, 1],
      spacing: [1, 1, 1],
      originLps: [3.4, 0, 0],
      directionLps: ID,
    };
    expect(Array.from(resampleTrilinear(v, t))).toEqual([5, 0, 0]);
  });
});

describe('resampleNearest (model grid → reference grid)', () => {
  it('maps a 2 mm labelmap back to 1 mm with m = round((i − 0.5)/2) and 0 outside', () => {
    const ref: Geometry = {
      dims: [6, 2, 5],
      spacing: [1, 1, 1],
      originLps: [0, 0, 0],
      directionLps: ID,
    };
    const grid = buildModelGrid(ref, [2, 2, 2]);
    expect(grid.dims).toEqual([3, 1, 2]);
    const labels = Uint8Array.from([1, 2, 4, 4, 2, 1]);
    const out = resampleNearest({ geometry: grid, data: labels }, ref);
    const row = (j: number, k: number) =>
      Array.from(out.subarray(6 * (j + 2 * k), 6 * (j + 2 * k) + 6));
    expect(row(0, 0)).toEqual([1, 1, 2, 2, 4, 4]);
    expect(row(1, 3)).toEqual([4, 4, 2, 2, 1, 1]);
    expect(row(0, 4)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
