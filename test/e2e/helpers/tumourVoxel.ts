/**
 * A voxel inside a label map's tumour, for e2e tests that click or jump to it: the labelled voxel
 * nearest the labels' centroid whose in-plane neighbours share its label (so a click a little off
 * still lands in the same component).
 */
import { expect } from 'vitest';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import { labelCentroid } from '../../helpers/labelCentroid.ts';

/** The voxel and its label, or null when no labelled voxel has four same-label neighbours. */
export function tumourVoxel(labels: Uint8Array, g: Geometry): { ijk: Vec3; label: number } | null {
  const [nx, ny, nz] = g.dims;
  const c = labelCentroid(labels, g.dims);
  if (c === null) return null;
  let best: { ijk: Vec3; label: number; d: number } | null = null;
  for (let k = 0; k < nz; k++)
    for (let j = 1; j < ny - 1; j++)
      for (let i = 1; i < nx - 1; i++) {
        const v = i + nx * (j + ny * k);
        const l = labels[v];
        if (!l || labels[v - 1] !== l || labels[v + 1] !== l) continue;
        if (labels[v - nx] !== l || labels[v + nx] !== l) continue;
        const d = (i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2;
        if (!best || d < best.d) best = { ijk: [i, j, k], label: l, d };
      }
  return best && { ijk: best.ijk, label: best.label };
}

/** tumourVoxel, failing the test when there is none. */
export function requireTumourVoxel(labels: Uint8Array, g: Geometry): { ijk: Vec3; label: number } {
  const t = tumourVoxel(labels, g);
  expect(t, 'no labelled voxel with same-label in-plane neighbours').not.toBeNull();
  return t!;
}
