/**
 * Orientation helpers: axis codes, obliquity and handedness of hand-made grids.
 */
import { describe, expect, it } from 'vitest';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import {
  axisCodes,
  handedness,
  isAxisAligned,
  obliquityDegrees,
} from '../../../src-main/core/volume/orientation.ts';

function grid(dirs: [Vec3, Vec3, Vec3]): Geometry {
  return { dims: [2, 2, 2], spacing: [1, 1, 1], originLps: [0, 0, 0], directionLps: dirs };
}

describe('axisCodes', () => {
  it.each([
    [
      'LPS',
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    ],
    [
      'RAS',
      [
        [-1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ],
    ],
    [
      'LAS',
      [
        [1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ],
    ],
    [
      'RPI',
      [
        [-1, 0, 0],
        [0, 1, 0],
        [0, 0, -1],
      ],
    ],
    [
      'PSL',
      [
        [0, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
      ],
    ], // sagittal: i → P, j → S, k → L
  ] as [string, [Vec3, Vec3, Vec3]][])('%s', (code, dirs) => {
    expect(axisCodes(grid(dirs))).toBe(code);
  });
});

describe('obliquity and handedness', () => {
  it('an axis-aligned grid has obliquity 0', () => {
    const g = grid([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(obliquityDegrees(g)).toBe(0);
    expect(isAxisAligned(g)).toBe(true);
  });

  it('a 12° tilt about x reads as 12°', () => {
    const t = (12 * Math.PI) / 180;
    const g = grid([
      [1, 0, 0],
      [0, Math.cos(t), Math.sin(t)],
      [0, -Math.sin(t), Math.cos(t)],
    ]);
    expect(obliquityDegrees(g)).toBeCloseTo(12, 9);
    expect(isAxisAligned(g)).toBe(false);
    expect(axisCodes(g)).toBe('LPS');
  });

  it('LPS identity is right-handed, LAS is left-handed', () => {
    expect(
      handedness(
        grid([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ]),
      ),
    ).toBe(1);
    expect(
      handedness(
        grid([
          [1, 0, 0],
          [0, -1, 0],
          [0, 0, 1],
        ]),
      ),
    ).toBe(-1);
  });
});
