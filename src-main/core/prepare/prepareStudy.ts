/**
 * The preparation stage (issue 10): raw study → BraTS-space model input, and the way back.
 * decide → co-register every series to the reference → brain mask of the reference → align the
 * stripped reference to the BraTS template → compose and resample every series ONCE from its
 * native grid into BraTS space (trilinear), mask. The labels come back to the reference's native
 * grid with labelsToNative (nearest, inverse transform). BraTS-space input passes through untouched.
 */
import { SLOT_DISPLAY_NAME, type ModelSlot } from '../enums/SequenceLabel.ts';
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';
import type { ProviderChoice } from '../inference/providers.ts';
import { chooseReferenceSlot } from '../preprocess/modelGrid.ts';
import { looksSkullStripped } from '../preprocess/inputChecks.ts';
import { voxelCount, type Geometry, type Mat4 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import type { BrainExtractionParams, BrainExtractionResult } from './brainExtraction.ts';
import { alignToTemplate, type AffineChoice } from './alignToTemplate.ts';
import { BRATS_GRID } from './bratsSpace.ts';
import { coregister } from './coregister.ts';
import { decidePreparation } from './decidePreparation.ts';
import {
  maskBox,
  resampleMaskInsideThrough,
  resampleNearestThrough,
  resampleTrilinearThroughBox,
} from './resampleComposed.ts';
import { loadTemplate } from './template.ts';
import { compose, invert } from './transforms.ts';
import type { BrainMaskRecord, PrepMode, PreparationRecord } from './types.ts';

/** A skull-stripped reference with fewer non-zero mL than this holds no brain. */
const MIN_BRAIN_ML = 100;

/** The brain extractor (injectable: tests pass a fake, the default loads MindGrab). */
export type BrainExtractor = (p: BrainExtractionParams) => Promise<BrainExtractionResult>;

/** Parameters of prepareStudy. */
export interface PrepareParams {
  /** Assigned native volumes per slot. */
  readonly volumes: Partial<Record<ModelSlot, Volume>>;
  /** Slot order for the reference choice (the manifest's modalities). */
  readonly order: readonly ModelSlot[];
  readonly mode: PrepMode;
  /** Template folder (default models/brats-template). */
  readonly templateDir?: string;
  /** Brain-extraction model folder (default models/mindgrab). */
  readonly brainModelDir?: string;
  readonly provider?: ProviderChoice;
  readonly threads?: number;
  /** Affine step after the rigid one (default 'never': on TCGA-FG-6692 it lowered NMI, see alignToTemplate). */
  readonly affine?: AffineChoice;
  readonly extractBrain?: BrainExtractor;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** How labels on the BraTS grid go back to the reference series' grid. */
export interface WayBack {
  readonly referenceGeometry: Geometry;
  /** BraTS world → reference world. */
  readonly bratsToReference: Mat4;
  /** The reference's brain mask (native grid): no tumour label outside the brain. */
  readonly brainMask?: Volume;
}

/** What prepareStudy returns. */
export interface PreparedStudy {
  readonly record: PreparationRecord;
  /** BraTS-space volumes (or the input itself when the stage did not run). */
  readonly volumes: Partial<Record<ModelSlot, Volume>>;
  /** Present when the stage ran. */
  readonly back?: WayBack;
  /** The brain mask on the reference's native grid (uint8 0/1), when the stage ran. */
  readonly brainMask?: Volume;
}

/**
 * Labels on the BraTS grid → the reference's native grid (nearest, through the inverse), zero
 * outside the brain mask.
 */
export function labelsToNative(labels: Volume, back: WayBack): Volume {
  const data = resampleNearestThrough(
    labels,
    invert(back.bratsToReference),
    back.referenceGeometry,
  );
  const mask = back.brainMask?.data;
  if (mask) for (let x = 0; x < data.length; x++) if (!mask[x]) data[x] = 0;
  return { geometry: back.referenceGeometry, data };
}

/** The reference: T1ce when present (the series the BraTS pipeline registers to), else the finest. */
export function preparationReference(
  volumes: Partial<Record<ModelSlot, Volume>>,
  order: readonly ModelSlot[],
): ModelSlot {
  if (volumes.t1ce) return 't1ce';
  const geoms: Partial<Record<ModelSlot, Geometry>> = {};
  for (const s of order) if (volumes[s]) geoms[s] = (volumes[s] as Volume).geometry;
  return chooseReferenceSlot(geoms, order);
}

async function defaultExtractor(p: BrainExtractionParams): Promise<BrainExtractionResult> {
  const { extractBrain } = await import('./brainExtraction.ts');
  return extractBrain(p);
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function mlOf(mask: Volume): number {
  let n = 0;
  for (let x = 0; x < mask.data.length; x++) if (mask.data[x]) n++;
  const s = mask.geometry.spacing;
  return (n * s[0] * s[1] * s[2]) / 1000;
}

/** Step 2: the reference's brain mask (MindGrab, or its non-zero voxels when already stripped). */
async function brainMaskOf(
  p: PrepareParams,
  ref: Volume,
  slot: ModelSlot,
  warnings: string[],
  onStarted: () => void,
): Promise<{ mask: Volume; record: BrainMaskRecord }> {
  const t0 = performance.now();
  if (looksSkullStripped(ref)) {
    const data = new Uint8Array(voxelCount(ref.geometry));
    for (let x = 0; x < data.length; x++) data[x] = ref.data[x] > 0 ? 1 : 0;
    const mask = { geometry: ref.geometry, data };
    const volumeMl = mlOf(mask);
    if (volumeMl < MIN_BRAIN_ML) {
      throw new MetaKdError(
        ErrorCode.BrainMaskEmpty,
        `${SLOT_DISPLAY_NAME[slot]}: only ${volumeMl.toFixed(0)} mL of non-zero voxels; this is ` +
          'not a brain series, so the study cannot be aligned to BraTS space.',
      );
    }
    return { mask, record: { method: 'nonzero', volumeMl, ms: performance.now() - t0 } };
  }
  const r = await (p.extractBrain ?? defaultExtractor)({
    volume: ref,
    modelDir: p.brainModelDir,
    provider: p.provider,
    threads: p.threads,
    signal: p.signal,
    onProgress: (_stage, done, total) => p.onProgress?.('brain-extraction', done, total),
    onStarted,
  });
  warnings.push(...r.warnings);
  return {
    mask: r.mask,
    record: {
      method: 'mindgrab',
      volumeMl: r.volumeMl,
      provider: r.provider,
      attempts: r.attempts,
      workingSpacingMm: r.workingSpacingMm,
      ms: performance.now() - t0,
    },
  };
}

function stripped(v: Volume, mask: Volume): Volume {
  const data = new Float32Array(v.data.length);
  for (let x = 0; x < data.length; x++) data[x] = mask.data[x] ? v.data[x] : 0;
  return { geometry: v.geometry, data };
}

/** Runs the preparation stage (or passes the study through when it is not needed). */
export async function prepareStudy(p: PrepareParams): Promise<PreparedStudy> {
  const t0 = performance.now();
  const decision = decidePreparation(p.volumes, p.mode);
  const tDecide = performance.now();
  if (!decision.needed) {
    return {
      volumes: p.volumes,
      record: { decision, ran: false, registrations: [], composed: {}, excluded: [], warnings: [] },
    };
  }
  const cpu0 = process.cpuUsage();
  const referenceSlot = preparationReference(p.volumes, p.order);
  const ref = p.volumes[referenceSlot] as Volume;
  // The reference's brain mask does not depend on the co-registrations: the network runs in its
  // worker thread (onnxruntime, the costliest step) while elastix registers the other series in
  // its own worker (registration/elastixInWorker.ts), so on two cores the two overlap; the
  // template alignment starts as soon as the mask is there, beside any co-registration still
  // running. Co-registration starts once the network has been handed over (conforming the
  // reference for the network runs on this thread first).
  const brainWarnings: string[] = [];
  const template = loadTemplate(p.templateDir); // read while the other steps run
  template.catch(() => undefined); // awaited below
  let brainMs = 0;
  let markStarted = (): void => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const brainRun = brainMaskOf(p, ref, referenceSlot, brainWarnings, markStarted).then((b) => {
    brainMs = performance.now() - tDecide;
    return b;
  });
  brainRun.catch(() => undefined); // awaited below; a co-registration error may come first
  await Promise.race([
    started,
    brainRun.then(
      () => undefined,
      () => undefined,
    ),
  ]);
  // Stops a co-registration still running when another step fails (or the user cancels).
  const coAbort = new AbortController();
  const onAbort = (): void => coAbort.abort();
  p.signal?.addEventListener('abort', onAbort, { once: true });
  let tReg = 0;
  const coRun = coregister({ ...p, referenceSlot, signal: coAbort.signal }).then((c) => {
    tReg = performance.now();
    return c;
  });
  coRun.catch(() => undefined); // awaited below; the brain mask or the alignment may fail first
  let co: Awaited<typeof coRun>;
  let brain: Awaited<typeof brainRun>;
  let align: Awaited<ReturnType<typeof alignToTemplate>>;
  let tBrain: number;
  let tAlign: number;
  try {
    brain = await brainRun;
    tBrain = performance.now();
    throwIfCancelled(p.signal);
    align = await alignToTemplate({
      template: await template,
      strippedReference: stripped(ref, brain.mask),
      referenceSlot,
      affine: p.affine,
      signal: p.signal,
      onProgress: p.onProgress,
    });
    tAlign = performance.now();
    co = await coRun;
  } catch (e) {
    coAbort.abort();
    throw e;
  } finally {
    p.signal?.removeEventListener('abort', onAbort);
  }
  const warnings = [...co.warnings, ...brainWarnings];
  throwIfCancelled(p.signal);
  // A stripped reference's non-zero region: only voxels wholly inside it (no dark rim of
  // interpolation with the background; resampleComposed.ts says why). MindGrab's mask cuts
  // through tissue, so nearest neighbour keeps its edge where it is.
  const maskBrats =
    brain.record.method === 'nonzero'
      ? resampleMaskInsideThrough(brain.mask, align.bratsToReference, BRATS_GRID)
      : resampleNearestThrough(brain.mask, align.bratsToReference, BRATS_GRID);
  const volumes: Partial<Record<ModelSlot, Volume>> = {};
  const composed: Partial<Record<ModelSlot, Mat4>> = {};
  const slots = Object.keys(co.toSeries) as ModelSlot[];
  const box = maskBox(maskBrats, BRATS_GRID.dims);
  for (const [n, slot] of slots.entries()) {
    p.onProgress?.('resample', n, slots.length);
    throwIfCancelled(p.signal);
    const pull = compose(align.bratsToReference, co.toSeries[slot] as Mat4);
    const data = box
      ? resampleTrilinearThroughBox(p.volumes[slot] as Volume, pull, BRATS_GRID, box)
      : new Float32Array(maskBrats.length);
    for (let x = 0; x < data.length; x++) if (!maskBrats[x]) data[x] = 0;
    volumes[slot] = { geometry: BRATS_GRID, data };
    composed[slot] = pull;
  }
  p.onProgress?.('resample', slots.length, slots.length);
  const tEnd = performance.now();
  return {
    volumes,
    back: {
      referenceGeometry: ref.geometry,
      bratsToReference: align.bratsToReference,
      brainMask: brain.mask,
    },
    brainMask: brain.mask,
    record: {
      decision,
      ran: true,
      referenceSlot,
      registrations: [...co.records, ...align.records],
      composed,
      brainMask: brain.record,
      excluded: co.excluded,
      timings: {
        decideMs: tDecide - t0,
        registrationMs: tReg - tDecide,
        brainExtractionMs: brainMs,
        alignmentMs: tAlign - tBrain,
        resampleMs: tEnd - Math.max(tAlign, tReg),
        totalMs: tEnd - t0,
        cpuMs: cpuMsSince(cpu0),
      },
      warnings,
    },
  };
}

/** A one-line summary for logs: what ran, on which reference. */
export function preparationSummary(r: PreparationRecord): string {
  if (!r.ran) return `preparation not run (${r.decision.mode})`;
  const ref = r.referenceSlot ? SLOT_DISPLAY_NAME[r.referenceSlot] : '?';
  return `prepared on ${ref}: ${r.registrations.filter((x) => x.used).length} registrations, brain ${r.brainMask?.volumeMl.toFixed(0)} mL`;
}
