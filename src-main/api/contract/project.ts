/**
 * Contract: research annotation projects — a folder of cases, readers, a worklist, background
 * model runs, one review session per reader and case, agreement, consensus and batch export.
 * Types only from core (`import type`).
 */
import { z } from 'zod';
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

const projectId = z.string().regex(/^[0-9a-f-]{36}$/, 'projectId is not a project id');
const caseId = z
  .string()
  .min(1)
  .refine((s) => !/[/\\]/.test(s) && !s.startsWith('.'), 'caseId is not a case folder name');
const reader = z.string().trim().min(1, 'reader is required').max(200);
const settings = z
  .object({ showModelMask: z.boolean(), showContributions: z.boolean() })
  .partial()
  .strict();

/** Methods of the project part of the api. */
export const projectMethods = {
  createProject: method<ProjectRecord>()(
    z
      .object({
        folder: z.string().min(1, 'folder is required'),
        name: z.string().max(200).default(''),
        readers: z.array(reader).max(100).default([]),
        settings: settings.default({}),
      })
      .strict(),
    'Creates a project from a folder whose sub-folders are cases.',
  ),
  listProjects: method<ProjectListDto>()(z.object({}).strict(), 'Lists the projects.'),
  updateProject: method<ProjectRecord>()(
    z
      .object({
        projectId,
        name: z.string().min(1).max(200).optional(),
        readers: z.array(reader).max(100).optional(),
        settings: settings.optional(),
      })
      .strict(),
    'Renames a project, sets its readers or its settings (blinded modes).',
  ),
  getWorklist: method<Worklist>()(
    z.object({ projectId }).strict(),
    'The worklist: every case with its sequences, model status and each reader’s progress.',
  ),
  runProjectModel: method<ProjectRunDto>()(
    z.object({ projectId, retryFailed: z.boolean().default(false) }).strict(),
    'Runs the model over the project’s cases in the background (one at a time; resumable).',
  ),
  projectRunStatus: method<ProjectRunDto>()(
    z.object({ projectId }).strict(),
    'Whether the background model run is going, and on which case.',
  ),
  cancelProjectModel: method<ProjectRunDto>()(
    z.object({ projectId }).strict(),
    'Stops the background model run after cancelling the case in progress.',
  ),
  startAnnotation: method<AnnotationDto>()(
    z.object({ projectId, caseId, reader }).strict(),
    'Opens the reader’s session of a case, creating it from the model’s mask (or an empty one when blinded).',
  ),
  startConsensus: method<AnnotationDto>()(
    z
      .object({
        projectId,
        caseId,
        reader,
        method: z.enum(['reader', 'majority', 'staple']),
        /** With method "reader": whose mask to start from. */
        fromReader: reader.optional(),
      })
      .strict(),
    'Starts a consensus session from one reader’s mask, a majority vote or STAPLE of the readers.',
  ),
  importAnnotation: method<AnnotationDto>()(
    z.object({ projectId, caseId, reader, file: z.string().min(1, 'file is required') }).strict(),
    'Imports an existing mask (NIfTI labelmap or DICOM SEG, BraTS labels) as an annotation of a case.',
  ),
  projectAgreement: method<readonly CaseAgreement[]>()(
    z.object({ projectId, caseId: caseId.optional() }).strict(),
    'Dice and volume difference per region between every pair of readers and the model.',
  ),
  exportProject: method<ExportProjectResult>()(
    z
      .object({
        projectId,
        outDir: z.string().min(1, 'outDir is required'),
        /** NIfTI labelmaps, DICOM SEG (DICOM cases only; a NIfTI case says so), or both. */
        format: z.enum(['nifti', 'seg', 'both']).default('nifti'),
        /** readers: <reader>/<case>/…; brats: the training layout (images + one label per case). */
        layout: z.enum(['readers', 'brats']).default('readers'),
        /** brats layout: whose annotation becomes the case's label file. */
        reader: reader.optional(),
      })
      .strict(),
    'Writes every signed-off annotation (NIfTI <case>_seg.nii.gz and/or DICOM SEG) plus annotations.tsv; layout brats writes what `npm run train -- --data DIR` reads.',
  ),
} as const;
