/**
 * Research annotation projects: a folder of cases, its readers and settings, and what happened to
 * each case (model run, one review session per reader). Plain data, stored as JSON in the app's
 * data folder.
 */
import type { CaseAgreement } from './agreement.ts';

/** Format tag of project.json. */
export const PROJECT_FORMAT = 'metakd-project/1';

/** What readers see, for reader studies. */
export interface ProjectSettings {
  /** Readers start from the model's mask (false: from an empty mask, annotating from scratch). */
  readonly showModelMask: boolean;
  /** Readers see the per-sequence contribution readout. */
  readonly showContributions: boolean;
}

/** One case: a sub-folder of the project's folder (a DICOM or NIfTI study, as import takes it). */
export interface ProjectCase {
  /** Folder name; unique within the project. */
  readonly id: string;
  /** Absolute path of the case folder. */
  readonly path: string;
  readonly addedAt: string;
}

/** project.json. */
export interface ProjectRecord {
  readonly format: typeof PROJECT_FORMAT;
  readonly id: string;
  readonly name: string;
  /** Folder the cases were taken from. */
  readonly folder: string;
  readonly cases: readonly ProjectCase[];
  /** Reader names, in the order the worklist shows them. */
  readonly readers: readonly string[];
  readonly settings: ProjectSettings;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Where the model stands on a case. */
export type ModelStatus = 'queued' | 'running' | 'done' | 'failed';

/** The model's run on a case (output in the case folder: labelmap.nii.gz + report.json). */
export interface CaseModelState {
  readonly status: ModelStatus;
  readonly finishedAt?: string;
  /** MetaKdError code and message of a failed import or run. */
  readonly error?: { readonly code: string; readonly message: string };
  /** Slots present in the case (known once imported). */
  readonly present?: readonly string[];
  readonly modelVersion?: string;
}

/** One reader's annotation of a case: a review session. */
export interface CaseAnnotation {
  readonly reader: string;
  readonly sessionId: string;
  /** How it started: from the model's mask, an empty mask, an imported mask or a consensus. */
  readonly origin: 'model' | 'empty' | 'imported' | 'consensus';
  readonly startedAt: string;
}

/** case.json: everything that happened to one case. */
export interface CaseRecord {
  readonly caseId: string;
  readonly model: CaseModelState;
  readonly annotations: readonly CaseAnnotation[];
  /** Last computed agreement between the case's annotations (and the model). */
  readonly agreement?: CaseAgreement;
}
