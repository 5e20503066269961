/**
 * Parity of the TypeScript preprocessing with the training code's (MODEL_PIPELINE.md §1–§7) on a
 * real BraTS case: max |Δ| ≤ 1e-4 over the cropped, normalised 4-channel input, same crop box.
 * Uses models/training/reference.py (`--case <dir> --out <dir>` → input.npy [4,k,j,i] float32 +
 * meta.json {crop_start, crop_end, grid_shape} as (k,j,i)); until it exists, the same files are
 * written by calling models/training/metakd/preprocess.py directly. Skips when nibabel is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeData, dataPath, repoRoot } from '../../helpers/data.ts';
import { PYTHON } from '../../fixtures/tinyModel.ts';
import { readBratsCase } from '../../fixtures/bratsCase.ts';
import { preprocess } from '../../../src-main/core/preprocess/preprocess.ts';
import type { ModelManifest } from '../../../src-main/core/model/Manifest.ts';

const CASE = 'brats18/Brats18_CBICA_AQQ_1';
const REFERENCE = path.join(repoRoot, 'models', 'training', 'reference.py');
const FALLBACK = `
import sys, json, numpy as np
sys.path.insert(0, ${JSON.stringify(path.join(repoRoot, 'models', 'training'))})
from metakd import preprocess as P
pre, _ = P.load_case(sys.argv[1])
np.save(sys.argv[2] + '/input.npy', pre.image)
json.dump({'crop_start': pre.crop_start, 'crop_end': pre.crop_end, 'grid_shape': pre.grid_shape}, open(sys.argv[2] + '/meta.json', 'w'))
`;

function hasNibabel(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import nibabel, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Reads a little-endian float32 .npy file (C order). */
function readNpyFloat32(file: string): { shape: number[]; data: Float32Array } {
  const buf = readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString('latin1');
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True"))
    throw new Error(`unexpected npy header ${header}`);
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  const start = 10 + headerLen;
  const data = new Float32Array(
    buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length),
  );
  return { shape, data };
}

/** The pipeline constants the training code uses (metakd/preprocess.py). */
const MANIFEST = {
  modalities: ['flair', 't1', 't1ce', 't2'],
  input: {
    spacingMm: [2, 2, 2],
    cropping: { type: 'nonzero-bbox', marginVoxels: 2 },
    normalisation: { type: 'zscore-nonzero', clip: [-5, 5] },
  },
  inference: { patchSize: [8, 8, 8], sizeMultiple: 8, overlap: 0.5, gaussianSigmaScale: 0.125 },
} as unknown as ModelManifest;

(hasNibabel() ? describeData : describeData.skip)(
  'preprocessing parity with the training code (python3-nibabel)',
  () => {
    let ref: { shape: number[]; data: Float32Array };
    let meta: { crop_start: number[]; crop_end: number[]; grid_shape: number[] };
    beforeAll(() => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'metakd-parity-'));
      if (existsSync(REFERENCE))
        execFileSync(PYTHON, [REFERENCE, '--case', dataPath(CASE), '--out', out], {
          stdio: 'pipe',
        });
      else execFileSync(PYTHON, ['-c', FALLBACK, dataPath(CASE), out], { stdio: 'pipe' });
      ref = readNpyFloat32(path.join(out, 'input.npy'));
      meta = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8'));
    });

    it(`${CASE}: same grid, same crop, max |Δ| ≤ 1e-4`, async () => {
      const p = preprocess(await readBratsCase(dataPath(CASE)), MANIFEST);
      expect([...p.modelGrid.dims].reverse()).toEqual(meta.grid_shape);
      expect([...p.crop.start].reverse()).toEqual(meta.crop_start);
      const [cx, cy, cz] = p.crop.size;
      expect(ref.shape).toEqual([4, cz, cy, cx]);
      const [px, py] = p.padded;
      let maxDiff = 0;
      for (let m = 0; m < 4; m++) {
        const ch = p.channels[m] as Float32Array;
        for (let k = 0; k < cz; k++)
          for (let j = 0; j < cy; j++)
            for (let i = 0; i < cx; i++) {
              const d = Math.abs(
                ch[i + px * (j + py * k)] - ref.data[((m * cz + k) * cy + j) * cx + i],
              );
              if (d > maxDiff) maxDiff = d;
            }
      }
      console.log(`preprocessing parity ${CASE}: max |Δ| = ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
    });
  },
);
