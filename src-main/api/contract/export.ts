/**
 * Contract: DICOM SEG / NIfTI export, PACS destinations, outbox. Owner: the export work (issue 6).
 * Types only from core (`import type`); params are validated here, where data enters main.
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { Destination } from '../../core/export/pacs/Destination.ts';
import type { OutboxItem, ProcessResult } from '../../core/export/outbox/Outbox.ts';
import type { ExportCaseResult } from '../../core/export/exportCase.ts';

/** Provenance fields a caller may set for a labelmap file (the rest come from its sidecar). */
const provenanceParams = z.strictObject({
  algorithm: z.optional(z.string().check(z.minLength(1))),
  modelName: z.optional(z.string()),
  modelVersion: z.optional(z.string()),
  modelSha256: z.optional(z.string()),
  provider: z.optional(z.string()),
  editedBy: z.optional(z.string()),
});

/** Common params of the two export methods: exactly one labelmap source. */
const exportParams = z
  .strictObject({
    /** A finished segmentation job: the engine's labelmap and provenance (AUTOMATIC). */
    jobId: z.optional(z.string().check(z.minLength(1))),
    /** A review session: its current labelmap (SEMIAUTOMATIC once edited). */
    sessionId: z.optional(z.uuid('sessionId must be a session id (UUID)')),
    /** A labelmap NIfTI file (0/1/2/4) on any grid; needs studyPath. */
    labelsPath: z.optional(z.string().check(z.minLength(1))),
    /** Study folder or file (DICOM or NIfTI) for labelsPath; jobs and sessions use the imported study. */
    studyPath: z.optional(z.string().check(z.minLength(1))),
    /**
     * Source series: id, SeriesInstanceUID or SeriesDescription. Default: the segmentation's
     * reference series (jobId, sessionId), else chosen automatically (labelsPath).
     */
    series: z.optional(z.string()),
    /** Output folder (default <dataDir>/exports). */
    outDir: z.optional(z.string()),
    /** labelsPath only: a person edited the mask (SEG: SEMIAUTOMATIC). Default: from its sidecar. */
    edited: z.optional(z.boolean()),
    provenance: z.optional(provenanceParams),
    /**
     * NIfTI: remove paths and DICOM UIDs from the sidecar (for masks that leave the site). Default:
     * settings.json `export.anonymiseProvenance`, else false. A SEG keeps its UIDs (it needs them).
     */
    anonymiseProvenance: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((p, ctx) => {
      const sources = [p.jobId, p.sessionId, p.labelsPath].filter((x) => x !== undefined).length;
      if (sources !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'give exactly one labelmap source: jobId, sessionId or labelsPath',
        });
      }
      if (p.labelsPath !== undefined && p.studyPath === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['studyPath'],
          message: 'labelsPath needs studyPath',
        });
      }
      if (p.labelsPath === undefined && p.studyPath !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['studyPath'],
          message: 'studyPath goes with labelsPath; a job or session uses its imported study',
        });
      }
      if (p.labelsPath === undefined && p.provenance !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['provenance'],
          message: 'provenance goes with labelsPath; a job or session brings its own',
        });
      }
      if (p.labelsPath === undefined && p.edited !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['edited'],
          message: 'edited goes with labelsPath; a job is unedited and a session knows its edits',
        });
      }
    }),
  );

const aeTitle = z.string().check(z.minLength(1), z.maxLength(16));

/** A destination as the caller writes it (core re-validates before saving). */
const destinationParams = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('dimse'),
    name: z.string().check(z.minLength(1), z.maxLength(64)),
    calledAeTitle: aeTitle,
    callingAeTitle: z.optional(aeTitle),
    host: z.string().check(z.minLength(1)),
    port: z.int().check(z.gte(1), z.lte(65535)),
    timeoutMs: z.optional(z.int().check(z.positive())),
  }),
  z.strictObject({
    kind: z.literal('dicomweb'),
    name: z.string().check(z.minLength(1), z.maxLength(64)),
    baseUrl: z.string().check(z.minLength(1)),
    auth: z.optional(
      z.discriminatedUnion('type', [
        z.object({ type: z.literal('none') }),
        z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }),
        z.object({ type: z.literal('bearer'), token: z.string().check(z.minLength(1)) }),
      ]),
    ),
    tls: z.optional(
      z.object({ rejectUnauthorized: z.optional(z.boolean()), caFile: z.optional(z.string()) }),
    ),
    timeoutMs: z.optional(z.int().check(z.positive())),
  }),
]);

/** What an export wrote (the core result with a summary of the provenance). */
export interface ExportResultDto extends Omit<ExportCaseResult, 'provenance'> {
  /** SegmentAlgorithmType written / recorded. */
  readonly algorithmType: 'AUTOMATIC' | 'SEMIAUTOMATIC';
  /** Where the labelmap came from. */
  readonly labelSource: 'job' | 'session' | 'file';
  /** The provenance written into the SEG / sidecar. */
  readonly provenance: {
    readonly algorithm: string;
    readonly modelName: string;
    readonly modelVersion: string;
    readonly modelSha256: string;
    readonly provider: string;
    readonly editedByHuman: boolean;
    readonly editedBy?: string;
    /** The engine's warnings about the exported result (also in the NIfTI sidecar). */
    readonly warnings?: readonly string[];
    readonly sequencesUsed?: readonly string[];
  };
}

/** Result of a send: queued in the outbox, and whether the destination confirmed it already. */
export interface SendResultDto {
  readonly outboxId: string;
  readonly delivered: boolean;
  readonly instances: number;
  /** Why it is still in the outbox (it will be retried). */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * One export in the outbox as the outbox view shows it: waiting for its first try (pending),
 * waiting for a retry after a failure (failed, with the last error), parked, or confirmed by the
 * destination (delivered; kept as a short history).
 */
export interface OutboxEntryDto {
  readonly id: string;
  /** Destination name. */
  readonly destination: string;
  /** parked: refused permanently PARK_AFTER times in a row (lastError says why); a retry un-parks it. */
  readonly state: 'pending' | 'failed' | 'parked' | 'delivered';
  /** ISO time it was queued. */
  readonly createdAt: string;
  /** Delivery attempts so far. */
  readonly attempts: number;
  /** DICOM instances in the item. */
  readonly instances: number;
  /** Instances the destination has confirmed. */
  readonly confirmed: number;
  /** ISO time of the next automatic retry (pending, failed). */
  readonly nextAttemptAt?: string;
  /** ISO time the destination confirmed the last instance (delivered). */
  readonly deliveredAt?: string;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
}

/** Methods of the export part of the api. */
export const exportMethods = {
  exportSeg: method<ExportResultDto>()(
    () => exportParams,
    'Writes a DICOM SEG of a labelmap (a finished job, a review session or a NIfTI file) on a DICOM source series.',
  ),
  exportNifti: method<ExportResultDto>()(
    () => exportParams,
    'Writes a labelmap (a finished job, a review session or a NIfTI file) as a NIfTI mask (labels 1/2/4) in the source series’ geometry, with a provenance sidecar.',
  ),
  listDestinations: method<readonly Destination[]>()(
    () => z.strictObject({}),
    'Lists the configured PACS destinations (secrets masked).',
  ),
  saveDestination: method<Destination>()(
    () =>
      z.strictObject({
        destination: destinationParams,
        /**
         * Name of the destination this one replaces (an edit that renames it). A secret sent back
         * as the masked value listDestinations shows keeps the stored secret.
         */
        replaces: z.optional(z.string().check(z.minLength(1))),
      }),
    'Adds or replaces (by name) a PACS destination; a masked secret keeps the stored one.',
  ),
  removeDestination: method<{ readonly removed: boolean }>()(
    () => z.strictObject({ name: z.string().check(z.minLength(1)) }),
    'Removes a PACS destination.',
  ),
  testDestination: method<{ readonly ok: true; readonly ms: number }>()(
    () => z.strictObject({ name: z.string().check(z.minLength(1)) }),
    'Tests a destination: C-ECHO (DIMSE) or a QIDO-RS query (DICOMweb).',
  ),
  send: method<SendResultDto>()(
    () =>
      z.strictObject({
        files: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
        to: z.string().check(z.minLength(1)),
      }),
    'Queues DICOM files (or every DICOM file under a folder) in the outbox for a destination and tries to deliver them now.',
  ),
  outboxStatus: method<readonly OutboxItem[]>()(
    () => z.strictObject({}),
    'Lists the exports waiting in the outbox, with attempts and last error.',
  ),
  listOutbox: method<readonly OutboxEntryDto[]>()(
    () => z.strictObject({}),
    'Lists the outbox for the outbox view: pending, failed (with the last error) and recently delivered exports.',
  ),
  outboxRemove: method<{ readonly removed: boolean }>()(
    () => z.strictObject({ id: z.string().check(z.minLength(1, 'id is required')) }),
    'Removes an export from the outbox (a waiting one is then never sent) or a delivered one from its history.',
  ),
  outboxRetry: method<ProcessResult>()(
    () => z.strictObject({ id: z.optional(z.string()) }),
    'Retries delivery now: one outbox item, or all of them.',
  ),
} as const;
