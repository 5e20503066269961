/**
 * The brush: spheres and discs measured in mm with the grid spacing (anisotropic grids), clipping
 * at the edges of the volume, erase, voxel counts, strokes counted once where dabs overlap, and
 * the refusals (centre outside the grid, radius out of range, too many dabs).
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_STROKE_CENTRES,
  paintSphere,
  paintStroke,
} from '../../../src-main/core/sessions/paintSphere.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';

const IDENTITY: Geometry['directionLps'] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const grid = (dims: Vec3, spacing: Vec3): Geometry => ({
  dims,
  spacing,
  originLps: [0, 0, 0],
  directionLps: IDENTITY,
});
const count = (l: Uint8Array, v: number) => l.reduce((n, x) => n + (x === v ? 1 : 0), 0);

/** Brute-force reference: voxels within r mm of c (optionally in the slice of one axis). */
function reference(g: Geometry, c: Vec3, r: number, fixedAxis: number | null): number {
  let n = 0;
  const [nx, ny, nz] = g.dims;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const d = [i - c[0], j - c[1], k - c[2]];
        if (fixedAxis !== null && d[fixedAxis] !== 0) continue;
        const mm2 = d.reduce((s, x, a) => s + (x * g.spacing[a]) ** 2, 0);
        if (mm2 <= r * r) n++;
      }
  return n;
}

describe('paintSphere', () => {
  it('paints a 3-D sphere: 1 mm radius on a 1 mm grid is the centre and its 6 neighbours', () => {
    const g = grid([9, 9, 9], [1, 1, 1]);
    const l = new Uint8Array(9 ** 3);
    expect(paintSphere(l, g, [4, 4, 4], { radiusMm: 1, label: 2, plane: null })).toBe(7);
    expect(count(l, 2)).toBe(7);
    // 2 mm: the 33 voxels within distance 2 (1 + 6 + 12 + 8 + 6).
    const m = new Uint8Array(9 ** 3);
    expect(paintSphere(m, g, [4, 4, 4], { radiusMm: 2, label: 4, plane: null })).toBe(33);
  });

  it('paints a disc only in the slice of its plane', () => {
    const g = grid([9, 9, 9], [1, 1, 1]);
    for (const [plane, axis] of [
      ['axial', 2],
      ['coronal', 1],
      ['sagittal', 0],
    ] as const) {
      const l = new Uint8Array(9 ** 3);
      // r = 2 mm disc: 13 voxels (1 + 4 + 4 + 4).
      expect(paintSphere(l, g, [4, 4, 4], { radiusMm: 2, label: 1, plane })).toBe(13);
      for (let v = 0; v < l.length; v++) {
        const ijk = [v % 9, Math.floor(v / 9) % 9, Math.floor(v / 81)];
        if (l[v]) expect(ijk[axis], plane).toBe(4);
      }
    }
  });

  it('measures the radius in mm on an anisotropic grid (round in mm, not in voxels)', () => {
    const g = grid([40, 40, 12], [0.5, 1, 3]);
    const c: Vec3 = [20, 20, 6];
    const l = new Uint8Array(40 * 40 * 12);
    const n = paintSphere(l, g, c, { radiusMm: 6, label: 2, plane: null });
    expect(n).toBe(reference(g, c, 6, null));
    // Along i (0.5 mm) the sphere reaches 12 voxels, along k (3 mm) only 2.
    const at = (i: number, j: number, k: number) => l[i + 40 * (j + 40 * k)];
    expect(at(32, 20, 6)).toBe(2);
    expect(at(33, 20, 6)).toBe(0);
    expect(at(20, 20, 8)).toBe(2);
    expect(at(20, 20, 9)).toBe(0);
    const disc = new Uint8Array(40 * 40 * 12);
    const d = paintSphere(disc, g, c, { radiusMm: 6, label: 2, plane: 'axial' });
    expect(d).toBe(reference(g, c, 6, 2));
    expect(d).toBeLessThan(n);
  });

  it('clips at the edges of the volume', () => {
    const g = grid([10, 10, 10], [1, 1, 1]);
    const l = new Uint8Array(1000);
    const n = paintSphere(l, g, [0, 0, 0], { radiusMm: 3, label: 1, plane: null });
    expect(n).toBe(reference(g, [0, 0, 0], 3, null));
    expect(n).toBe(count(l, 1));
    const far = paintSphere(l, g, [9, 9, 9], { radiusMm: 30, label: 4, plane: null });
    expect(far).toBe(1000); // the whole grid lies within 30 mm of the corner
  });

  it('erases with label 0 and counts only the voxels that changed', () => {
    const g = grid([9, 9, 9], [1, 1, 1]);
    const l = new Uint8Array(9 ** 3);
    paintSphere(l, g, [4, 4, 4], { radiusMm: 2, label: 2, plane: null });
    l[4 + 9 * (4 + 9 * 4)] = 4; // centre voxel is another label: still erased
    expect(paintSphere(l, g, [4, 4, 4], { radiusMm: 1, label: 0, plane: null })).toBe(7);
    expect(count(l, 2)).toBe(33 - 7);
    expect(paintSphere(l, g, [4, 4, 4], { radiusMm: 1, label: 0, plane: null })).toBe(0);
    // A voxel that already has the label is not counted: of this 5-voxel disc only the centre
    // (distance 2 from the sphere's centre) was already ED.
    expect(paintSphere(l, g, [4, 4, 2], { radiusMm: 1, label: 2, plane: 'axial' })).toBe(4);
  });

  it('refuses centres outside the grid and radii out of range', () => {
    const g = grid([5, 5, 5], [1, 1, 1]);
    const l = new Uint8Array(125);
    const brush = { radiusMm: 1, label: 1, plane: null } as const;
    expect(() => paintSphere(l, g, [5, 0, 0], brush)).toThrow(/outside the labelmap grid 5×5×5/);
    expect(() => paintSphere(l, g, [0, -1, 0], brush)).toThrow(/outside/);
    expect(() => paintSphere(l, g, [0, 0, 0], { ...brush, radiusMm: 0.1 })).toThrow(/0.5–30 mm/);
    try {
      paintSphere(l, g, [0, 0, 0], { ...brush, radiusMm: 31 });
      expect.unreachable();
    } catch (e) {
      expect(isMetaKdError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(count(l, 1)).toBe(0);
  });
});

describe('paintStroke', () => {
  it('paints a line of dabs, counting overlapping voxels once', () => {
    const g = grid([20, 20, 5], [1, 1, 2]);
    const l = new Uint8Array(20 * 20 * 5);
    const centres: Vec3[] = [];
    for (let i = 5; i <= 15; i++) centres.push([i, 10, 2]);
    const n = paintStroke(l, g, centres, { radiusMm: 2, label: 4, plane: 'axial' });
    expect(n).toBe(count(l, 4));
    // A capsule 11 dabs long: 13 voxels per disc would be 143 without the overlap.
    expect(n).toBeLessThan(11 * 13);
    const single = new Uint8Array(l.length);
    let union = 0;
    for (const c of centres)
      union += paintSphere(single, g, c, { radiusMm: 2, label: 4, plane: 'axial' });
    expect(n).toBe(union);
    expect(Buffer.compare(Buffer.from(single), Buffer.from(l))).toBe(0);
  });

  it('refuses empty and over-long strokes before painting anything', () => {
    const g = grid([5, 5, 5], [1, 1, 1]);
    const l = new Uint8Array(125);
    const brush = { radiusMm: 1, label: 2, plane: null } as const;
    expect(() => paintStroke(l, g, [], brush)).toThrow(/1–2000 centres/);
    const many = Array.from({ length: MAX_STROKE_CENTRES + 1 }, (): Vec3 => [2, 2, 2]);
    expect(() => paintStroke(l, g, many, brush)).toThrow(/not 2001/);
    expect(() =>
      paintStroke(
        l,
        g,
        [
          [2, 2, 2],
          [9, 2, 2],
        ],
        brush,
      ),
    ).toThrow(/outside/);
    expect(count(l, 2)).toBe(0); // the valid first dab was not painted either
  });
});
