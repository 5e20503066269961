/**
 * Step 3 of the preparation: the skull-stripped reference registered to the BraTS-space template
 * (centre-of-gravity initialisation, rigid; then affine, kept only when it measurably raises the
 * similarity and keeps a plausible scale). Both images at REGISTRATION_SPACING_MM.
 */
import { SLOT_DISPLAY_NAME, type ModelSlot } from '../enums/SequenceLabel.ts';
import type { Mat4 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { REGISTRATION_SPACING_MM, fovCentre, MIN_NMI } from './coregister.ts';
import { downsampleTo } from './downsample.ts';
import { registerImages, type RegistrationOutcome } from './registration/elastix.ts';
import { similarityThrough } from './registration/similarity.ts';
import { movedVolume } from './resampleComposed.ts';
import {
  compose,
  displacementMm,
  IDENTITY4,
  linearDeterminant,
  rotationAngleDeg,
} from './transforms.ts';
import type { RegistrationRecord } from './types.ts';
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';

/** When to try the affine step. */
export type AffineChoice = 'auto' | 'never' | 'always';
/**
 * Default: rigid only. Measured on TCGA-FG-6692 (raw T1ce, MindGrab mask, this template): the
 * affine step lowered NMI with the template (1.0382 → 1.0376) and correlation (0.45 → 0.34), so
 * `auto` would drop it anyway after paying for it (≈ 12 s on two cores); `auto`/`always` remain.
 */
export const DEFAULT_AFFINE: AffineChoice = 'never';
/** The affine step must raise NMI by at least this much to be kept (`auto`). */
export const AFFINE_MIN_NMI_GAIN = 0.005;
/** An affine whose volume scale lies outside this band is not kept (head sizes of adults). */
const AFFINE_SCALE_BAND: readonly [number, number] = [0.7, 1.45];

/**
 * Rigid step to the template: levels and iterations per level. Measured (elastix CPU on a shared
 * machine; "truth": worst displacement within 60 mm of the brain centre from the true pose of
 * synthetic raw T1ce studies made from Brats18_CBICA_AQQ_1 / Brats18_2013_20_1; TCGA: worst
 * displacement from the 4 × 250 result on TCGA-FG-6692's stripped raw T1ce, NMI with the template):
 *   4 × 250  6.8 s   truth 3.76 / 3.27 mm   TCGA 0 mm,    NMI 1.0434   (elastix's default)
 *   4 × 100  3.6 s   truth 3.24 / 3.15 mm   TCGA 1.59 mm, NMI 1.0422   ← default
 *   3 × 150  2.6 s   truth 3.33 / 3.62 mm   TCGA 1.28 mm, NMI 1.0424
 *   3 × 100  2.5 s   truth 3.36 / 3.58 mm   TCGA 1.37 mm, NMI 1.0430
 *   3 × 60   2.1 s   truth 4.58 / 5.56 mm   TCGA 3.69 mm             (too few)
 * The ≈ 3 mm left is the template's (a mean of other brains), not the optimiser's: its random
 * sampler alone moves the result by 1.3–1.6 mm between these settings. 100 iterations keep the
 * four-level pyramid (capture range for a raw head pose) at 53 % of the cost.
 */
export const TEMPLATE_RESOLUTIONS = 4;
export const TEMPLATE_ITERATIONS = 100;

/** Parameters of alignToTemplate. */
export interface AlignParams {
  /** The template on the BraTS grid. */
  readonly template: Volume;
  /** The reference series with everything outside the brain set to 0, native grid. */
  readonly strippedReference: Volume;
  readonly referenceSlot: ModelSlot;
  readonly affine?: AffineChoice;
  /** Multi-resolution levels of the rigid step (default TEMPLATE_RESOLUTIONS). */
  readonly resolutions?: number;
  /** Iterations per level of the rigid step (default TEMPLATE_ITERATIONS). */
  readonly iterations?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** Result: BraTS world → reference world, and the records of each step. */
export interface AlignResult {
  readonly bratsToReference: Mat4;
  readonly records: RegistrationRecord[];
}

function recordOf(
  name: string,
  slot: ModelSlot,
  kind: 'rigid' | 'affine',
  reg: RegistrationOutcome,
  sims: Pick<RegistrationRecord, 'before' | 'after'>,
  total: Mat4,
  centre: readonly [number, number, number],
): RegistrationRecord {
  return {
    name,
    slot,
    kind,
    transform: reg.transform,
    parameters: reg.parameters,
    centreLps: reg.centre,
    matrix: total,
    rotationDeg: rotationAngleDeg(total),
    translationMm: displacementMm(total, centre),
    ...sims,
    ms: reg.elapsedMs,
    used: true,
  };
}

/** Registers the stripped reference to the template. Throws RegistrationFailed when it fails. */
export async function alignToTemplate(p: AlignParams): Promise<AlignResult> {
  const fixed = downsampleTo(p.template, REGISTRATION_SPACING_MM);
  const moving = downsampleTo(p.strippedReference, REGISTRATION_SPACING_MM);
  const refName = SLOT_DISPLAY_NAME[p.referenceSlot];
  const label = `${refName} (brain) → BraTS template`;
  const centre = fovCentre(p.template);
  const choice = p.affine ?? DEFAULT_AFFINE;
  const steps = choice === 'never' ? 1 : 2;
  p.onProgress?.('align', 0, steps);
  const rigid = await registerImages({
    fixed,
    moving,
    kind: 'rigid',
    centreOfGravity: true,
    resolutions: p.resolutions ?? TEMPLATE_RESOLUTIONS,
    iterations: p.iterations ?? TEMPLATE_ITERATIONS,
    label: refName,
    signal: p.signal,
  });
  const rigidSims = {
    before: similarityThrough(fixed, moving, IDENTITY4),
    after: similarityThrough(fixed, moving, rigid.matrix),
  };
  if (rigidSims.after.nmi < MIN_NMI) {
    throw new MetaKdError(
      ErrorCode.RegistrationFailed,
      `${refName}: alignment to BraTS space failed (NMI ${rigidSims.after.nmi.toFixed(3)} with ` +
        'the template); is the reference series a brain MRI?',
    );
  }
  const records = [
    recordOf(label, p.referenceSlot, 'rigid', rigid, rigidSims, rigid.matrix, centre),
  ];
  p.onProgress?.('align', 1, steps);
  if (choice === 'never') return { bratsToReference: rigid.matrix, records };
  throwIfCancelled(p.signal);
  // The affine step starts where the rigid one ended: the moving image's header is moved by the
  // rigid transform, so the affine A maps template → rigidly aligned space; total = rigid ∘ A.
  const aligned = movedVolume(moving, rigid.matrix);
  const aff = await registerImages({
    fixed,
    moving: aligned,
    kind: 'affine',
    resolutions: 3,
    label: refName,
    signal: p.signal,
  });
  const total = compose(aff.matrix, rigid.matrix);
  const affSims = { before: rigidSims.after, after: similarityThrough(fixed, moving, total) };
  const det = linearDeterminant(total);
  const helps =
    affSims.after.nmi - rigidSims.after.nmi >= AFFINE_MIN_NMI_GAIN &&
    det >= AFFINE_SCALE_BAND[0] &&
    det <= AFFINE_SCALE_BAND[1];
  const use = choice === 'always' || helps;
  records.push({
    ...recordOf(label, p.referenceSlot, 'affine', aff, affSims, total, centre),
    used: use,
  });
  p.onProgress?.('align', 2, steps);
  return { bratsToReference: use ? total : rigid.matrix, records };
}
