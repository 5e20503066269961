/**
 * Brain extraction for raw studies (issue 10): MindGrab (brainchop, MIT; Masoud, Hu & Plis 2023,
 * JOSS 8(83) 5098) converted to ONNX (models/mindgrab/convert.py), run with onnxruntime-node on
 * the tumour model's provider choice. Conform → network → argmax → largest component → back to
 * the input's own grid (nearest). Orchestration; the steps live in ./brain/.
 *
 * Working resolution. The network is fully convolutional (25 dilated 3×3×3 convolutions,
 * receptive field 311 voxels) with instance normalisation over the whole crop after every layer,
 * so it can neither be tiled with a halo (the halo would be the whole crop, and the norm's
 * statistics are global) nor made cheaper per voxel on a CPU; the lever is the voxel count.
 * Measured on TCGA-FG-6692's raw T1ce (bench/brain-extraction.bench.ts, results in
 * bench/results/brain-extraction.md; CPU = user+system seconds, 2 onnxruntime threads; Dice
 * against the mask on brainchop's own 1 mm grid):
 *   1 mm    69.0 s CPU, 1511 MB peak RSS, 1663 mL              (brainchop's grid)
 *   1.5 mm  21.8 s CPU,  511 MB, Dice 0.960, 1761 mL           ← default
 *   1.75 mm 13.5 s CPU,  373 MB, Dice 0.926, 1835 mL
 *   2 mm     9.3 s CPU,  302 MB, Dice 0.889, 2012 mL  (the mask grows outwards by ≈ 1 voxel)
 * A smaller crop margin changes the instance-norm statistics and costs more than it saves
 * (1.5 mm with 10 mm: Dice 0.942; with 0 mm: 0.879). Of the grids tried, 1.5 mm is the coarsest
 * that keeps Dice ≥ 0.95. Wall times were not measurable on the shared bench machine (2 cores,
 * load average ≈ 20): the CPU seconds are the figures to plan with.
 */
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';
import type { ProviderAttempt, ProviderChoice, ProviderName } from '../inference/providers.ts';
import { resampleNearest } from '../preprocess/resample.ts';
import type { Geometry, Vec3 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import {
  CROP_MARGIN_MM,
  conformGeometry,
  conformUint8,
  cropBox,
  normalisedBox,
  uint8Quantiles,
  type BoxIJK,
} from './brain/conform.ts';
import { argmaxMask, keepLargestComponent, uncropMask } from './brain/postprocess.ts';
import { defaultBrainModelDir, loadBrainModel } from './brain/run.ts';
import { runInWorker } from './brain/runInWorker.ts';

/** Working resolution (mm) when none is given: see the module header and the bench table. */
export const DEFAULT_WORKING_SPACING_MM = 1.5;

/** Steps reported through onProgress. */
const STEPS = 3;

/**
 * Mask volumes outside this band (mL) get a warning. Adult intracranial volumes lie roughly
 * within 1100–1900 mL; the band is wider so that only a mask that is clearly wrong (partial head
 * coverage, lost tissue, scalp or neck included) or a non-adult head is flagged.
 */
export const PLAUSIBLE_BRAIN_ML: readonly [number, number] = [800, 2000];

/** Inputs of extractBrain. */
export interface BrainExtractionParams {
  /** Any native series (LPS geometry, any orientation/spacing). */
  readonly volume: Volume;
  /** Model folder (default: <repo>/models/mindgrab, or $METAKD_MODELS/mindgrab). */
  readonly modelDir?: string;
  /** Execution provider: "auto" (default) or a forced one; same rules as the tumour model. */
  readonly provider?: ProviderChoice;
  /** onnxruntime intra-op threads (default: its own choice). */
  readonly threads?: number;
  /**
   * Cancels the stage: checked between steps, and during the network the promise rejects at once
   * (the network pass itself finishes in the background; see brain/runInWorker.ts).
   */
  readonly signal?: AbortSignal;
  /**
   * Progress: the step starting ("conform", "inference", "postprocess") and the steps done of
   * 3, monotonic over the whole stage (conform 0/3, inference 1/3, postprocess 2/3, then 3/3).
   */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
  /**
   * Resolution (mm) the network runs at; default DEFAULT_WORKING_SPACING_MM. 1 is brainchop's
   * own grid (≈ 8× slower on a CPU).
   */
  readonly workingSpacingMm?: number;
  /** Margin (mm) around brainchop's 0.5 × max box; default CROP_MARGIN_MM (its 20 voxels). */
  readonly cropMarginMm?: number;
  /**
   * Called once the network has been handed to its worker thread: from then on the caller's
   * thread is free for other work (prepareStudy co-registers the other series meanwhile).
   */
  readonly onStarted?: () => void;
}

/** What extractBrain returns. */
export interface BrainExtractionResult {
  /** Uint8Array 0/1 on the INPUT volume's own geometry. */
  readonly mask: Volume;
  /** Mask volume in mL on the input grid. */
  readonly volumeMl: number;
  /** The provider that ran the network. */
  readonly provider: ProviderName;
  /** Every provider tried, in order, and why it was or was not used. */
  readonly attempts: readonly ProviderAttempt[];
  /** Milliseconds per step (inference includes loading the model and the provider self-test). */
  readonly timings: {
    readonly conformMs: number;
    readonly inferenceMs: number;
    readonly postprocessMs: number;
    readonly totalMs: number;
  };
  /** The resolution the network ran at (mm). */
  readonly workingSpacingMm: number;
  /** E.g. a mask volume outside PLAUSIBLE_BRAIN_ML. An empty mask is an error instead. */
  readonly warnings: readonly string[];
}

function noBrain(message: string): MetaKdError {
  return new MetaKdError(
    ErrorCode.BrainMaskEmpty,
    `Brain extraction found no brain: ${message} Check that the series is a head MRI ` +
      '(not a localizer or a non-brain volume).',
  );
}

/** Step 1: conform, normalise, crop. */
function prepareInput(
  volume: Volume,
  spacing: number,
  marginMm: number,
): { grid: Geometry; box: BoxIJK; input: Float32Array } {
  const grid = conformGeometry(volume.geometry, spacing);
  const u8 = conformUint8(volume, grid);
  const norm = uint8Quantiles(u8);
  if (!(norm.qmax > norm.qmin)) {
    throw noBrain('the image has too little signal inside a 256 mm field of view.');
  }
  const box = cropBox(u8, grid.dims, norm, Math.round(marginMm / spacing));
  if (!box) throw noBrain('no voxel is brighter than half of the maximum.');
  return { grid, box, input: normalisedBox(u8, grid.dims, box, norm) };
}

function warningsFor(volumeMl: number): string[] {
  const [lo, hi] = PLAUSIBLE_BRAIN_ML;
  if (volumeMl >= lo && volumeMl <= hi) return [];
  const why =
    volumeMl < lo
      ? 'the series may not cover the whole brain, or brain tissue was left out'
      : 'scalp, skull or neck may be included';
  return [
    `Brain mask volume ${volumeMl.toFixed(0)} mL is outside ${lo}–${hi} mL, a band wider than ` +
      `adult intracranial volumes: ${why}. Check the mask outline before trusting the result.`,
  ];
}

/** Extracts the brain of one series; the mask lies on the series' own grid. */
export async function extractBrain(p: BrainExtractionParams): Promise<BrainExtractionResult> {
  const spacing = p.workingSpacingMm ?? DEFAULT_WORKING_SPACING_MM;
  if (!(spacing >= 0.5 && spacing <= 4)) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `working spacing ${spacing} mm is not in 0.5–4.`,
    );
  }
  const progress = p.onProgress ?? ((): void => undefined);
  const t0 = performance.now();
  throwIfCancelled(p.signal);
  progress('conform', 0, STEPS);
  const { grid, box, input } = prepareInput(p.volume, spacing, p.cropMarginMm ?? CROP_MARGIN_MM);
  const t1 = performance.now();

  throwIfCancelled(p.signal);
  progress('inference', 1, STEPS);
  const model = await loadBrainModel(p.modelDir ?? defaultBrainModelDir());
  const sizeKji: Vec3 = [box.hi[2] - box.lo[2], box.hi[1] - box.lo[1], box.hi[0] - box.lo[0]];
  const n = input.length; // the buffer is transferred to the worker
  const running = runInWorker(
    { model, provider: p.provider ?? 'auto', threads: p.threads, input, sizeKji },
    p.signal,
  );
  p.onStarted?.();
  const ran = await running;
  const logits = ran.logits;
  const t2 = performance.now();

  throwIfCancelled(p.signal);
  progress('postprocess', 2, STEPS);
  const boxDims: Vec3 = [sizeKji[2], sizeKji[1], sizeKji[0]];
  const boxMask = argmaxMask(logits, n);
  if (keepLargestComponent(boxMask, boxDims) === 0) {
    throw noBrain('the network labelled no voxel as brain.');
  }
  const onGrid: Volume = { geometry: grid, data: uncropMask(boxMask, box, grid.dims) };
  const data = resampleNearest(onGrid, p.volume.geometry);
  let count = 0;
  for (let v = 0; v < data.length; v++) count += data[v];
  if (count === 0) throw noBrain('the mask does not overlap the series’ own grid.');
  const [sx, sy, sz] = p.volume.geometry.spacing;
  const volumeMl = (count * sx * sy * sz) / 1000;
  progress('postprocess', STEPS, STEPS);
  const t3 = performance.now();
  return {
    mask: { geometry: p.volume.geometry, data },
    volumeMl,
    provider: ran.provider,
    attempts: ran.attempts,
    timings: { conformMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2, totalMs: t3 - t0 },
    workingSpacingMm: spacing,
    warnings: warningsFor(volumeMl),
  };
}
