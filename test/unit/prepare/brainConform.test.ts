/**
 * brainchop's input preparation on small synthetic volumes: conform grid (LIA, centre at the
 * input's voxel dims/2), niivue's uint8 scaling, exact quantiles, the 0.5 × max crop with its
 * margin, and the normalised crop in i-fastest order.
 */
import { describe, expect, it } from 'vitest';
import {
  conformGeometry,
  conformUint8,
  cropBox,
  normalisedBox,
  uint8Quantiles,
  uint8Scale,
} from '../../../src-main/core/prepare/brain/conform.ts';
import { voxelToLps, type Geometry, type Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import { axisCodes } from '../../../src-main/core/volume/orientation.ts';

const lps = (dims: Vec3, spacing: Vec3, origin: Vec3 = [0, 0, 0]): Geometry => ({
  dims,
  spacing,
  originLps: origin,
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
});

describe('conformGeometry', () => {
  it('is a 256 mm LIA cube whose voxel n/2 lies on the input voxel dims/2', () => {
    const input = lps([40, 30, 20], [1, 1, 5], [-10, 20, 30]);
    for (const s of [1, 2]) {
      const g = conformGeometry(input, s);
      expect(g.dims).toEqual([256 / s, 256 / s, 256 / s]);
      expect(axisCodes(g)).toBe('LIA');
      const c = voxelToLps(g, [128 / s, 128 / s, 128 / s]);
      const expected = voxelToLps(input, [20, 15, 10]);
      c.forEach((x, a) => expect(x).toBeCloseTo(expected[a], 9));
    }
  });
});

describe('uint8Scale (niivue getScale)', () => {
  it('maps the minimum to 0 and the 99.9th percentile of nonzero voxels to 255', () => {
    // 10 000 voxels: 0..999 ten times each, and one outlier at 100 000.
    const data = new Float32Array(10_001);
    for (let v = 0; v < 10_000; v++) data[v] = v % 1000;
    data[10_000] = 100_000;
    const { srcMin, scale } = uint8Scale(data);
    expect(srcMin).toBe(0);
    // 1000 bins of 100: all but the outlier fall in bin 0-9; srcMax is the bin below the outlier's
    // cumulative threshold, far below the outlier itself.
    expect(255 / scale).toBeLessThan(2000);
  });

  it('leaves uint8 data unscaled', () => {
    expect(uint8Scale(Uint8Array.from([3, 9, 200]))).toEqual({ srcMin: 3, scale: 1 });
  });
});

describe('conformUint8', () => {
  it('resamples by world position (a bright block lands where it is) and zeroes outside', () => {
    const input = lps([64, 64, 64], [4, 4, 4], [-126, -126, -126]);
    const data = new Float32Array(64 ** 3);
    // A block at LPS x ∈ [2, 42] mm (i 32..42), whole j, whole k.
    for (let k = 0; k < 64; k++)
      for (let j = 0; j < 64; j++) for (let i = 32; i <= 42; i++) data[i + 64 * (j + 64 * k)] = 100;
    const grid = conformGeometry(input, 2);
    const u8 = conformUint8({ geometry: input, data }, grid);
    const at = (p: Vec3): number => {
      // conform index of an LPS point: i = (x − ox)/2, j = (oz − z)/2, k = (oy − y)/2
      const i = Math.round((p[0] - grid.originLps[0]) / 2);
      const j = Math.round((grid.originLps[2] - p[2]) / 2);
      const k = Math.round((grid.originLps[1] - p[1]) / 2);
      return u8[i + 128 * (j + 128 * k)];
    };
    expect(at([20, 0, 0])).toBe(255);
    expect(at([-40, 0, 0])).toBe(0);
    expect(at([60, 0, 0])).toBe(0);
  });
});

describe('quantiles and crop', () => {
  it('computes q05/q95 at brainchop’s sorted indices', () => {
    const u8 = new Uint8Array(100);
    for (let v = 0; v < 100; v++) u8[v] = v;
    // floor(100·0.05) = 5, ceil(100·0.95) − 1 = 94
    expect(uint8Quantiles(u8)).toEqual({ qmin: 5, qmax: 94 });
  });

  it('crops to voxels above half the maximum, plus the margin, clamped to the grid', () => {
    const dims: Vec3 = [20, 20, 20];
    const u8 = new Uint8Array(8000);
    u8[5 + 20 * (6 + 20 * 7)] = 200; // bright
    u8[15 + 20 * (16 + 20 * 17)] = 150; // above half of 200
    u8[0] = 90; // below half: ignored
    const box = cropBox(u8, dims, { qmin: 0, qmax: 100 }, 3);
    expect(box).toEqual({ lo: [2, 3, 4], hi: [19, 20, 20] });
    expect(cropBox(new Uint8Array(8000), dims, { qmin: 0, qmax: 100 }, 3)).toBeUndefined();
  });

  it('normalises the box i-fastest with (v − q05)/(q95 − q05), unclipped', () => {
    // k = 1 holds 60..110; the box takes i 1..2, j 0..1 → 70, 80, 100, 110.
    const dims: Vec3 = [3, 2, 2];
    const u8 = Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    const out = normalisedBox(u8, dims, { lo: [1, 0, 1], hi: [3, 2, 2] }, { qmin: 10, qmax: 50 });
    expect(Array.from(out)).toEqual([1.5, 1.75, 2.25, 2.5].map((x) => Math.fround(x)));
  });
});
