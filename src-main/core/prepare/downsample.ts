/**
 * Integer-factor block averaging: a cheaper copy of a volume for registration, whose cost grows
 * with the image size (pyramids, sampling). Pure function.
 */
import type { Geometry, Vec3 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';

/**
 * Averages blocks of voxels so that no axis is finer than `minSpacingMm` (factor
 * floor(minSpacing / spacing), at least 1). Voxel centres move to the block centres, so the result
 * covers the same world positions.
 */
export function downsampleTo(v: Volume, minSpacingMm: number): Volume {
  const g = v.geometry;
  const f = g.spacing.map((s) =>
    Math.max(1, Math.floor(minSpacingMm / s + 1e-6)),
  ) as unknown as Vec3;
  if (f[0] === 1 && f[1] === 1 && f[2] === 1) return v;
  const dims = g.dims.map((n, a) => Math.max(1, Math.floor(n / f[a]))) as unknown as Vec3;
  const out = new Float32Array(dims[0] * dims[1] * dims[2]);
  const [nx, ny] = g.dims;
  const d = v.data;
  const inv = 1 / (f[0] * f[1] * f[2]);
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++) {
        let s = 0;
        for (let c = 0; c < f[2]; c++) {
          for (let b = 0; b < f[1]; b++) {
            const row = ((k * f[2] + c) * ny + j * f[1] + b) * nx + i * f[0];
            for (let a = 0; a < f[0]; a++) s += d[row + a];
          }
        }
        out[(k * dims[1] + j) * dims[0] + i] = s * inv;
      }
    }
  }
  const shift = [0, 1, 2].map((a) => ((f[a] - 1) / 2) * g.spacing[a]);
  const [di, dj, dk] = g.directionLps;
  const originLps = [0, 1, 2].map(
    (r) => g.originLps[r] + shift[0] * di[r] + shift[1] * dj[r] + shift[2] * dk[r],
  ) as unknown as Vec3;
  const geometry: Geometry = {
    dims,
    spacing: g.spacing.map((s, a) => s * f[a]) as unknown as Vec3,
    originLps,
    directionLps: g.directionLps,
  };
  return { geometry, data: out };
}
