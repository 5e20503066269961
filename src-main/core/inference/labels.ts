/**
 * Probabilities → BraTS labels (MODEL_PIPELINE.md §10) and the labelmap on the model grid.
 * Pure functions.
 */
import type { Vec3 } from '../volume/Geometry.ts';
import type { ModelManifest } from '../model/Manifest.ts';
import type { Box } from '../preprocess/cropNormalise.ts';

/** BraTS label values. */
export const Label = { Background: 0, Ncr: 1, Ed: 2, Et: 4 } as const;

/**
 * Thresholds the three channels of a padded probability volume inside the crop and writes labels
 * into a full model-grid array: WT → 2; WT∧TC → 1; WT∧TC∧ET → 4. When fewer than
 * `etMinVoxels` voxels are ET they become 1. Returns the labels (model grid, zero outside crop).
 */
export function probsToLabels(params: {
  probs: Float32Array;
  padded: Vec3;
  crop: Box;
  gridDims: Vec3;
  manifest: ModelManifest;
}): Uint8Array {
  const { probs, padded, crop, gridDims, manifest } = params;
  const ch = manifest.output.channels;
  const nPad = padded[0] * padded[1] * padded[2];
  const et = ch.indexOf('et') * nPad;
  const wt = ch.indexOf('wt') * nPad;
  const tc = ch.indexOf('tc') * nPad;
  const thr = manifest.output.threshold;
  const out = new Uint8Array(gridDims[0] * gridDims[1] * gridDims[2]);
  let etCount = 0;
  for (let k = 0; k < crop.size[2]; k++) {
    for (let j = 0; j < crop.size[1]; j++) {
      const src = padded[0] * (j + padded[1] * k);
      const dst =
        crop.start[0] + gridDims[0] * (crop.start[1] + j + gridDims[1] * (crop.start[2] + k));
      for (let i = 0; i < crop.size[0]; i++) {
        const x = src + i;
        if (!(probs[wt + x] > thr)) continue;
        let label: number = Label.Ed;
        if (probs[tc + x] > thr) {
          label = Label.Ncr;
          if (probs[et + x] > thr) {
            label = Label.Et;
            etCount++;
          }
        }
        out[dst + i] = label;
      }
    }
  }
  if (etCount > 0 && etCount < manifest.output.etMinVoxels) {
    for (let x = 0; x < out.length; x++) if (out[x] === Label.Et) out[x] = Label.Ncr;
  }
  return out;
}
