import { describe, expect, it } from 'vitest';
import {
  maskBox,
  resampleTrilinearThrough,
  resampleTrilinearThroughBox,
} from '../../../src-main/core/prepare/resampleComposed.ts';
import { eulerToMatrix } from '../../../src-main/core/prepare/registration/eulerTransform.ts';
import type { Geometry } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const source: Volume = {
  geometry: {
    dims: [20, 16, 12],
    spacing: [1, 1.5, 2],
    originLps: [-10, 5, 3],
    directionLps: [
      [0, 1, 0],
      [-1, 0, 0],
      [0, 0, 1],
    ],
  },
  data: Float32Array.from({ length: 20 * 16 * 12 }, (_, x) => Math.sin(x / 7) * 100 + (x % 13)),
};
const target: Geometry = {
  dims: [18, 22, 15],
  spacing: [1.2, 1, 1.5],
  originLps: [-18, -6, 2],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

describe('resampling restricted to a mask box', () => {
  it('finds the box of the non-zero voxels, or none', () => {
    const m = new Uint8Array(4 * 3 * 2);
    expect(maskBox(m, [4, 3, 2])).toBeUndefined();
    m[1 + 4 * (2 + 3 * 1)] = 1;
    m[2 + 4 * (1 + 3 * 1)] = 1;
    expect(maskBox(m, [4, 3, 2])).toEqual({ lo: [1, 1, 1], hi: [3, 3, 2] });
  });

  it('equals the full resampling inside the box and is zero outside', () => {
    const pull = eulerToMatrix([0.1, -0.05, 0.2, 1.5, -2, 0.7], [-5, 8, 12]);
    const full = resampleTrilinearThrough(source, pull, target);
    const box = { lo: [3, 2, 4], hi: [15, 20, 11] } as const;
    const part = resampleTrilinearThroughBox(source, pull, target, box);
    let inside = 0;
    for (let k = 0, x = 0; k < 15; k++) {
      for (let j = 0; j < 22; j++) {
        for (let i = 0; i < 18; i++, x++) {
          const inBox = i >= 3 && i < 15 && j >= 2 && j < 20 && k >= 4 && k < 11;
          if (inBox) {
            expect(part[x]).toBeCloseTo(full[x], 4);
            if (full[x] !== 0) inside++;
          } else expect(part[x]).toBe(0);
        }
      }
    }
    expect(inside).toBeGreaterThan(100); // the box overlaps the source: the check is not vacuous
  });
});
