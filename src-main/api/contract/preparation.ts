/**
 * Contract: the raw-study preparation (issue 10). At import: whether the study will be prepared
 * (co-registration, brain extraction, BraTS-space alignment) and why — the same decision
 * `startSegmentation` with `prep: 'auto'` takes on the same assigned series. After a run, for a job
 * or a stored review session: what the preparation did, and the volumes the reader checks it with
 * (brain mask, each co-registered series) on the reference series' native grid.
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { ModelSlot } from '../../core/enums/SequenceLabel.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';
import type { PreparationRecord, PrepReason } from '../../core/prepare/types.ts';
import type { ViewerVoxelType } from './viewer.ts';

/** What `auto` would do with the study's currently assigned series. */
export interface PreparationDecisionDto {
  readonly studyId: string;
  /** True: `auto` prepares the study; false: it is used as is (BraTS-space input). */
  readonly needed: boolean;
  /** Why it is needed (empty when not). */
  readonly reasons: readonly PrepReason[];
  /** The assigned slots the decision looked at. */
  readonly slots: readonly ModelSlot[];
}

/** What a finished job / stored session recorded of its preparation, and what can be checked. */
export interface PreparationCheckDto {
  /** The record (null: the run predates issue 10 or the session was stored without it). */
  readonly preparation: PreparationRecord | null;
  readonly studyId: string;
  /** The series whose native grid the labelmap, the brain mask and the check volumes are on. */
  readonly referenceSeriesId: string;
  /** True when the brain mask was kept (the outline can be shown). */
  readonly brainMask: boolean;
  /** Co-registered series that can be checked against the reference (reference excluded). */
  readonly checkSlots: readonly ModelSlot[];
}

/** One check volume on the reference's native grid (binary result, as getSeriesVolume). */
export interface PreparationVolumeDto {
  readonly layer: 'brainMask' | ModelSlot;
  readonly geometry: Geometry;
  readonly dataType: ViewerVoxelType;
  /** Robust display window (brain mask: 0..1). */
  readonly window: { readonly center: number; readonly width: number };
  /** Voxels, i fastest, in `dataType`. */
  readonly data: ArrayBuffer;
}

const SLOTS = ['flair', 't1', 't1ce', 't2'] as const satisfies readonly ModelSlot[];
/** A finished job or a stored review session: exactly one of the two. */
const source = {
  jobId: z.optional(z.string().check(z.minLength(1, 'jobId must not be empty'))),
  sessionId: z.optional(z.uuid('sessionId must be a session id (UUID)')),
};
const oneSource = (p: { jobId?: string; sessionId?: string }) => !p.jobId !== !p.sessionId;
const ONE_SOURCE = { message: 'give exactly one of jobId or sessionId' };

/** Methods of the preparation part of the api. */
export const preparationMethods = {
  getPreparationDecision: method<PreparationDecisionDto>()(
    () => z.strictObject({ studyId: z.string().check(z.minLength(1, 'studyId is required')) }),
    'Whether an imported study needs preparation (prep auto) and why, on its assigned series.',
  ),
  getPreparationCheck: method<PreparationCheckDto>()(
    () => z.strictObject(source).check(z.refine(oneSource, ONE_SOURCE)),
    'What the preparation of a finished job or stored session did, and which checks it offers.',
  ),
  getPreparationVolume: method<PreparationVolumeDto>()(
    () =>
      z
        .strictObject({
          ...source,
          /** The brain mask, or a co-registered series resampled onto the reference grid. */
          layer: z.enum(['brainMask', ...SLOTS], {
            error: 'layer must be brainMask, flair, t1, t1ce or t2',
          }),
        })
        .check(z.refine(oneSource, ONE_SOURCE)),
    'The brain mask or a co-registered series on the reference series’ native grid (NOT_FOUND when the study was not prepared).',
  ),
} as const;
