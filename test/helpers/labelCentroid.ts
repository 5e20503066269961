/**
 * The centroid (voxel indices, not rounded) of a label map's labelled voxels, or null when none is
 * labelled. Pure (no test framework), so benchmarks share it with the e2e helpers.
 */
export function labelCentroid(
  labels: Uint8Array,
  dims: readonly [number, number, number],
): [number, number, number] | null {
  const [nx, ny, nz] = dims;
  let n = 0;
  const sum: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++)
        if (labels[i + nx * (j + ny * k)]) {
          sum[0] += i;
          sum[1] += j;
          sum[2] += k;
          n++;
        }
  return n === 0 ? null : [sum[0] / n, sum[1] / n, sum[2] / n];
}
