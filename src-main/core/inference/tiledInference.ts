/**
 * Sliding-window inference with Gaussian weighting (MODEL_PIPELINE.md §8–§9). Per tile, every
 * present modality is encoded once, one encoder call each (batch 1), its features written straight
 * into that modality's slot of the decoder input; the cached encodings are then
 * decoded for each requested subset of modalities, one decoder call per subset on the same
 * stacked features (only `present` changes). With one subset (the present set) this is a plain
 * segmentation; with all non-empty subsets it is the contribution readout at the cost of the extra
 * decoder calls only. One subset per call, not a batch: on CPU (onnxruntime-node 1.30, the shipped
 * model, 2 cores) a batch of 3 took 486 ms per subset against 318 ms one at a time, and a batch of
 * 15 pushed the peak RSS past 2 GB; one at a time also needs no repeated copy of the features.
 * The encoder likewise runs one modality at a time: the features are bit-identical to a batch of
 * four, and on this 2-core CPU (Brats18_2013_20_1-sized patch, fresh process, 3 runs) the four
 * encodings took 1089–1184 ms against 1208–1326 ms as one batch, at 289 MB peak RSS against 481
 * MB: a batch of four's activations are four times as large and fresh memory costs page faults.
 */
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';
import type { Vec3 } from '../volume/Geometry.ts';
import type { ModelManifest } from '../model/Manifest.ts';
import type { PreparedInput } from '../preprocess/preprocess.ts';
import { patchIjk } from '../preprocess/preprocess.ts';
import type { FeatureLevel, ModelRunner } from './modelRunner.ts';
import { cachedGaussianImportance, tileOrigins } from './slidingWindow.ts';

const MODALITY_COUNT = 4;
const OUTPUT_CHANNELS = 3;

/** Parameters of runTiles. */
export interface TileParams {
  readonly runner: ModelRunner;
  readonly input: PreparedInput;
  readonly manifest: ModelManifest;
  /** Modality subsets to decode, as bit masks over the manifest order (bit m = modality m). */
  readonly subsets: readonly number[];
  readonly signal?: AbortSignal;
  /** Called after each tile. */
  readonly onTile?: (done: number, total: number) => void;
}

/** Result of runTiles. */
export interface TileResult {
  /** Per subset: Gaussian-averaged probabilities [3 × padded voxels], channels as the manifest. */
  readonly probs: Float32Array[];
  readonly tiles: number;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

/** Copies the patch at `o` (size p) of a padded volume into `dst` at `offset`. */
function extractPatch(
  src: Float32Array,
  padded: Vec3,
  o: Vec3,
  p: Vec3,
  dst: Float32Array,
  offset: number,
): void {
  if (o[0] === 0 && o[1] === 0 && p[0] === padded[0] && p[1] === padded[1]) {
    // Whole slices (the usual single tile): one contiguous block, one copy.
    const s = padded[0] * padded[1] * o[2];
    dst.set(src.subarray(s, s + p[0] * p[1] * p[2]), offset);
    return;
  }
  let d = offset;
  for (let k = 0; k < p[2]; k++) {
    for (let j = 0; j < p[1]; j++) {
      const s = o[0] + padded[0] * (o[1] + j + padded[1] * (o[2] + k));
      dst.set(src.subarray(s, s + p[0]), d);
      d += p[0];
    }
  }
}

/** acc[c] += g·probs[c] over the patch at `o`; probs is [3 × patch] starting at `pOff`. */
function accumulate(
  acc: Float32Array,
  probs: Float32Array,
  pOff: number,
  g: Float32Array,
  padded: Vec3,
  o: Vec3,
  p: Vec3,
): void {
  const nPad = padded[0] * padded[1] * padded[2];
  const nPatch = p[0] * p[1] * p[2];
  for (let c = 0; c < OUTPUT_CHANNELS; c++) {
    let q = 0;
    for (let k = 0; k < p[2]; k++) {
      for (let j = 0; j < p[1]; j++) {
        const row = c * nPad + o[0] + padded[0] * (o[1] + j + padded[1] * (o[2] + k));
        const src = pOff + c * nPatch;
        for (let i = 0; i < p[0]; i++, q++) acc[row + i] += g[q] * probs[src + q];
      }
    }
  }
}

/**
 * The four-slot decoder input ([1,4,C,…] per level) shaped like one modality's features `f`, with
 * `f` in slot `m`. Missing modalities' slots are never written, so they stay zero.
 */
function allocateStack(f: readonly FeatureLevel[], m: number): FeatureLevel[] {
  return f.map((level) => {
    const data = new Float32Array(MODALITY_COUNT * level.data.length);
    data.set(level.data, m * level.data.length);
    return { data, sizeKji: level.sizeKji };
  });
}

/** Slot `m` of each level of the stacked decoder input. */
function slotOf(stacked: readonly FeatureLevel[], m: number): FeatureLevel[] {
  return stacked.map((level) => {
    const per = level.data.length / MODALITY_COUNT;
    return { data: level.data.subarray(m * per, (m + 1) * per), sizeKji: level.sizeKji };
  });
}

/** acc += g over the patch at `o` (the sum of weights, to normalise at the end). */
function accumulateWeights(wsum: Float32Array, g: Float32Array, padded: Vec3, o: Vec3, p: Vec3) {
  let q = 0;
  for (let k = 0; k < p[2]; k++) {
    for (let j = 0; j < p[1]; j++) {
      const row = o[0] + padded[0] * (o[1] + j + padded[1] * (o[2] + k));
      for (let i = 0; i < p[0]; i++, q++) wsum[row + i] += g[q];
    }
  }
}

/** Runs the sliding window; returns the averaged probabilities for each subset. */
export async function runTiles(params: TileParams): Promise<TileResult> {
  const { runner, input, manifest, subsets, signal } = params;
  const p = patchIjk(manifest);
  const pKji: Vec3 = [p[2], p[1], p[0]];
  const padded = input.padded;
  const nPad = padded[0] * padded[1] * padded[2];
  const nPatch = p[0] * p[1] * p[2];
  const presentIdx = input.present.flatMap((ok, m) => (ok ? [m] : []));
  const presentMask = presentIdx.reduce((a, m) => a | (1 << m), 0);
  for (const s of subsets) {
    if (s === 0 || (s & ~presentMask) !== 0) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `subset ${s} is empty or uses a missing modality.`,
      );
    }
  }
  const g = cachedGaussianImportance(p, manifest.inference.gaussianSigmaScale);
  const origins = tileOrigins(padded, p, manifest.inference.overlap);
  const acc = subsets.map(() => new Float32Array(OUTPUT_CHANNELS * nPad));
  const wsum = new Float32Array(nPad);
  const image = new Float32Array(nPatch);
  let encodeMs = 0;
  let decodeMs = 0;
  let stacked: FeatureLevel[] | undefined;
  const present = new Float32Array(MODALITY_COUNT);
  for (let t = 0; t < origins.length; t++) {
    throwIfCancelled(signal);
    const o = origins[t];
    const t0 = performance.now();
    for (const m of presentIdx) {
      if (m !== presentIdx[0]) throwIfCancelled(signal);
      extractPatch(input.channels[m] as Float32Array, padded, o, p, image, 0);
      if (!stacked) {
        stacked = allocateStack(await runner.encode(image, 1, pKji), m);
        continue;
      }
      const slot = slotOf(stacked, m);
      const feats = await runner.encode(image, 1, pKji, slot);
      feats.forEach((f, l) => f.data !== slot[l].data && slot[l].data.set(f.data));
    }
    const t1 = performance.now();
    encodeMs += t1 - t0;
    for (let x = 0; x < subsets.length; x++) {
      // A contribution readout decodes up to 15 subsets per tile: let a cancel land between them.
      if (x > 0) throwIfCancelled(signal);
      for (let m = 0; m < MODALITY_COUNT; m++) present[m] = (subsets[x] >> m) & 1;
      const probs = await runner.decode(stacked as FeatureLevel[], present, 1, pKji);
      accumulate(acc[x], probs, 0, g, padded, o, p);
    }
    decodeMs += performance.now() - t1;
    accumulateWeights(wsum, g, padded, o, p);
    params.onTile?.(t + 1, origins.length);
  }
  for (const a of acc) {
    for (let c = 0; c < OUTPUT_CHANNELS; c++) {
      for (let x = 0; x < nPad; x++) a[c * nPad + x] /= wsum[x];
    }
  }
  return { probs: acc, tiles: origins.length, encodeMs, decodeMs };
}
