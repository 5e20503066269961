/**
 * Conversion parity: models/mindgrab/model.onnx (written by models/mindgrab/convert.py) computes
 * what brainchop computes with tfjs on the original model.json + model.bin.
 *
 * The reference is tfjs itself (pure-JS CPU backend), run the way brainchop's
 * runFullVolumeInference runs it: the [k][j][i] volume transposed to (i, j, k), every layer
 * applied in turn, and instance normalisation (tf.moments over the spatial axes, eps 1e-5) after
 * every layer whose name ends in "_gn". The ONNX graph takes the same voxels i-fastest
 * ([1, 1, k, j, i]); the kernels were permuted instead of the data. A non-cubic input catches a
 * wrong axis permutation. Small (20×16×12), because tfjs's CPU backend needs ~2 ms per voxel.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/data.ts';

const SOURCE = path.resolve(repoRoot, '..', 'shared', 'models', 'mindgrab');
const ONNX = path.join(repoRoot, 'models', 'mindgrab', 'model.onnx');
const DIMS = { i: 20, j: 16, k: 12 } as const;

interface TfjsModelJson {
  modelTopology: tf.io.ModelJSON['modelTopology'];
  weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
}

/** A head-like test input: a bright ellipsoid with texture on a dark background, in 0..~2. */
function testVolume(): Float32Array {
  const { i: ni, j: nj, k: nk } = DIMS;
  const out = new Float32Array(ni * nj * nk);
  let seed = 7;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const r = ((i - 10) / 8) ** 2 + ((j - 8) / 6) ** 2 + ((k - 6) / 5) ** 2;
        out[i + ni * (j + nj * k)] = (r < 1 ? 1.2 - 0.5 * r : 0.05) + (seed / 2 ** 32) * 0.3;
      }
    }
  }
  return out;
}

/** brainchop's tfjs layer loop (runFullVolumeInference + LayerNormInPlace). Returns [k][j][i][c]. */
async function runTfjs(input: Float32Array): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const json = JSON.parse(readFileSync(path.join(SOURCE, 'model.json'), 'utf8')) as TfjsModelJson;
  const bin = readFileSync(path.join(SOURCE, 'model.bin'));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const { i: ni, j: nj, k: nk } = DIMS;
  // brainchop: slices stacked as [k, j, i], then enableTranspose → (i, j, k), channels last.
  let x = tf.tensor3d(input, [nk, nj, ni]).transpose().reshape([1, ni, nj, nk, 1]);
  for (let l = 1; l < model.layers.length; l++) {
    const layer = model.layers[l];
    const next = tf.tidy(() => {
      let y = layer.apply(x) as tf.Tensor;
      if (layer.name.endsWith('_gn')) {
        const { mean, variance } = tf.moments(y, [1, 2, 3], true);
        y = tf.mul(tf.sub(y, mean), tf.rsqrt(tf.add(variance, 1e-5)));
      }
      return y;
    });
    x.dispose();
    x = next;
  }
  // [1, i, j, k, 2] → [2, k, j, i] to match the ONNX layout.
  const out = tf.tidy(() => x.reshape([ni, nj, nk, 2]).transpose([3, 2, 1, 0]));
  const data = (await out.data()) as Float32Array;
  tf.dispose([x, out]);
  model.dispose();
  return data;
}

async function runOnnx(input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(ONNX, { executionProviders: ['cpu'] });
  try {
    const { i: ni, j: nj, k: nk } = DIMS;
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, 1, nk, nj, ni]) });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe.skipIf(!existsSync(path.join(SOURCE, 'model.bin')))(
  'MindGrab ONNX conversion matches the tfjs layers',
  () => {
    it('gives the same logits (≤ 2e-4) and the same argmax on a 20×16×12 input', async () => {
      const input = testVolume();
      const [ref, got] = await Promise.all([runTfjs(input), runOnnx(input)]);
      expect(got.length).toBe(ref.length);
      const n = ref.length / 2;
      let maxDiff = 0;
      let argmaxDiffers = 0;
      let brain = 0;
      for (let v = 0; v < n; v++) {
        maxDiff = Math.max(maxDiff, Math.abs(ref[v] - got[v]), Math.abs(ref[n + v] - got[n + v]));
        if (ref[n + v] > ref[v] !== got[n + v] > got[v]) argmaxDiffers++;
        if (ref[n + v] > ref[v]) brain++;
      }
      // float32 rounding differs between the two engines and accumulates over 25 instance-
      // normalised layers: measured 9.7e-5 on this input.
      expect(maxDiff).toBeLessThan(2e-4);
      expect(argmaxDiffers).toBe(0);
      // Non-trivial output: the comparison would be weak if one class took every voxel.
      expect(brain).toBeGreaterThan(0);
      expect(brain).toBeLessThan(n);
    });
  },
);
