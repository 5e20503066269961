/**
 * Child-process script for webgpu.test.ts (WebGPU needs its Vulkan environment set before the
 * process starts): runs the sliding window on a real case with the CPU and the WebGPU provider
 * and prints one JSON line {provider, attempts, maxAbsDiff, tiles, cpuMs, webgpuMs}.
 * usage: node bin/run-ts.mjs webgpuRun.ts <modelDir> <caseDir> [cropMm]
 */
import { readBratsCase } from '../../fixtures/bratsCase.ts';
import { loadManifest } from '../../../src-main/core/model/loadManifest.ts';
import { preprocess } from '../../../src-main/core/preprocess/preprocess.ts';
import { createModelRunner } from '../../../src-main/core/inference/modelRunner.ts';
import { runTiles } from '../../../src-main/core/inference/tiledInference.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';

const [modelDir, caseDir, cropArg] = process.argv.slice(2);
const cropVox = Number(cropArg ?? 0);

/** The central cropVox³ block of a 1 mm volume (0 = whole volume), geometry adjusted. */
function centre(v: Volume): Volume {
  if (!cropVox) return v;
  const [nx, ny, nz] = v.geometry.dims;
  const o = [nx, ny, nz].map((n) => Math.floor((n - Math.min(n, cropVox)) / 2));
  const d = [nx, ny, nz].map((n) => Math.min(n, cropVox));
  const data = new Float32Array(d[0] * d[1] * d[2]);
  for (let k = 0; k < d[2]; k++)
    for (let j = 0; j < d[1]; j++)
      for (let i = 0; i < d[0]; i++)
        data[i + d[0] * (j + d[1] * k)] = v.data[o[0] + i + nx * (o[1] + j + ny * (o[2] + k))];
  const g = v.geometry;
  const originLps = [0, 1, 2].map(
    (a) =>
      g.originLps[a] +
      o[0] * g.spacing[0] * g.directionLps[0][a] +
      o[1] * g.spacing[1] * g.directionLps[1][a] +
      o[2] * g.spacing[2] * g.directionLps[2][a],
  ) as unknown as readonly [number, number, number];
  return {
    geometry: { ...g, dims: d as unknown as readonly [number, number, number], originLps },
    data,
  };
}

const model = await loadManifest(modelDir);
const raw = await readBratsCase(caseDir);
const vols = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, centre(v)])) as Record<
  ModelSlot,
  Volume
>;
const input = preprocess(vols, model.manifest);
const all = 0b1111;
const run = async (provider: 'cpu' | 'webgpu') => {
  const runner = await createModelRunner(model, { provider });
  const t0 = performance.now();
  try {
    const r = await runTiles({ runner, input, manifest: model.manifest, subsets: [all] });
    return {
      probs: r.probs[0],
      tiles: r.tiles,
      ms: performance.now() - t0,
      provider: runner.provider,
      attempts: runner.attempts,
    };
  } finally {
    await runner.release();
  }
};
const cpu = await run('cpu');
const gpu = await run('webgpu');
let maxAbsDiff = 0;
for (let x = 0; x < cpu.probs.length; x++)
  maxAbsDiff = Math.max(maxAbsDiff, Math.abs(cpu.probs[x] - gpu.probs[x]));
process.stdout.write(
  JSON.stringify({
    provider: gpu.provider,
    attempts: gpu.attempts,
    maxAbsDiff,
    tiles: gpu.tiles,
    padded: input.padded,
    cpuMs: cpu.ms,
    webgpuMs: gpu.ms,
  }) + '\n',
);
