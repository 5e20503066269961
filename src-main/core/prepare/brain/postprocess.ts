/**
 * MindGrab's post-processing, as brainchop does it: argmax of the two logits, then keep only the
 * largest 26-connected component (processSegmentationVolume → BWLabeler.bwlabel(img, dims, 26,
 * binarize, onlyLargestClusterPerClass)). brainchop fills no holes, so neither do we. Pure
 * functions.
 */
import type { Vec3 } from '../../volume/Geometry.ts';
import type { BoxIJK } from './conform.ts';

/** Brain where logit 1 (brain) beats logit 0 (background); logits laid out [2, n]. */
export function argmaxMask(logits: Float32Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let v = 0; v < n; v++) out[v] = logits[n + v] > logits[v] ? 1 : 0;
  return out;
}

/**
 * Keeps the largest 26-connected component of a 0/1 mask (in place) and returns its voxel count.
 * Ties go to the component found first in memory order.
 */
export function keepLargestComponent(mask: Uint8Array, dims: Vec3): number {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const label = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  let best = 0;
  let bestSize = 0;
  let next = 0;
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || label[seed]) continue;
    next++;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    label[seed] = next;
    while (head < tail) {
      const v = queue[head++];
      const k = Math.floor(v / nxy);
      const j = Math.floor((v - k * nxy) / nx);
      const i = v - k * nxy - j * nx;
      for (let dk = -1; dk <= 1; dk++) {
        const kk = k + dk;
        if (kk < 0 || kk >= nz) continue;
        for (let dj = -1; dj <= 1; dj++) {
          const jj = j + dj;
          if (jj < 0 || jj >= ny) continue;
          for (let di = -1; di <= 1; di++) {
            const ii = i + di;
            if (ii < 0 || ii >= nx) continue;
            const w = ii + jj * nx + kk * nxy;
            if (mask[w] && !label[w]) {
              label[w] = next;
              queue[tail++] = w;
            }
          }
        }
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      best = next;
    }
  }
  for (let v = 0; v < mask.length; v++) mask[v] = label[v] === best && best > 0 ? 1 : 0;
  return bestSize;
}

/** Places a mask computed on `box` into a zero grid of `dims` (brainchop restoreTo256Cube). */
export function uncropMask(boxMask: Uint8Array, box: BoxIJK, dims: Vec3): Uint8Array {
  const out = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const ni = box.hi[0] - box.lo[0];
  let o = 0;
  for (let k = box.lo[2]; k < box.hi[2]; k++) {
    for (let j = box.lo[1]; j < box.hi[1]; j++) {
      const row = box.lo[0] + dims[0] * (j + dims[1] * k);
      out.set(boxMask.subarray(o, o + ni), row);
      o += ni;
    }
  }
  return out;
}
