/**
 * Sliding-window inference with Gaussian weighting (MODEL_PIPELINE.md §8–§9). Per tile, every
 * present modality is encoded once (one batched encoder call); the cached encodings are then
 * decoded for each requested subset of modalities (batched decoder calls). With one subset (the
 * present set) this is a plain segmentation; with all non-empty subsets it is the contribution
 * readout at the cost of the extra decoder batch only.
 */
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';
import type { Vec3 } from '../volume/Geometry.ts';
import type { ModelManifest } from '../model/Manifest.ts';
import type { PreparedInput } from '../preprocess/preprocess.ts';
import { patchIjk } from '../preprocess/preprocess.ts';
import type { FeatureLevel, ModelRunner } from './modelRunner.ts';
import { gaussianImportance, tileOrigins } from './slidingWindow.ts';

/** Bytes of stacked decoder input features allowed in one decoder call. */
const DECODE_INPUT_BUDGET_BYTES = 192 * 1024 * 1024;
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

/** Features of all four slots for one tile ([1,4,C,…]); missing modalities stay zero. */
function stackModalities(feats: FeatureLevel[], presentIdx: readonly number[]): FeatureLevel[] {
  return feats.map((f) => {
    const per = f.data.length / presentIdx.length;
    const out = new Float32Array(MODALITY_COUNT * per);
    presentIdx.forEach((m, b) => out.set(f.data.subarray(b * per, (b + 1) * per), m * per));
    return { data: out, sizeKji: f.sizeKji };
  });
}

/** Repeats one stacked item `batch` times (the decoder masks by `present`). */
function repeatBatch(base: FeatureLevel[], batch: number): FeatureLevel[] {
  if (batch === 1) return base;
  return base.map((f) => {
    const out = new Float32Array(batch * f.data.length);
    for (let b = 0; b < batch; b++) out.set(f.data, b * f.data.length);
    return { data: out, sizeKji: f.sizeKji };
  });
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
  const g = gaussianImportance(p, manifest.inference.gaussianSigmaScale);
  const origins = tileOrigins(padded, p, manifest.inference.overlap);
  const acc = subsets.map(() => new Float32Array(OUTPUT_CHANNELS * nPad));
  const wsum = new Float32Array(nPad);
  const images = new Float32Array(presentIdx.length * nPatch);
  let encodeMs = 0;
  let decodeMs = 0;
  let chunk = subsets.length;
  for (let t = 0; t < origins.length; t++) {
    throwIfCancelled(signal);
    const o = origins[t];
    presentIdx.forEach((m, b) =>
      extractPatch(input.channels[m] as Float32Array, padded, o, p, images, b * nPatch),
    );
    const t0 = performance.now();
    const base = stackModalities(
      await params.runner.encode(images, presentIdx.length, pKji),
      presentIdx,
    );
    const t1 = performance.now();
    encodeMs += t1 - t0;
    if (t === 0) {
      const itemBytes = base.reduce((a, f) => a + f.data.byteLength, 0);
      chunk = Math.max(
        1,
        Math.min(subsets.length, Math.floor(DECODE_INPUT_BUDGET_BYTES / itemBytes)),
      );
    }
    for (let s0 = 0; s0 < subsets.length; s0 += chunk) {
      const batch = Math.min(chunk, subsets.length - s0);
      const present = new Float32Array(batch * MODALITY_COUNT);
      for (let b = 0; b < batch; b++) {
        for (let m = 0; m < MODALITY_COUNT; m++)
          present[b * MODALITY_COUNT + m] = (subsets[s0 + b] >> m) & 1;
      }
      const probs = await runner.decode(repeatBatch(base, batch), present, batch, pKji);
      for (let b = 0; b < batch; b++)
        accumulate(acc[s0 + b], probs, b * OUTPUT_CHANNELS * nPatch, g, padded, o, p);
    }
    decodeMs += performance.now() - t1;
    let q = 0;
    for (let k = 0; k < p[2]; k++) {
      for (let j = 0; j < p[1]; j++) {
        const row = o[0] + padded[0] * (o[1] + j + padded[1] * (o[2] + k));
        for (let i = 0; i < p[0]; i++, q++) wsum[row + i] += g[q];
      }
    }
    params.onTile?.(t + 1, origins.length);
  }
  for (const a of acc) {
    for (let c = 0; c < OUTPUT_CHANNELS; c++) {
      for (let x = 0; x < nPad; x++) a[c * nPad + x] /= wsum[x];
    }
  }
  return { probs: acc, tiles: origins.length, encodeMs, decodeMs };
}
