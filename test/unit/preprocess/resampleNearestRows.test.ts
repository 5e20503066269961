/**
 * Issue 13: resampleNearest's axis-aligned path copies a target row (or slice) that maps to the
 * same source row (or slice) as the one before it instead of gathering it again. The result must
 * equal the per-voxel definition (round the source index of each target centre, 0 outside) for
 * finer, coarser, shifted and partly outside target grids.
 */
import { describe, expect, it } from 'vitest';
import { resampleNearest } from '../../../src-main/core/preprocess/resample.ts';
import {
  affineLps,
  applyAffine,
  invertAffine,
  type Geometry,
  type Vec3,
} from '../../../src-main/core/volume/Geometry.ts';

const ID: [Vec3, Vec3, Vec3] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/** The definition, voxel by voxel (no tables, no copies). */
function reference(data: Uint8Array, source: Geometry, target: Geometry): Uint8Array {
  const toSource = invertAffine(affineLps(source));
  const toWorld = affineLps(target);
  const [sx, sy, sz] = source.dims;
  const [tx, ty, tz] = target.dims;
  const out = new Uint8Array(tx * ty * tz);
  const idx = (x: number, n: number) => {
    const r = Math.round(Math.round(x * 1024) / 1024);
    return r >= 0 && r < n ? r : -1;
  };
  for (let k = 0; k < tz; k++)
    for (let j = 0; j < ty; j++)
      for (let i = 0; i < tx; i++) {
        const p = applyAffine(toSource, applyAffine(toWorld, [i, j, k]));
        const a = idx(p[0], sx);
        const b = idx(p[1], sy);
        const c = idx(p[2], sz);
        if (a >= 0 && b >= 0 && c >= 0) out[i + tx * (j + ty * k)] = data[a + sx * (b + sy * c)];
      }
  return out;
}

function labels(n: number): Uint8Array {
  const d = new Uint8Array(n);
  let x = 11;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    d[i] = [0, 0, 1, 2, 4][(x >>> 16) % 5];
  }
  return d;
}

describe('resampleNearest row and slice reuse', () => {
  const source: Geometry = {
    dims: [7, 6, 5],
    spacing: [2, 2, 2],
    originLps: [0.5, 0.5, 0.5],
    directionLps: ID,
  };
  const data = labels(7 * 6 * 5);
  const targets: Record<string, Geometry> = {
    'finer (2 mm → 1 mm)': {
      dims: [14, 12, 10],
      spacing: [1, 1, 1],
      originLps: [0, 0, 0],
      directionLps: ID,
    },
    'finer, anisotropic': {
      dims: [14, 17, 23],
      spacing: [1, 0.7, 0.45],
      originLps: [0, 0, 0],
      directionLps: ID,
    },
    coarser: { dims: [3, 3, 2], spacing: [4, 4, 4], originLps: [0, 0, 0], directionLps: ID },
    'shifted, partly outside': {
      dims: [20, 15, 13],
      spacing: [1, 1, 1],
      originLps: [-4, -3, -2.5],
      directionLps: ID,
    },
  };
  for (const [name, target] of Object.entries(targets)) {
    it(`equals the per-voxel definition: ${name}`, () => {
      const got = resampleNearest({ geometry: source, data }, target);
      expect(Buffer.from(got).equals(Buffer.from(reference(data, source, target)))).toBe(true);
    });
  }
});
