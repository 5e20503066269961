/**
 * Types of the preparation stage (issue 10): what it decided, what ran, every transform and the
 * quality signals. Plain data, so it crosses the worker boundary and goes into report.json as is.
 */
import type { Mat4 } from '../volume/Geometry.ts';
import type { ModelSlot } from '../enums/SequenceLabel.ts';
import type { ProviderAttempt, ProviderName } from '../inference/providers.ts';

/** `auto`: prepare when the study needs it; `off`: never; `force`: always. */
export type PrepMode = 'auto' | 'off' | 'force';

/** All modes (CLI and api validation). */
export const PREP_MODES: readonly PrepMode[] = ['auto', 'off', 'force'];

/** Why a study needs preparation (stable codes + a sentence). */
export interface PrepReason {
  readonly code: 'not-skull-stripped' | 'different-grids' | 'not-brats-space' | 'forced';
  readonly message: string;
}

/** decidePreparation's answer. */
export interface PrepDecision {
  readonly mode: PrepMode;
  readonly needed: boolean;
  /** Why it is needed (empty when not, and for `off`, which checks nothing). */
  readonly reasons: readonly PrepReason[];
}

/** Similarity of two images on the fixed image's grid (foreground of the fixed image). */
export interface Similarity {
  /** Normalised mutual information (H(A)+H(B))/H(A,B), 1 … 2. */
  readonly nmi: number;
  /** Pearson correlation of the intensities. */
  readonly correlation: number;
}

/** One elastix registration as recorded. */
export interface RegistrationRecord {
  /** What was registered to what, e.g. "FLAIR → T1ce" or "T1ce (brain) → BraTS template". */
  readonly name: string;
  /** The moving series' slot. */
  readonly slot: ModelSlot;
  readonly kind: 'rigid' | 'affine';
  /** elastix transform name and its TransformParameters / CenterOfRotationPoint. */
  readonly transform: string;
  readonly parameters: readonly number[];
  readonly centreLps: readonly number[];
  /** fixed → moving, LPS mm, row-major 4×4. */
  readonly matrix: Mat4;
  /** Rotation angle (degrees) and displacement of the brain centre (mm) the transform implies. */
  readonly rotationDeg: number;
  readonly translationMm: number;
  readonly before: Similarity;
  readonly after: Similarity;
  readonly ms: number;
  /** Kept for the final transform (false: measured, then not used — e.g. an affine that did not help). */
  readonly used: boolean;
}

/** A series left out of the model input because it could not be prepared. */
export interface ExcludedSeries {
  readonly slot: ModelSlot;
  readonly reason: string;
}

/** Brain extraction as recorded. */
export interface BrainMaskRecord {
  /** "mindgrab" (the network ran) or "nonzero" (the reference was already skull-stripped). */
  readonly method: 'mindgrab' | 'nonzero';
  readonly volumeMl: number;
  readonly provider?: ProviderName;
  readonly attempts?: readonly ProviderAttempt[];
  readonly workingSpacingMm?: number;
  readonly ms: number;
}

/**
 * Wall-clock milliseconds per preparation stage. Co-registration and brain extraction run
 * concurrently (both measured from the end of the decision), so they overlap and do not add up.
 */
export interface PrepTimings {
  readonly decideMs: number;
  readonly registrationMs: number;
  readonly brainExtractionMs: number;
  readonly alignmentMs: number;
  readonly resampleMs: number;
  readonly totalMs: number;
  /**
   * CPU time of the whole process during the stage (user + system, all threads). On a shared
   * machine this is the closer measure of what the stage costs unloaded.
   */
  readonly cpuMs: number;
}

/** The preparation part of a segmentation result / report.json. */
export interface PreparationRecord {
  readonly decision: PrepDecision;
  /** True when the stage ran (false: input passed through untouched). */
  readonly ran: boolean;
  readonly referenceSlot?: ModelSlot;
  /** Series → reference (rigid) and reference → template (rigid, affine). */
  readonly registrations: readonly RegistrationRecord[];
  /**
   * Per slot: BraTS-space point → that series' native world point (LPS, row-major 4×4), the one
   * matrix each series was resampled through.
   */
  readonly composed: Readonly<Partial<Record<ModelSlot, Mat4>>>;
  readonly brainMask?: BrainMaskRecord;
  readonly excluded: readonly ExcludedSeries[];
  readonly timings?: PrepTimings;
  readonly warnings: readonly string[];
}
