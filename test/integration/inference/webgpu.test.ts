/**
 * WebGPU provider (onnxruntime-node's Dawn on Chromium's software Vulkan, SwiftShader) gives the
 * same probabilities as the CPU within 1e-3 on a real BraTS case. SwiftShader is slow (about 2.5 s
 * per 32³ tile here), so the check runs on the central 80 mm cube of the case (8 tiles), not the
 * whole brain (80 tiles). The Vulkan environment must be set before the process starts, hence the
 * child process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeData, dataPath, repoRoot } from '../../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../../fixtures/tinyModel.ts';

const CHROMIUM_LIB = '/usr/lib/chromium';
const ICD = path.join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');
const CASE = 'brats18/Brats18_2013_20_1';
const CROP_MM = 80;
const ready = existsSync(ICD) && canMakeTinyModel();

(ready ? describeData : describeData.skip)(
  `WebGPU = CPU within 1e-3 (SwiftShader at ${ICD})`,
  () => {
    it(`${CASE}, central ${CROP_MM} mm cube`, () => {
      const out = execFileSync(
        process.execPath,
        [
          path.join(repoRoot, 'bin', 'run-ts.mjs'),
          path.join(repoRoot, 'test', 'integration', 'inference', 'webgpuRun.ts'),
          tinyModelDir(),
          dataPath(CASE),
          String(CROP_MM),
        ],
        {
          env: { ...process.env, LD_LIBRARY_PATH: CHROMIUM_LIB, VK_ICD_FILENAMES: ICD },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const r = JSON.parse(out.trim().split('\n').pop() as string) as {
        provider: string;
        maxAbsDiff: number;
        tiles: number;
        webgpuMs: number;
      };
      console.log(
        `webgpu vs cpu: max |Δ| = ${r.maxAbsDiff.toExponential(2)} over ${r.tiles} tiles, webgpu ${(r.webgpuMs / 1000).toFixed(1)} s`,
      );
      expect(r.provider).toBe('webgpu');
      expect(r.tiles).toBeGreaterThan(1);
      expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-3);
    });
  },
);
