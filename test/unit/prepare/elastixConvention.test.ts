/**
 * The elastix wrapper against a known motion: a smooth, asymmetric 3-D phantom and a copy of it
 * seen through a known rigid transform. The recovered matrix (EulerTransform parameters turned
 * into LPS 4×4, fixed → moving) must match the transform used to make the moving image.
 */
import { describe, expect, it } from 'vitest';
import { registerImages } from '../../../src-main/core/prepare/registration/elastix.ts';
import { eulerToMatrix } from '../../../src-main/core/prepare/registration/eulerTransform.ts';
import { resampleTrilinearThrough } from '../../../src-main/core/prepare/resampleComposed.ts';
import { similarityThrough } from '../../../src-main/core/prepare/registration/similarity.ts';
import {
  displacementMm,
  IDENTITY4,
  multiply,
  invert,
} from '../../../src-main/core/prepare/transforms.ts';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const N = 48;
const grid: Geometry = {
  dims: [N, N, N],
  spacing: [2, 2, 2],
  originLps: [-47, -47, -47],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

/** Three Gaussian blobs of different sizes and heights: no symmetry for a rigid fit to hide in. */
function phantom(): Volume {
  const blobs: [Vec3, number, number][] = [
    [[-12, 5, 0], 14, 100],
    [[15, -8, 10], 9, 160],
    [[2, 18, -16], 6, 220],
  ];
  const data = new Float32Array(N * N * N);
  for (let k = 0; k < N; k++)
    for (let j = 0; j < N; j++)
      for (let i = 0; i < N; i++) {
        const p = [-47 + 2 * i, -47 + 2 * j, -47 + 2 * k];
        let v = 0;
        for (const [c, s, h] of blobs) {
          const d2 = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2;
          v += h * Math.exp(-d2 / (2 * s * s));
        }
        data[i + N * (j + N * k)] = v;
      }
  return { geometry: grid, data };
}

describe('registerImages (elastix wasm) recovers a known rigid motion', () => {
  it('returns the fixed → moving matrix within 0.5 mm over the phantom', async () => {
    const fixed = phantom();
    const deg = Math.PI / 180;
    // truth: fixed world → moving world.
    const truth = eulerToMatrix([4 * deg, -3 * deg, 6 * deg, 3, -2, 4], [0, 0, 0]);
    // The moving image shows at q what the fixed image shows at truth⁻¹(q).
    const moving: Volume = {
      geometry: grid,
      data: resampleTrilinearThrough(fixed, invert(truth), grid),
    };
    const r = await registerImages({ fixed, moving, kind: 'rigid', label: 'phantom' });
    expect(r.transform).toBe('EulerTransform');
    expect(r.parameters).toHaveLength(6);
    const err = multiply(invert(truth), r.matrix);
    for (const p of [
      [0, 0, 0],
      [20, 0, 0],
      [0, 20, 0],
      [0, 0, 20],
    ] as Vec3[]) {
      expect(displacementMm(err, p)).toBeLessThan(0.5);
    }
    const before = similarityThrough(fixed, moving, IDENTITY4);
    const after = similarityThrough(fixed, moving, r.matrix);
    expect(after.correlation).toBeGreaterThan(0.99);
    expect(after.nmi).toBeGreaterThan(before.nmi);
  }, 120_000);

  it('names the series when elastix cannot register it', async () => {
    const tiny: Volume = { geometry: { ...grid, dims: [2, 2, 2] }, data: new Float32Array(8) };
    await expect(
      registerImages({ fixed: phantom(), moving: tiny, kind: 'rigid', label: 'Localizer' }),
    ).rejects.toThrow(/Localizer/);
  }, 120_000);
});
