/**
 * Contract: running the model, jobs, contributions. Owner: the inference work (issue 4).
 * Types only from core (`import type`). A segmentation is a job: `startSegmentation` returns its
 * id at once and progress arrives as `job.progress` events (stage "preprocess" / "inference",
 * tiles done / total), then one `job.finished`. The labelmap stays in the service's result store;
 * `getLabelmap` hands it out, `saveSegmentation` writes it (NIfTI) with report.json.
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { ModelSlot } from '../../core/enums/SequenceLabel.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';
import type { RegionDice, EvaluationRow } from '../../core/model/Manifest.ts';
import type { LabelVolumes } from '../../core/metrics/regions.ts';
import type { ContributionReadout } from '../../core/contributions/contributions.ts';
import type { ProviderAttempt } from '../../core/inference/providers.ts';
import type { SegmentTimings } from '../../core/inference/segmentStudy.ts';
import type { PreparationRecord } from '../../core/prepare/types.ts';
import { PREP_MODE_CHOICES, PROVIDER_CHOICES } from './choices.ts';

/** The literal choices live in choices.ts (no zod there: the CLI parses options with them). */
export { PREP_MODE_CHOICES, PROVIDER_CHOICES };

const SLOTS = ['flair', 't1', 't1ce', 't2'] as const satisfies readonly ModelSlot[];
const jobIdParams = z.strictObject({
  jobId: z.string().check(z.minLength(1, 'jobId is required')),
});

/** Which model ran. */
export interface ModelRefDto {
  readonly name: string;
  readonly version: string;
  readonly sha256: { readonly encoder: string; readonly decoder: string };
}

/** The series behind one slot. */
export interface SlotInputDto {
  readonly seriesId: string;
  readonly description: string;
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
}

/** Expected accuracy: the manifest's validation row for the sequences used. */
export interface ExpectedAccuracyDto {
  readonly modalities: readonly ModelSlot[];
  readonly dice: RegionDice;
  readonly protocol: string;
  /** Number of validation cases behind the numbers. */
  readonly cases: number;
}

/** A finished segmentation. */
export interface SegmentationResultDto {
  readonly jobId: string;
  readonly studyId: string;
  readonly sourcePath: string;
  /** Series per slot that the model used (null: missing or not used). */
  readonly inputs: Readonly<Record<ModelSlot, SlotInputDto | null>>;
  readonly usedSequences: readonly ModelSlot[];
  readonly missingSequences: readonly ModelSlot[];
  /** The series whose grid the labelmap is on. */
  readonly referenceSeriesId: string;
  readonly referenceSlot: ModelSlot;
  /** Volumes in mL on the reference grid. */
  readonly volumesMl: LabelVolumes;
  readonly contributions?: ContributionReadout;
  readonly expectedAccuracy: ExpectedAccuracyDto | null;
  readonly provider: string;
  readonly providerAttempts: readonly ProviderAttempt[];
  readonly model: ModelRefDto;
  readonly timings: SegmentTimings;
  readonly tiles: number;
  readonly warnings: readonly string[];
  /** Id for getLabelmap / saveSegmentation (the job id). */
  readonly labelmapId: string;
  /** Label values and their meaning. */
  readonly labels: Readonly<Record<'1' | '2' | '4', string>>;
  /**
   * The preparation stage (issue 10): mode, decision and reasons, every registration (matrix +
   * elastix parameters + similarity before/after), the brain mask, per-stage times, warnings.
   */
  readonly preparation?: PreparationRecord;
}

/** State of a job. */
export interface JobStatusDto {
  readonly jobId: string;
  readonly status: 'running' | 'done' | 'error' | 'cancelled';
  readonly stage?: string;
  readonly done?: number;
  readonly total?: number;
  readonly error?: { readonly code: string; readonly message: string; readonly file?: string };
  readonly result?: SegmentationResultDto;
}

/** The labelmap: geometry plus uint8 labels (0/1/2/4), i-fastest, base64. */
export interface LabelmapDto {
  readonly jobId: string;
  readonly geometry: Geometry;
  readonly encoding: 'uint8-base64';
  readonly data: string;
}

/** What saveSegmentation wrote. */
export interface SavedSegmentationDto {
  readonly labelmapPath: string;
  readonly reportPath: string;
}

/** The model as the app shows it. */
export interface ModelInfoDto {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly method: string;
  readonly manifestPath: string;
  readonly modalities: readonly ModelSlot[];
  readonly spacingMm: readonly [number, number, number];
  readonly patchSize: readonly [number, number, number];
  readonly sha256: { readonly encoder: string; readonly decoder: string };
  /** Learned global importance α per slot (labelled as such in the UI). */
  readonly importance: Readonly<Record<ModelSlot, number>>;
  readonly evaluation: {
    readonly protocol: string;
    readonly cases: readonly string[];
    readonly rows: readonly EvaluationRow[];
    readonly mean: RegionDice;
  };
}

const startParams = z.strictObject({
  studyId: z.string().check(z.minLength(1, 'studyId is required')),
  provider: z._default(z.enum(PROVIDER_CHOICES), 'auto'),
  /** Restrict to these present sequences (study missing-sequence cases on complete data). */
  sequences: z.optional(z.array(z.enum(SLOTS)).check(z.minLength(1))),
  contributions: z._default(z.boolean(), false),
  /** Raw-study preparation: auto (when needed), off, force. */
  prep: z._default(z.enum(PREP_MODE_CHOICES), 'auto'),
  /** Model folder (default: the shipped models/metakd-brats, or $METAKD_MODEL). */
  modelDir: z.optional(z.string().check(z.minLength(1))),
});

/** Methods of the inference part of the api. */
export const inferenceMethods = {
  startSegmentation: method<{ readonly jobId: string }>()(
    () => startParams,
    'Starts segmenting an imported study in a worker; progress arrives as job events.',
  ),
  prewarmSegmentation: method<{ readonly started: boolean }>()(
    () =>
      z.strictObject({
        provider: z._default(z.enum(PROVIDER_CHOICES), 'auto'),
        modelDir: z.optional(z.string().check(z.minLength(1))),
      }),
    'Starts the segmentation worker and opens the model sessions for this provider ahead of a ' +
      'job (e.g. while the study imports); a failure surfaces in the job that needs them.',
  ),
  awaitSegmentation: method<SegmentationResultDto>()(
    () => jobIdParams,
    'Waits for a segmentation job to end; returns its result or rejects with its error.',
  ),
  getSegmentation: method<JobStatusDto>()(
    () => jobIdParams,
    'Returns the state (and result) of a segmentation job.',
  ),
  cancelJob: method<{ readonly cancelled: boolean }>()(
    () => jobIdParams,
    'Cancels a running job (it stops within one tile); false when it had already ended.',
  ),
  getLabelmap: method<LabelmapDto>()(() => jobIdParams, 'Returns the labelmap of a finished job.'),
  saveSegmentation: method<SavedSegmentationDto>()(
    () =>
      z.strictObject({
        jobId: z.string().check(z.minLength(1)),
        outDir: z.string().check(z.minLength(1)),
        /** Extra report fields from the caller (e.g. the CLI's import timing). */
        reportExtra: z.optional(z.record(z.string(), z.unknown())),
        /**
         * Leave source paths and DICOM UIDs out of report.json (issue 12). Without it paths are
         * written relative to the study (its folder name, then the path inside it).
         */
        anonymiseProvenance: z.optional(z.boolean()),
      }),
    'Writes labelmap.nii.gz (reference series geometry) and report.json; atomic.',
  ),
  getModelInfo: method<ModelInfoDto>()(
    () => z.strictObject({ modelDir: z.optional(z.string().check(z.minLength(1))) }),
    'Returns the model manifest summary: name, version, sha, importance α, evaluation table.',
  ),
} as const;
