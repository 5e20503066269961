/** Regions, volumes (mL) and Dice (MODEL_PIPELINE.md §12). */
import { describe, expect, it } from 'vitest';
import { labelVolumes, regionDice } from '../../../src-main/core/metrics/regions.ts';
import { probsToLabels } from '../../../src-main/core/inference/labels.ts';
import type { ModelManifest } from '../../../src-main/core/model/Manifest.ts';

describe('regions', () => {
  it('volumes in mL from voxel size; TC = NCR+ET, WT = all', () => {
    const g = {
      dims: [5, 1, 1] as const,
      spacing: [2, 2, 2] as const,
      originLps: [0, 0, 0] as const,
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ] as const,
    };
    const v = labelVolumes(Uint8Array.from([1, 2, 2, 4, 0]), g);
    expect(v).toEqual({ ncr: 0.008, ed: 0.016, et: 0.008, tc: 0.016, wt: 0.032 });
  });

  it('Dice per region; both empty → 1', () => {
    const d = regionDice(Uint8Array.from([4, 1, 2, 0]), Uint8Array.from([1, 1, 2, 2]));
    expect(d.et).toBe(0);
    expect(d.tc).toBe(1);
    expect(d.wt).toBeCloseTo((2 * 3) / 7, 12);
    expect(regionDice(Uint8Array.from([0, 2]), Uint8Array.from([0, 2])).et).toBe(1);
  });

  it('probabilities → labels: WT→2, WT∧TC→1, WT∧TC∧ET→4, small ET → 1', () => {
    const manifest = {
      output: { channels: ['et', 'wt', 'tc'], threshold: 0.5, etMinVoxels: 0 },
    } as unknown as ModelManifest;
    // 4 voxels, channels et, wt, tc.
    const probs = Float32Array.from([
      0.9, 0.1, 0.9, 0.9, /*wt*/ 0.9, 0.9, 0.9, 0.4, /*tc*/ 0.9, 0.2, 0.1, 0.9,
    ]);
    const args = {
      probs,
      padded: [4, 1, 1] as const,
      crop: { start: [0, 0, 0] as const, size: [4, 1, 1] as const },
      gridDims: [4, 1, 1] as const,
      manifest,
    };
    expect(Array.from(probsToLabels(args))).toEqual([4, 2, 2, 0]);
    const strict = { ...manifest, output: { ...manifest.output, etMinVoxels: 2 } } as ModelManifest;
    expect(Array.from(probsToLabels({ ...args, manifest: strict }))).toEqual([1, 2, 2, 0]);
  });
});
