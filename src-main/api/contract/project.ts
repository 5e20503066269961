/**
 * Contract: research annotation projects — a folder of cases, readers, a worklist, background
 * model runs, one review session per reader and case, agreement, consensus and batch export.
 * Types only from core (`import type`).
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { ProjectRecord } from '../../core/projects/projectTypes.ts';
import type { BrokenProject } from '../../core/projects/ProjectStore.ts';
import type { Worklist } from '../../core/projects/worklist.ts';
import type { CaseAgreement } from '../../core/projects/agreement.ts';
import type { ExportProjectResult } from '../../core/projects/exportProject.ts';
import type { SessionDto } from './session.ts';

export type {
  ProjectRecord as ProjectDto,
  Worklist as WorklistDto,
  CaseAgreement as CaseAgreementDto,
  ExportProjectResult as ProjectExportDto,
};

/** Result of listProjects. */
export interface ProjectListDto {
  readonly projects: readonly ProjectRecord[];
  /** Project files that could not be read, with the reason (never hidden). */
  readonly broken: readonly BrokenProject[];
}

/** State of a project's background model runs. */
export interface ProjectRunDto {
  readonly projectId: string;
  readonly running: boolean;
  /** Case being run now. */
  readonly current?: string;
  readonly queued: number;
}

/** An annotation session and how it started. */
export interface AnnotationDto {
  readonly session: SessionDto;
  readonly origin: 'model' | 'empty' | 'imported' | 'consensus';
  /** False when an existing session of the reader was resumed. */
  readonly created: boolean;
}

const projectId = z.string().check(z.regex(/^[0-9a-f-]{36}$/, 'projectId is not a project id'));
const caseId = z.string().check(
  z.minLength(1),
  z.refine((s) => !/[/\\]/.test(s) && !s.startsWith('.'), 'caseId is not a case folder name'),
);
const reader = z.string().check(z.trim(), z.minLength(1, 'reader is required'), z.maxLength(200));
const settings = z.partial(
  z.strictObject({ showModelMask: z.boolean(), showContributions: z.boolean() }),
);

/** Methods of the project part of the api. */
export const projectMethods = {
  createProject: method<ProjectRecord>()(
    () =>
      z.strictObject({
        folder: z.string().check(z.minLength(1, 'folder is required')),
        name: z._default(z.string().check(z.maxLength(200)), ''),
        readers: z._default(z.array(reader).check(z.maxLength(100)), []),
        settings: z._default(settings, {}),
      }),
    'Creates a project from a folder whose sub-folders are cases.',
  ),
  listProjects: method<ProjectListDto>()(() => z.strictObject({}), 'Lists the projects.'),
  updateProject: method<ProjectRecord>()(
    () =>
      z.strictObject({
        projectId,
        name: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
        readers: z.optional(z.array(reader).check(z.maxLength(100))),
        settings: z.optional(settings),
      }),
    'Renames a project, sets its readers or its settings (blinded modes).',
  ),
  getWorklist: method<Worklist>()(
    () => z.strictObject({ projectId }),
    'The worklist: every case with its sequences, model status and each reader’s progress.',
  ),
  runProjectModel: method<ProjectRunDto>()(
    () => z.strictObject({ projectId, retryFailed: z._default(z.boolean(), false) }),
    'Runs the model over the project’s cases in the background (one at a time; resumable).',
  ),
  projectRunStatus: method<ProjectRunDto>()(
    () => z.strictObject({ projectId }),
    'Whether the background model run is going, and on which case.',
  ),
  cancelProjectModel: method<ProjectRunDto>()(
    () => z.strictObject({ projectId }),
    'Stops the background model run after cancelling the case in progress.',
  ),
  startAnnotation: method<AnnotationDto>()(
    () => z.strictObject({ projectId, caseId, reader }),
    'Opens the reader’s session of a case, creating it from the model’s mask (or an empty one when blinded).',
  ),
  startConsensus: method<AnnotationDto>()(
    () =>
      z.strictObject({
        projectId,
        caseId,
        reader,
        method: z.enum(['reader', 'majority', 'staple']),
        /** With method "reader": whose mask to start from. */
        fromReader: z.optional(reader),
      }),
    'Starts a consensus session from one reader’s mask, a majority vote or STAPLE of the readers.',
  ),
  importAnnotation: method<AnnotationDto>()(
    () =>
      z.strictObject({
        projectId,
        caseId,
        reader,
        file: z.string().check(z.minLength(1, 'file is required')),
      }),
    'Imports an existing mask (NIfTI labelmap or DICOM SEG, BraTS labels) as an annotation of a case.',
  ),
  projectAgreement: method<readonly CaseAgreement[]>()(
    () => z.strictObject({ projectId, caseId: z.optional(caseId) }),
    'Dice and volume difference per region between every pair of readers and the model.',
  ),
  exportProject: method<ExportProjectResult>()(
    () =>
      z.strictObject({
        projectId,
        outDir: z.string().check(z.minLength(1, 'outDir is required')),
        /** NIfTI labelmaps, DICOM SEG (DICOM cases only; a NIfTI case says so), or both. */
        format: z._default(z.enum(['nifti', 'seg', 'both']), 'nifti'),
        /** readers: <reader>/<case>/…; brats: the training layout (images + one label per case). */
        layout: z._default(z.enum(['readers', 'brats']), 'readers'),
        /** brats layout: whose annotation becomes the case's label file. */
        reader: z.optional(reader),
      }),
    'Writes every signed-off annotation (NIfTI <case>_seg.nii.gz and/or DICOM SEG) plus annotations.tsv; layout brats writes what `npm run train -- --data DIR` reads.',
  ),
} as const;
