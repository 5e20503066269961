/**
 * The viewer's pure helpers: lesions (connected tumour components, largest first, with a member
 * voxel at the centre), orientation letters and window presets.
 */
import { describe, expect, it } from 'vitest';
import { findLesions } from '../../../src-renderer/lib/lesions.ts';
import {
  directionLetters,
  orientationMarkers,
  presetRange,
  windowOf,
} from '../../../src-renderer/lib/viewGeometry.ts';

describe('findLesions', () => {
  const N = 12;
  const at = (i: number, j: number, k: number) => i + N * (j + N * k);
  it('finds two 6-connected components, largest first, with volumes per label', () => {
    const l = new Uint8Array(N * N * N);
    for (let k = 1; k < 5; k++)
      for (let j = 1; j < 5; j++) for (let i = 1; i < 5; i++) l[at(i, j, k)] = 2;
    l[at(2, 2, 2)] = 4;
    l[at(9, 9, 9)] = 1;
    l[at(10, 10, 10)] = 1; // touches the other only diagonally: a third component
    const found = findLesions(l, [N, N, N], [1, 1, 2]);
    expect(found.map((f) => f.voxels)).toEqual([64, 1, 1]);
    expect(found[0].volumeMl).toBeCloseTo(0.128);
    expect(found[0].byLabel.et).toBeCloseTo(0.002);
    expect(found[0].rank).toBe(1);
    const [i, j, k] = found[0].centreIjk;
    expect(l[at(i, j, k)]).toBeGreaterThan(0);
  });
  it('puts the centre of a ring on the ring, not in its hole', () => {
    const l = new Uint8Array(N * N * N);
    for (let j = 2; j < 9; j++)
      for (let i = 2; i < 9; i++) if (i === 2 || i === 8 || j === 2 || j === 8) l[at(i, j, 5)] = 2;
    const [c] = findLesions(l, [N, N, N], [1, 1, 1]);
    expect(l[at(c.centreIjk[0], c.centreIjk[1], c.centreIjk[2])]).toBe(2);
  });
});

describe('orientation markers', () => {
  it('reads an axial view (viewUp −y = anterior up, looking from the feet): R left, A top', () => {
    // Cornerstone's axial camera: viewPlaneNormal (0, 0, −1), viewUp (0, −1, 0).
    expect(orientationMarkers([0, -1, 0], [0, 0, -1])).toEqual({
      top: 'A',
      bottom: 'P',
      left: 'R',
      right: 'L',
    });
  });
  it('names an oblique direction with two letters', () => {
    expect(directionLetters([0.8, 0.6, 0])).toBe('LP');
    expect(directionLetters([0, 0, -1])).toBe('I');
  });
});

describe('window presets', () => {
  const data = Float32Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : i));
  it('full range spans minimum to maximum', () => {
    expect(presetRange(data, 'full')).toEqual({ lower: 0, upper: 999 });
  });
  it('brain ignores the zero background', () => {
    expect(presetRange(data, 'brain').lower).toBeGreaterThanOrEqual(500);
  });
  it('auto clips the 2 % tails', () => {
    const r = presetRange(data, 'auto');
    expect(r.lower).toBe(0);
    expect(r.upper).toBe(data[980]);
  });
  it('turns a range into width and level', () => {
    expect(windowOf({ lower: 100, upper: 300 })).toEqual({ width: 200, level: 200 });
  });
});
