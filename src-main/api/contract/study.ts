/**
 * Contract: importing studies, sequence detection and slot assignment.
 * Owner: the import/sequence work (issue 2). Types only from core (`import type`).
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { ModelSlot, SequenceLabel } from '../../core/enums/SequenceLabel.ts';
import type { SkippedFile } from '../../core/study/types.ts';

/** The four model slots (kept literal here: the contract imports only types from core). */
const SLOT_NAMES = ['flair', 't1', 't1ce', 't2'] as const satisfies readonly ModelSlot[];

/** One series as the UI and CLI show it. */
export interface SeriesRowDto {
  readonly id: string;
  readonly description: string;
  readonly protocolName?: string;
  readonly seriesNumber?: number;
  readonly source: 'dicom' | 'nifti';
  /** Number of files behind the series. */
  readonly fileCount: number;
  /** Voxel counts along i, j, k. */
  readonly dims: readonly [number, number, number];
  /** Voxel size in mm along i, j, k. */
  readonly spacing: readonly [number, number, number];
  readonly label: SequenceLabel;
  /** 0..1 */
  readonly confidence: number;
  /** Why the label, most important first. */
  readonly reasons: readonly string[];
  /** A reformat / projection / map rather than an acquisition. */
  readonly derived: boolean;
  /** Import notes (gaps, non-uniform spacing, splits). */
  readonly warnings: readonly string[];
}

/** Series that tied for a slot (the chosen one first). */
export interface SlotTieDto {
  readonly slot: ModelSlot;
  readonly seriesIds: readonly string[];
}

/** Which series fills each slot (null: missing), and why. */
export interface AssignmentDto {
  readonly studyId: string;
  readonly assignment: Readonly<Record<ModelSlot, string | null>>;
  /** Slots without a series, in display order. */
  readonly missing: readonly ModelSlot[];
  readonly ties: readonly SlotTieDto[];
  /** One sentence per slot. */
  readonly slotReasons: Readonly<Record<ModelSlot, string>>;
  /** The caller's overrides in force (empty: automatic). */
  readonly overrides: Readonly<Partial<Record<ModelSlot, string | null>>>;
}

/**
 * Patient facts for the header line, from the first DICOM file (absent for NIfTI). The renderer
 * masks the name by default; these are never logged or put into error messages.
 */
export interface PatientDto {
  readonly PatientName?: string;
  readonly PatientID?: string;
  readonly PatientSex?: string;
  readonly PatientAge?: string;
  readonly PatientBirthDate?: string;
}

/** One imported study with its series and assignment. */
export interface StudySummaryDto extends AssignmentDto {
  readonly id: string;
  /** Patient facts for the header line (DICOM only). */
  readonly patient?: PatientDto;
  readonly description?: string;
  readonly date?: string;
  /** The folder or file the study came from. */
  readonly sourcePath: string;
  readonly series: readonly SeriesRowDto[];
}

/** A file import passed over, and why. */
export type SkippedFileDto = SkippedFile;

/** Result of importStudy. */
export interface ImportStudyResultDto {
  readonly studies: readonly StudySummaryDto[];
  readonly skipped: readonly SkippedFileDto[];
  readonly warnings: readonly string[];
}

/** One classify-names row: header strings by DICOM keyword; rows sharing studyId form a study. */
const nameRowSchema = () =>
  z.strictObject({
    SeriesDescription: z.string(),
    ProtocolName: z.optional(z.string()),
    ScanningSequence: z.optional(z.string()),
    SequenceVariant: z.optional(z.string()),
    SequenceName: z.optional(z.string()),
    RepetitionTime: z.optional(z.number().check(z.nonnegative())),
    EchoTime: z.optional(z.number().check(z.nonnegative())),
    InversionTime: z.optional(z.number().check(z.nonnegative())),
    ContrastBolusAgent: z.optional(z.string()),
    ImageType: z.optional(z.array(z.string())),
    SeriesNumber: z.optional(z.int()),
    SeriesTime: z.optional(z.string()),
    Manufacturer: z.optional(z.string()),
    studyId: z.optional(z.string()),
  });

/** One classify-names row (input form). */
export type NameRowDto = z.input<ReturnType<typeof nameRowSchema>>;

/** One label decision. */
export interface ClassificationDto {
  readonly label: SequenceLabel;
  readonly confidence: number;
  readonly reasons: readonly string[];
  readonly derived: boolean;
}

/** Result of classifyNames: one classification per row, in input order. */
export interface ClassifyNamesResultDto {
  readonly results: readonly ClassificationDto[];
}

/** Most rows classifyNames takes at once (a site's protocol list is hundreds, not millions). */
const MAX_NAME_ROWS = 100_000;

/** Slot → series id (or null: force missing). Unnamed slots are chosen automatically. */
const overridesSchema = () =>
  z.strictObject(
    Object.fromEntries(
      SLOT_NAMES.map((s) => [s, z.optional(z.nullable(z.string().check(z.minLength(1))))]),
    ) as {
      [K in ModelSlot]: z.ZodMiniOptional<z.ZodMiniNullable<z.ZodMiniString>>;
    },
  );

/** A series thumbnail: the middle slice, grey, at most 96 px a side (binary result). */
export interface SeriesThumbnailDto {
  readonly seriesId: string;
  readonly width: number;
  readonly height: number;
  /** One byte per pixel, rows top to bottom (anterior up, patient's right on the left). */
  readonly data: ArrayBuffer;
}

/** Methods of the study part of the api. */
export const studyMethods = {
  ping: method<{
    readonly ok: true;
    readonly version: string;
    /** Operating system of the service (Node's process.platform): which GPU providers can exist. */
    readonly platform: string;
  }>()(
    () => z.strictObject({}),
    'Checks that the service answers; returns the app version and the platform it runs on.',
  ),
  importStudy: method<ImportStudyResultDto>()(
    () => z.strictObject({ path: z.string().check(z.minLength(1, 'path is required')) }),
    'Imports a DICOM/NIfTI file or folder, classifies its series and assigns the four slots.',
  ),
  getStudy: method<StudySummaryDto>()(
    () => z.strictObject({ studyId: z.string().check(z.minLength(1, 'studyId is required')) }),
    'Returns an imported study with its series, labels and assignment.',
  ),
  classifyNames: method<ClassifyNamesResultDto>()(
    () => z.strictObject({ rows: z.array(nameRowSchema()).check(z.maxLength(MAX_NAME_ROWS)) }),
    'Classifies header strings (no images); rows sharing studyId are judged as one study.',
  ),
  getSeriesThumbnail: method<SeriesThumbnailDto>()(
    () =>
      z.strictObject({
        studyId: z.string().check(z.minLength(1, 'studyId is required')),
        seriesId: z.string().check(z.minLength(1, 'seriesId is required')),
      }),
    'Returns a small grey thumbnail of a series’ middle slice for the series browser.',
  ),
  setAssignment: method<AssignmentDto>()(
    () =>
      z.strictObject({
        studyId: z.string().check(z.minLength(1, 'studyId is required')),
        overrides: overridesSchema(),
      }),
    'Sets the slot overrides of a study (replacing earlier ones) and returns the new assignment.',
  ),
} as const;
