/**
 * Geometry: world ↔ voxel transforms, the RAS ↔ LPS convention and grid comparison, checked
 * against positions computed by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  affineLps,
  affineRas,
  applyAffine,
  geometryFromAffineLps,
  invertAffine,
  lpsToRas,
  lpsToVoxel,
  rasToLps,
  sameGrid,
  voxelCount,
  voxelToLps,
} from '../../../src-main/core/volume/Geometry.ts';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import { voxelIndex } from '../../../src-main/core/volume/Volume.ts';

function expectClose(a: readonly number[], b: readonly number[], tol = 1e-9): void {
  a.forEach((v, i) =>
    expect(Math.abs(v - b[i]), `component ${i}: ${v} vs ${b[i]}`).toBeLessThan(tol),
  );
}

/** An axial LAS grid as dcm2niix writes it, seen in LPS: i → Left, j → Anterior, k → Superior. */
const las: Geometry = {
  dims: [256, 224, 26],
  spacing: [0.9, 0.9, 5.5],
  originLps: [-115, 100, -50],
  directionLps: [
    [1, 0, 0],
    [0, -1, 0],
    [0, 0, 1],
  ],
};

describe('Geometry transforms', () => {
  it('voxelToLps matches a hand-computed position', () => {
    // (10, 20, 3): x = −115 + 10·0.9 = −106; y = 100 − 20·0.9 = 82; z = −50 + 3·5.5 = −33.5
    expectClose(voxelToLps(las, [10, 20, 3]), [-106, 82, -33.5]);
  });

  it('RAS → LPS: the same voxel in NIfTI RAS is (106, −82, −33.5)', () => {
    // NIfTI stores RAS: x_ras = −x_lps, y_ras = −y_lps, z unchanged.
    const ras = applyAffine(affineRas(las), [10, 20, 3]);
    expectClose(ras, [106, -82, -33.5]);
    expectClose(rasToLps(ras), [-106, 82, -33.5]);
    expectClose(lpsToRas(rasToLps(ras)), ras);
  });

  it('lpsToVoxel inverts voxelToLps, fractional indices included', () => {
    const ijk: Vec3 = [12.25, 7.5, 3.75];
    expectClose(lpsToVoxel(las, voxelToLps(las, ijk)), ijk, 1e-9);
  });

  it('invertAffine gives the identity with the affine, and rejects a singular one', () => {
    const m = affineLps(las);
    const inv = invertAffine(m);
    const p: Vec3 = [3, -4, 5];
    expectClose(applyAffine(m, applyAffine(inv, p)), p, 1e-9);
    expect(() => invertAffine([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])).toThrow(
      /singular/,
    );
  });

  it('geometryFromAffineLps recovers spacing, directions and origin', () => {
    const g = geometryFromAffineLps(affineLps(las), las.dims);
    expectClose(g.spacing, las.spacing);
    expectClose(g.directionLps.flat(), las.directionLps.flat());
    expectClose(g.originLps, las.originLps);
  });

  it('sameGrid tolerates less than the tolerance and no more', () => {
    const moved = { ...las, originLps: [-115, 100, -50 + 5e-4] as Vec3 };
    expect(sameGrid(las, moved, 1e-3)).toBe(true);
    expect(sameGrid(las, moved, 1e-4)).toBe(false);
    expect(sameGrid(las, { ...las, dims: [256, 224, 27] })).toBe(false);
  });

  it('voxelCount and voxelIndex use the i-fastest layout', () => {
    expect(voxelCount(las)).toBe(256 * 224 * 26);
    expect(voxelIndex(las.dims, 1, 0, 0)).toBe(1);
    expect(voxelIndex(las.dims, 0, 1, 0)).toBe(256);
    expect(voxelIndex(las.dims, 0, 0, 1)).toBe(256 * 224);
  });
});
