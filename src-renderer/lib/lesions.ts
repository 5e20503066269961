/**
 * Lesions of a labelmap (pure function): the 6-connected components of tumour voxels (any label
 * 1/2/4), each with its volume, voxel count, the volume per label and the voxel nearest its centre
 * of mass that lies inside it — where "jump to the lesion" and the default slice go.
 */

/** One connected tumour component. */
export interface Lesion {
  /** 1-based rank by volume (largest first). */
  readonly rank: number;
  readonly voxels: number;
  readonly volumeMl: number;
  /** mL per BraTS label inside the component. */
  readonly byLabel: { readonly ncr: number; readonly ed: number; readonly et: number };
  /** A voxel of the component nearest its centre of mass (i, j, k). */
  readonly centreIjk: readonly [number, number, number];
}

/** Components listed at most (the rest are noise-sized). */
export const MAX_LESIONS = 50;

/** Connected tumour components of `labels` on a grid of `dims` with `spacing` (mm), largest first. */
export function findLesions(
  labels: Uint8Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
): Lesion[] {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  const mlPerVoxel = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  const seen = new Uint8Array(labels.length);
  const queue = new Int32Array(labels.length);
  const found: Omit<Lesion, 'rank'>[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (!labels[start] || seen[start]) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    const count = { 1: 0, 2: 0, 4: 0 } as Record<number, number>;
    let si = 0;
    let sj = 0;
    let sk = 0;
    while (head < tail) {
      const v = queue[head++];
      count[labels[v]] = (count[labels[v]] ?? 0) + 1;
      const i = v % nx;
      const j = Math.floor(v / nx) % ny;
      const k = Math.floor(v / plane);
      si += i;
      sj += j;
      sk += k;
      const push = (w: number) => {
        if (labels[w] && !seen[w]) {
          seen[w] = 1;
          queue[tail++] = w;
        }
      };
      if (i > 0) push(v - 1);
      if (i < nx - 1) push(v + 1);
      if (j > 0) push(v - nx);
      if (j < ny - 1) push(v + nx);
      if (k > 0) push(v - plane);
      if (k < nz - 1) push(v + plane);
    }
    const n = tail;
    const c = [si / n, sj / n, sk / n];
    // The centre of mass of a ring lies outside it: take the member voxel nearest to it.
    let best = queue[0];
    let bestD = Infinity;
    for (let q = 0; q < n; q++) {
      const v = queue[q];
      const d =
        ((v % nx) - c[0]) ** 2 +
        ((Math.floor(v / nx) % ny) - c[1]) ** 2 +
        (Math.floor(v / plane) - c[2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = v;
      }
    }
    found.push({
      voxels: n,
      volumeMl: n * mlPerVoxel,
      byLabel: {
        ncr: (count[1] ?? 0) * mlPerVoxel,
        ed: (count[2] ?? 0) * mlPerVoxel,
        et: (count[4] ?? 0) * mlPerVoxel,
      },
      centreIjk: [best % nx, Math.floor(best / nx) % ny, Math.floor(best / plane)],
    });
  }
  return found
    .sort((a, b) => b.voxels - a.voxels)
    .slice(0, MAX_LESIONS)
    .map((l, i) => ({ ...l, rank: i + 1 }));
}
