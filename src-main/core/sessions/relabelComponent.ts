/**
 * The reader's edit: relabel (or erase) one connected tumour component — pure function on a
 * labelmap. 6-connectivity in 3-D, the component being the voxels equal to the seed's label.
 */
import { ErrorCode, MetaKdError } from '../errors.ts';

/** Outcome of a relabel. */
export interface RelabelOutcome {
  /** Label the component had (0 when the seed was background: nothing changed). */
  readonly fromLabel: number;
  /** Voxels changed. */
  readonly voxels: number;
}

/**
 * Sets every voxel 6-connected to `seed` with the seed's label to `toLabel`, in place.
 * Background seeds change nothing. Throws INVALID_ARGUMENT for a seed outside the grid.
 */
export function relabelComponent(
  labels: Uint8Array,
  dims: readonly [number, number, number],
  seed: readonly [number, number, number],
  toLabel: number,
): RelabelOutcome {
  const [nx, ny, nz] = dims;
  const [si, sj, sk] = seed.map(Math.round);
  if (si < 0 || sj < 0 || sk < 0 || si >= nx || sj >= ny || sk >= nz) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `Voxel (${si}, ${sj}, ${sk}) is outside the labelmap grid ${nx}×${ny}×${nz}.`,
    );
  }
  const plane = nx * ny;
  const start = si + nx * sj + plane * sk;
  const fromLabel = labels[start];
  if (fromLabel === 0 || fromLabel === toLabel) return { fromLabel, voxels: 0 };
  // Explicit stack of voxel indices: recursion would overflow on a whole-brain edema component.
  const stack = new Int32Array(labels.length);
  let top = 0;
  stack[top++] = start;
  labels[start] = toLabel;
  let voxels = 1;
  while (top > 0) {
    const v = stack[--top];
    const i = v % nx;
    const j = Math.floor(v / nx) % ny;
    const k = Math.floor(v / plane);
    const push = (n: number) => {
      if (labels[n] === fromLabel) {
        labels[n] = toLabel;
        stack[top++] = n;
        voxels++;
      }
    };
    if (i > 0) push(v - 1);
    if (i < nx - 1) push(v + 1);
    if (j > 0) push(v - nx);
    if (j < ny - 1) push(v + nx);
    if (k > 0) push(v - plane);
    if (k < nz - 1) push(v + plane);
  }
  return { fromLabel, voxels };
}
