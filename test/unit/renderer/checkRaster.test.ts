/**
 * The preparation check's pixels (issue 10): the brain-mask outline extracted on the pane's
 * canvas, the mask and a series sampled through the canvas → world mapping, anatomy-anchored
 * checkerboard tiles, and the paint (outline on top, series only in its tiles).
 */
import { describe, expect, it } from 'vitest';
import {
  BRAIN_OUTLINE_RGB,
  checkerTiles,
  outlineOf,
  paintCheck,
  sampleMaskSlice,
  sampleVolumeSlice,
  type CheckGrid,
  type ScreenMap,
} from '../../../src-renderer/lib/checkRaster.ts';

/** A w×h picture of 0/1 from rows of '.' and '#'. */
function pic(rows: string[]): Uint8Array {
  return Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0));
}
const show = (a: Uint8Array, w: number) =>
  Array.from({ length: a.length / w }, (_, y) =>
    Array.from(a.subarray(y * w, y * w + w), (v) => (v ? '#' : '.')).join(''),
  );

describe('outlineOf', () => {
  it('marks both sides of the boundary and leaves the inside and outside empty', () => {
    const inside = pic(['........', '..####..', '..####..', '..####..', '..####..', '........']);
    expect(show(outlineOf(inside, 8, 6), 8)).toEqual([
      '..####..',
      '.######.',
      '.##..##.',
      '.##..##.',
      '.######.',
      '..####..',
    ]);
  });

  it('draws no line where the mask is cut by the canvas edge', () => {
    const inside = pic(['###.', '###.', '###.']);
    expect(show(outlineOf(inside, 4, 3), 4)).toEqual(['..##', '..##', '..##']);
  });

  it('is empty for an empty or a full mask', () => {
    expect(outlineOf(new Uint8Array(12), 4, 3).some(Boolean)).toBe(false);
    expect(outlineOf(new Uint8Array(12).fill(1), 4, 3).some(Boolean)).toBe(false);
  });
});

/** 10×8×5 grid, 2 mm, LPS-aligned, origin (−10, −8, 0). */
const grid: CheckGrid = {
  dims: [10, 8, 5],
  spacing: [2, 2, 2],
  originLps: [-10, -8, 0],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};
/** A 20×16 canvas at 1 mm per pixel over slice k = 2 (z = 4 mm), pixel centres on voxel quarters. */
const screen: ScreenMap = {
  width: 20,
  height: 16,
  origin: [-10.5, -8.5, 4],
  dx: [1, 0, 0],
  dy: [0, 1, 0],
};

describe('sampling through the canvas mapping', () => {
  it('takes the nearest voxel of the mask on the viewed slice', () => {
    const mask = new Uint8Array(400);
    // Voxel (3, 2, 2) only: its centre is at (−4, −4) mm and it takes the pixels whose centres
    // (x − 10, y − 8 mm) round to it: x −5, −4 (index 2.5 rounds up to 3) and y −5, −4.
    mask[3 + 10 * (2 + 8 * 2)] = 1;
    const s = sampleMaskSlice(mask, grid, screen);
    const on: number[] = [];
    s.forEach((v, o) => v && on.push(o));
    expect(on.map((o) => [o % 20, Math.floor(o / 20)])).toEqual([
      [5, 3],
      [6, 3],
      [5, 4],
      [6, 4],
    ]);
    // Another slice shows nothing.
    expect(sampleMaskSlice(mask, grid, { ...screen, origin: [-10.5, -8.5, 8] }).some(Boolean)).toBe(
      false,
    );
  });

  it('interpolates a volume linearly and is NaN outside the grid', () => {
    // value = world x (mm) at every voxel centre.
    const data = Float32Array.from({ length: 400 }, (_, v) => -10 + 2 * (v % 10));
    const s = sampleVolumeSlice(data, grid, screen);
    // Pixel x = 8 → world x = −10.5 + 8.5 = −2 (a voxel centre); x = 9 → −1 (between two).
    expect(s[8 + 20 * 4]).toBeCloseTo(-2, 5);
    expect(s[9 + 20 * 4]).toBeCloseTo(-1, 5);
    const outside = sampleVolumeSlice(data, grid, { ...screen, origin: [-40, -8.5, 4] });
    expect(Number.isNaN(outside[0])).toBe(true);
  });
});

describe('checkerTiles', () => {
  it('alternates tiles of the given size in mm, anchored to the world', () => {
    const t = checkerTiles({ ...screen, origin: [0, 0, 4] }, 5);
    const row0 = Array.from(t.subarray(0, 20)).join('');
    expect(row0).toBe('00000111110000011111');
    expect(t[0]).not.toBe(t[20 * 5]); // the next tile row flips
    // Panned by one tile: the pattern moves with the anatomy (flipped at the same pixel).
    const panned = checkerTiles({ ...screen, origin: [5, 0, 4] }, 5);
    expect(panned[0]).not.toBe(t[0]);
  });
});

describe('paintCheck', () => {
  it('puts the outline on top, the series only in its tiles, and leaves the rest transparent', () => {
    const outline = Uint8Array.from([1, 0, 0, 0]);
    const registered = Float32Array.from([100, 100, 200, Number.NaN]);
    const px = paintCheck({
      width: 2,
      height: 2,
      outline,
      registered,
      window: { center: 100, width: 200 },
      tiles: Uint8Array.from([1, 0, 1, 1]),
    });
    expect(Array.from(px.subarray(0, 4))).toEqual([...BRAIN_OUTLINE_RGB, 255]);
    expect(px[7]).toBe(0); // reference tile: transparent
    expect(Array.from(px.subarray(8, 12))).toEqual([255, 255, 255, 255]); // 200 = top of window
    expect(Array.from(px.subarray(12, 16))).toEqual([0, 0, 0, 255]); // outside the series: black
  });
});
