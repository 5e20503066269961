/**
 * Contract: review sessions (edits, sign-off, autosave, audit trail). Owner: the review app
 * (issue 5). Types only from core (`import type`).
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { SessionRecord } from '../../core/sessions/types.ts';
import type { ResultInputs } from '../../core/sessions/resultInputs.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';
import type { LabelVolumes } from '../../core/metrics/regions.ts';

/** Tumour volumes in millilitres (NCR, ED, ET, TC = NCR+ET, WT = all), from the current labelmap. */
export type SessionVolumesMl = LabelVolumes;

/** A session as the api returns it: the stored record plus current volumes. */
export interface SessionDto extends SessionRecord {
  readonly volumesMl: SessionVolumesMl;
}

/**
 * Series id per slot a result was computed from, or a slot holds now (null: none). Staleness is
 * core's `staleMessage(inputs, assignment)` (core/sessions/resultInputs.ts); the renderer's
 * integrity.ts keeps a copy of that comparison over this type.
 */
export type ResultInputsDto = ResultInputs;

/** A labelmap as bytes (binary result: `data` travels raw over HTTP, as an ArrayBuffer over IPC). */
export interface LabelmapDto {
  readonly sessionId: string;
  readonly geometry: Geometry;
  readonly dataType: 'uint8';
  /** One byte per voxel, i fastest: 0 background, 1 NCR, 2 ED, 4 ET. */
  readonly data: ArrayBuffer;
  /** When a box was asked for: its inclusive voxel corners; `data` holds that block only. */
  readonly box?: LabelmapBox;
}

/** An inclusive block of voxel indices (i, j, k). */
export interface LabelmapBox {
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
}

const sessionId = z.uuid('sessionId must be a session id (UUID)');
const reader = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, 'reader name is required'),
    z.maxLength(100, 'reader name is longer than 100 characters'),
  );
const voxelIndex = z.int('voxel indices are whole numbers').check(z.gte(0));

const tumourLabel = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(4)], {
  error: 'label must be 0 (erase), 1 (NCR), 2 (ED) or 4 (ET)',
});
const voxel = z.tuple([voxelIndex, voxelIndex, voxelIndex]);
/** Brush radius range in mm (core/sessions/paintSphere.ts enforces the same). */
const BRUSH_RADIUS = { min: 0.5, max: 30 } as const;
/** Most dab centres in one stroke (core's MAX_STROKE_CENTRES). */
const MAX_STROKE_CENTRES = 2000;
const brush = {
  radiusMm: z
    .number()
    .check(
      z.gte(BRUSH_RADIUS.min, `radiusMm must be at least ${BRUSH_RADIUS.min} mm`),
      z.lte(BRUSH_RADIUS.max, `radiusMm must be at most ${BRUSH_RADIUS.max} mm`),
    ),
  label: tumourLabel,
  /** A plane paints a disc in that slice; null (or absent) a 3-D sphere. */
  plane: z._default(
    z.nullable(
      z.enum(['axial', 'sagittal', 'coronal'], {
        error: 'plane must be axial, sagittal, coronal or null',
      }),
    ),
    null,
  ),
};

/**
 * Reader edits: relabel or erase (toLabel 0) a connected component; paint (or erase, label 0) a
 * brush dab; or a whole mouse-drag brush stroke (one edit, one undo).
 */
export const sessionEditSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('relabelComponent'),
      seedIjk: voxel,
      toLabel: tumourLabel,
    }),
    z.strictObject({ kind: z.literal('paintSphere'), centerIjk: voxel, ...brush }),
    z.strictObject({
      kind: z.literal('paintStroke'),
      centersIjk: z
        .array(voxel)
        .check(
          z.minLength(1, 'a brush stroke needs at least one centre'),
          z.maxLength(
            MAX_STROKE_CENTRES,
            `a brush stroke has at most ${MAX_STROKE_CENTRES} centres; split it`,
          ),
        ),
      ...brush,
    }),
  ],
  { error: 'kind must be relabelComponent, paintSphere or paintStroke' },
);

const seriesOfSlot = z._default(z.nullable(z.string().check(z.minLength(1))), null);

/**
 * What the reader's screen showed when Sign off was pressed (issue 11): the session revision
 * (`updatedAt` of the SessionDto it last received) and the inputs of the result it showed
 * (`result.inputSeries`; null for a session that records none). Core refuses a sign-off of a
 * session changed since (SESSION_CONFLICT) or of a result computed for other series than the
 * study's slots hold now (SESSION_STALE).
 */
export const signOffSeenSchema = z.strictObject({
  updatedAt: z
    .string()
    .check(z.minLength(1, 'seen.updatedAt is the updatedAt of the session you looked at')),
  inputSeries: z.nullable(
    z.strictObject({ flair: seriesOfSlot, t1: seriesOfSlot, t1ce: seriesOfSlot, t2: seriesOfSlot }),
  ),
});

const pointLps = z.tuple([z.number(), z.number(), z.number()]);
/** Most measurements in one session. */
const MAX_MEASUREMENTS = 200;

/** A reader measurement: a length (2 points) or bidirectional (4 points); lengths computed by core. */
export const measurementSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(100)),
  kind: z.enum(['length', 'bidirectional'], { error: 'kind must be length or bidirectional' }),
  pointsLps: z.array(pointLps).check(z.minLength(2), z.maxLength(4)),
  seriesId: z.optional(z.string().check(z.minLength(1))),
  /** View plane normal it was drawn in (LPS), so the viewer shows it on the same plane. */
  planeNormal: z.optional(pointLps),
});

/** Methods of the session part of the api. */
export const sessionMethods = {
  createSession: method<SessionDto>()(
    () => z.strictObject({ jobId: z.string().check(z.minLength(1, 'jobId is required')), reader }),
    'Opens a review session on a finished segmentation job (copies its labelmap; autosaved).',
  ),
  openSession: method<SessionDto>()(
    () => z.strictObject({ sessionId, reader }),
    'Reopens a stored session (after a restart or a crash) with its edits replayed.',
  ),
  listSessions: method<readonly SessionDto[]>()(
    () => z.strictObject({ studyId: z.optional(z.string().check(z.minLength(1))) }),
    'Lists stored review sessions, newest first (optionally for one study).',
  ),
  getSessionLabelmap: method<LabelmapDto>()(
    () =>
      z.strictObject({
        sessionId,
        /** Only this block (inclusive corners, clamped to the grid): what a brush stroke changed. */
        box: z.optional(z.strictObject({ min: voxel, max: voxel })),
      }),
    'Returns the session’s current labelmap (edits applied) as bytes, or one block of it.',
  ),
  editSession: method<SessionDto>()(
    () => z.strictObject({ sessionId, reader, edit: sessionEditSchema }),
    'Applies a reader edit (relabel or erase a connected component, or a brush dab or stroke) and autosaves.',
  ),
  undoSessionEdit: method<SessionDto>()(
    () => z.strictObject({ sessionId, reader }),
    'Removes the last edit.',
  ),
  signOffSession: method<SessionDto>()(
    () => z.strictObject({ sessionId, reader, seen: signOffSeenSchema }),
    'Signs the reviewed segmentation off (reader name and time go into the audit trail); refused when the session changed since `seen` or its result is stale.',
  ),
  setSessionMeasurements: method<SessionDto>()(
    () =>
      z.strictObject({
        sessionId,
        reader,
        measurements: z.array(measurementSchema).check(z.maxLength(MAX_MEASUREMENTS)),
      }),
    'Replaces the reader’s length and bidirectional measurements of a session (autosaved, audited).',
  ),
  reopenSession: method<SessionDto>()(
    () => z.strictObject({ sessionId, reader }),
    'Withdraws a sign-off so the segmentation can be edited again.',
  ),
} as const;
