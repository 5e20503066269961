/**
 * Parity of the TypeScript preprocessing with the training code's (models/training/PIPELINE.md
 * §1–§7) on a real BraTS case, with the shipped manifest's settings: same grid, same crop box, and
 * max |Δ| ≤ 1e-4 over the cropped, normalised 4-channel input — for all four sequences and for a
 * missing-sequence combination (the crop then comes from the present sequences only).
 * The reference comes from models/training/reference.py (numpy + nibabel only): input.f32
 * [4,k,j,i] float32 LE + input.json {shape, cropStart, cropEnd, gridShape} in (k,j,i) order.
 * Skips when python3-nibabel is absent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeData, dataPath, repoRoot } from '../../helpers/data.ts';
import { PYTHON } from '../../fixtures/tinyModel.ts';
import { readBratsCase } from '../../fixtures/bratsCase.ts';
import { preprocess } from '../../../src-main/core/preprocess/preprocess.ts';
import { loadManifest } from '../../../src-main/core/model/loadManifest.ts';
import { MODEL_SLOTS, type ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const CASE = 'brats18/Brats18_CBICA_AQQ_1';
const REFERENCE = path.join(repoRoot, 'models', 'training', 'reference.py');
const MODEL_DIR = path.join(repoRoot, 'models', 'metakd-brats');
const TOLERANCE = 1e-4;

function hasNibabel(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import nibabel, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Reference {
  readonly shape: number[];
  readonly cropStart: number[];
  readonly gridShape: number[];
  readonly modalities: ModelSlot[];
  readonly data: Float32Array;
}

/** Runs reference.py for `present` (manifest order) and reads its output. */
function pythonReference(present: readonly boolean[]): Reference {
  const out = mkdtempSync(path.join(os.tmpdir(), 'metakd-parity-'));
  const mask = present.map((p) => (p ? '1' : '0')).join(',');
  execFileSync(PYTHON, [REFERENCE, '--case', dataPath(CASE), '--out', out, '--present', mask], {
    stdio: 'pipe',
  });
  const meta = JSON.parse(readFileSync(path.join(out, 'input.json'), 'utf8')) as Omit<
    Reference,
    'data'
  >;
  const bytes = readFileSync(path.join(out, 'input.f32'));
  const data = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  );
  return { ...meta, data };
}

const COMBINATIONS: readonly (readonly ModelSlot[])[] = [MODEL_SLOTS, ['flair', 't2']];

(hasNibabel() ? describeData : describeData.skip)(
  'preprocessing parity with the training code (python3-nibabel)',
  () => {
    for (const combo of COMBINATIONS) {
      it(`${CASE} with ${combo.join('+')}: same grid, same crop, max |Δ| ≤ ${TOLERANCE}`, async () => {
        const { manifest } = await loadManifest(MODEL_DIR);
        const all = await readBratsCase(dataPath(CASE));
        const volumes: Partial<Record<ModelSlot, Volume>> = {};
        for (const s of combo) volumes[s] = all[s];
        const ref = pythonReference(manifest.modalities.map((m) => combo.includes(m)));
        expect(ref.modalities).toEqual([...manifest.modalities]);

        const p = preprocess(volumes, manifest);
        expect([...p.modelGrid.dims].reverse()).toEqual(ref.gridShape);
        expect([...p.crop.start].reverse()).toEqual(ref.cropStart);
        const [cx, cy, cz] = p.crop.size;
        expect(ref.shape).toEqual([4, cz, cy, cx]);
        const [px, py] = p.padded;
        let maxDiff = 0;
        for (let m = 0; m < 4; m++) {
          const ch = p.channels[m];
          for (let k = 0; k < cz; k++)
            for (let j = 0; j < cy; j++)
              for (let i = 0; i < cx; i++) {
                const ours = ch ? ch[i + px * (j + py * k)] : 0;
                const d = Math.abs(ours - ref.data[((m * cz + k) * cy + j) * cx + i]);
                if (d > maxDiff) maxDiff = d;
              }
        }
        console.log(
          `preprocessing parity ${CASE} ${combo.join('+')}: max |Δ| = ${maxDiff.toExponential(2)}`,
        );
        expect(maxDiff).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  },
);
