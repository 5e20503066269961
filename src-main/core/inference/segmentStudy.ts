/**
 * segmentStudy: the one pipeline from assigned series to labelmap, volumes and (optionally) the
 * contribution readout. Used by the CLI and the app alike (through the api and the worker).
 * Preprocess → provider choice → sliding window → labels → back to the reference series' grid.
 */
import { ErrorCode, isMetaKdError, MetaKdError, throwIfCancelled } from '../errors.ts';
import type { Geometry } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import type { ModelSlot } from '../enums/SequenceLabel.ts';
import type { RegionDice } from '../model/Manifest.ts';
import {
  loadManifest,
  modelIdentity,
  verifyModelFiles,
  type LoadedModel,
} from '../model/loadManifest.ts';
import { preprocess, type PreparedInput } from '../preprocess/preprocess.ts';
import type { Box } from '../preprocess/cropNormalise.ts';
import { resampleNearest } from '../preprocess/resample.ts';
import { labelVolumes, type LabelVolumes } from '../metrics/regions.ts';
import {
  contributionReadout,
  expectedAccuracy,
  type ContributionReadout,
} from '../contributions/contributions.ts';
import { nonEmptySubsets } from '../contributions/shapley.ts';
import type { ModelRunner } from './modelRunner.ts';
import { freshRunnerSource, type RunnerSource } from './runnerCache.ts';
import type { ProviderAttempt, ProviderChoice, ProviderName } from './providers.ts';
import { runTiles, type TileResult } from './tiledInference.ts';
import { probsToLabels } from './labels.ts';
import { labelsToNative, prepareStudy, type PrepareParams } from '../prepare/prepareStudy.ts';
import type { PrepMode, PreparationRecord } from '../prepare/types.ts';
import { assertFiniteProbabilities } from './finiteOutput.ts';
import { checkInputs, type VolumeSurvey } from '../preprocess/inputChecks.ts';

/** Progress callback: stage name, done, total. */
export type ProgressFn = (stage: string, done: number, total: number) => void;

/** Parameters of segmentStudy. */
export interface SegmentParams {
  /** Model folder / manifest path, or an already loaded model. */
  readonly model: string | LoadedModel;
  /** The assigned series' volumes per slot (absent = missing). */
  readonly volumes: Partial<Record<ModelSlot, Volume>>;
  readonly provider?: ProviderChoice;
  /** Also compute the contribution readout. */
  readonly contributions?: boolean;
  readonly threads?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressFn;
  /**
   * Use this runner instead of creating one: no fallback, not released (tests inject faults here).
   */
  readonly runner?: ModelRunner;
  /** Where runners come from (default: fresh sessions per call; the worker passes its cache). */
  readonly runners?: RunnerSource;
  /**
   * Preparation of raw studies (issue 10): `auto` prepares when the study needs it, `force`
   * always, `off` (default here; the api and CLI default to `auto`) never.
   */
  readonly prep?: PrepMode;
  /** Preparation details (template / brain model folders, affine choice, injected extractor). */
  readonly prepareOptions?: Partial<
    Pick<PrepareParams, 'templateDir' | 'brainModelDir' | 'affine' | 'extractBrain'>
  >;
  /**
   * surveyVolume of each input volume, computed meanwhile elsewhere (the worker's caller does it
   * on its own thread while this prepares the model input). Used when the preparation left the
   * volumes as they were; it must settle, with null to have the checks computed here.
   */
  readonly inputSurveys?: Promise<Partial<Record<ModelSlot, VolumeSurvey>> | null>;
}

/**
 * How long the result waits for the caller's surveys after inference (they normally arrived long
 * before); past it the checks run here instead, so a lost message costs time, never the result.
 */
const SURVEY_WAIT_MS = 2_000;

/** `p`'s value, or null when it has not settled within `ms` (or rejected). */
async function settledOrNull<T>(p: Promise<T | null> | undefined, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([(p ?? Promise.resolve(null)).catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wall-clock milliseconds per stage. */
export interface SegmentTimings {
  readonly verifyMs: number;
  readonly preprocessMs: number;
  readonly sessionMs: number;
  readonly inferenceMs: number;
  readonly encodeMs: number;
  readonly decodeMs: number;
  readonly postprocessMs: number;
  readonly totalMs: number;
}

/** What segmentStudy returns. */
export interface SegmentResult {
  /** Labels 0/1/2/4 on the reference series' grid. */
  readonly labelmap: Volume;
  readonly referenceSlot: ModelSlot;
  /** Sequences the model ran on (manifest order). */
  readonly usedSequences: readonly ModelSlot[];
  readonly missingSequences: readonly ModelSlot[];
  /** Volumes (mL) on the reference grid. */
  readonly volumes: LabelVolumes;
  readonly provider: ProviderName;
  readonly providerAttempts: readonly ProviderAttempt[];
  readonly model: { name: string; version: string; sha256: { encoder: string; decoder: string } };
  readonly modelGrid: { geometry: Geometry; crop: Box; padded: readonly number[] };
  readonly tiles: number;
  readonly timings: SegmentTimings;
  readonly warnings: readonly string[];
  readonly expectedAccuracy: {
    modalities: readonly ModelSlot[];
    dice: RegionDice;
    protocol: string;
    cases: number;
  } | null;
  readonly contributions?: ContributionReadout;
  /** What the preparation stage decided and did (always present; `ran` false = untouched). */
  readonly preparation?: PreparationRecord;
  /** The brain mask on the reference series' native grid, when the preparation ran. */
  readonly brainMask?: Volume;
}

interface RunState {
  runner: ModelRunner;
  /** Acquired from `source` (given back at the end), as opposed to injected by the caller. */
  owned: boolean;
  /** Provider fallback warnings. */
  warnings: string[];
  sessionMs: number;
}

async function runWithFallback(
  params: SegmentParams,
  model: LoadedModel,
  input: PreparedInput,
  subsets: number[],
  state: RunState,
  source: RunnerSource,
): Promise<TileResult> {
  const run = () =>
    runTiles({
      runner: state.runner,
      input,
      manifest: model.manifest,
      subsets,
      signal: params.signal,
      onTile: (d, t) => params.onProgress?.('inference', d, t),
    });
  try {
    return await run();
  } catch (e) {
    if (isMetaKdError(e)) throw e;
    const failed = state.runner.provider;
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    const auto = (params.provider ?? 'auto') === 'auto' && state.owned;
    if (state.owned) {
      // A runner that failed mid-run is never reused (a cached one is dropped and freed).
      await source.release(state.runner, true).catch(() => undefined);
      state.owned = false;
    }
    if (!auto || failed === 'cpu') {
      throw new MetaKdError(
        ErrorCode.ProviderFailed,
        `${failed} provider failed during inference: ${msg}`,
        { file: model.decoderPath, cause: e },
      );
    }
    state.warnings.push(`${failed} provider failed during inference (${msg}); re-ran on CPU.`);
    const t0 = performance.now();
    state.runner = await source.acquire(model, { provider: 'cpu', threads: params.threads });
    state.owned = true;
    state.sessionMs += performance.now() - t0;
    return await run();
  }
}

/** Segments one study. Throws MetaKdError (NoUsableSequence, ModelChecksum, ProviderFailed, Cancelled, …). */
export async function segmentStudy(params: SegmentParams): Promise<SegmentResult> {
  const tStart = performance.now();
  const model = typeof params.model === 'string' ? await loadManifest(params.model) : params.model;
  await verifyModelFiles(model);
  const tVerify = performance.now();
  throwIfCancelled(params.signal);
  const prepared = await prepareStudy({
    volumes: params.volumes,
    order: model.manifest.modalities,
    mode: params.prep ?? 'off',
    provider: params.provider,
    threads: params.threads,
    signal: params.signal,
    onProgress: params.onProgress,
    ...params.prepareOptions,
  });
  throwIfCancelled(params.signal);
  params.onProgress?.('preprocess', 0, 1);
  // The input checks wait for the caller's surveys (never on the critical path) unless the
  // preparation replaced the volumes they describe.
  const deferChecks = params.inputSurveys !== undefined && prepared.volumes === params.volumes;
  const input = preprocess(prepared.volumes, model.manifest, { checks: !deferChecks });
  params.onProgress?.('preprocess', 1, 1);
  const tPre = performance.now();
  throwIfCancelled(params.signal);
  const source = params.runners ?? freshRunnerSource();
  const state: RunState = {
    runner:
      params.runner ??
      (await source.acquire(model, { provider: params.provider, threads: params.threads })),
    owned: !params.runner,
    warnings: [],
    sessionMs: 0,
  };
  state.sessionMs = performance.now() - tPre;
  try {
    const order = model.manifest.modalities;
    const presentMask = input.present.reduce((a, p, m) => (p ? a | (1 << m) : a), 0);
    const subsets = params.contributions ? nonEmptySubsets(presentMask) : [presentMask];
    const tInfer = performance.now();
    const tiles = await runWithFallback(params, model, input, subsets, state, source);
    assertFiniteProbabilities(tiles.probs, model.decoderPath); // issue 12: never report NaN as 0 mL
    const tPost = performance.now();
    const grid = input.modelGrid;
    const toLabels = (probs: Float32Array) =>
      probsToLabels({
        probs,
        padded: input.padded,
        crop: input.crop,
        gridDims: grid.dims,
        manifest: model.manifest,
      });
    const subsetLabels = new Map(subsets.map((s, x) => [s, toLabels(tiles.probs[x])]));
    const modelLabels = subsetLabels.get(presentMask) as Uint8Array;
    const labelmap: Volume = {
      geometry: input.referenceGeometry,
      data: resampleNearest({ geometry: grid, data: modelLabels }, input.referenceGeometry),
    };
    // Prepared studies: labels back to the reference series' native grid (issue 10).
    const native = prepared.back ? labelsToNative(labelmap, prepared.back) : labelmap;
    const used = order.filter((_, m) => input.present[m]);
    const contributions = params.contributions
      ? contributionReadout({
          manifest: model.manifest,
          presentMask,
          subsetLabels,
          mlPerVoxel: (grid.spacing[0] * grid.spacing[1] * grid.spacing[2]) / 1000,
        })
      : undefined;
    const inputWarnings = deferChecks
      ? checkInputs(
          prepared.volumes,
          order,
          model.manifest.input.spacingMm,
          (await settledOrNull(params.inputSurveys, SURVEY_WAIT_MS)) ?? {},
        )
      : input.warnings;
    const tEnd = performance.now();
    return {
      labelmap: native,
      referenceSlot: prepared.record.referenceSlot ?? input.referenceSlot,
      usedSequences: used,
      missingSequences: order.filter((_, m) => !input.present[m]),
      volumes: labelVolumes(native.data, native.geometry),
      provider: state.runner.provider,
      providerAttempts: state.runner.attempts,
      model: modelIdentity(model),
      modelGrid: { geometry: grid, crop: input.crop, padded: input.padded },
      tiles: tiles.tiles,
      timings: {
        verifyMs: tVerify - tStart,
        preprocessMs: tPre - tVerify,
        sessionMs: state.sessionMs,
        inferenceMs: tPost - tInfer,
        encodeMs: tiles.encodeMs,
        decodeMs: tiles.decodeMs,
        postprocessMs: tEnd - tPost,
        totalMs: tEnd - tStart,
      },
      warnings: [...prepared.record.warnings, ...inputWarnings, ...state.warnings],
      expectedAccuracy: expectedAccuracy(model.manifest, used),
      contributions,
      preparation: prepared.record,
      brainMask: prepared.brainMask,
    };
  } finally {
    if (state.owned) await source.release(state.runner, false);
  }
}
