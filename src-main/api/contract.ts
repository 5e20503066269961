/**
 * The one api contract (STYLE.md §4): every method name, its params schema and result type, and
 * the events. Electron IPC, the HTTP server and the CLI are generic loops over `apiMethods`; the
 * renderer imports only types from here.
 */
import { studyMethods } from './contract/study.ts';
import { inferenceMethods } from './contract/inference.ts';
import { exportMethods } from './contract/export.ts';
import { sessionMethods } from './contract/session.ts';
import { viewerMethods } from './contract/viewer.ts';
import { dicomMethods } from './contract/dicom.ts';
import { cohortMethods } from './contract/cohort.ts';
import { aboutMethods } from './contract/about.ts';
import { projectMethods } from './contract/project.ts';
import { preparationMethods } from './contract/preparation.ts';
import type { ApiOf } from './contract/method.ts';

export type {
  ApiEvent,
  ApiErrorDto,
  CallContext,
  JobProgressEvent,
  JobFinishedEvent,
} from './contract/events.ts';
export type { MethodSpec, ParamsOf, ResultOf } from './contract/method.ts';
export type {
  AssignmentDto,
  ClassificationDto,
  ClassifyNamesResultDto,
  ImportStudyResultDto,
  NameRowDto,
  SeriesRowDto,
  SkippedFileDto,
  SlotTieDto,
  StudySummaryDto,
} from './contract/study.ts';
export type { ResultInputsDto } from './contract/session.ts';

/** Every api method, keyed by name. */
export const apiMethods = {
  ...studyMethods,
  ...inferenceMethods,
  ...exportMethods,
  ...sessionMethods,
  ...viewerMethods,
  ...dicomMethods,
  ...cohortMethods,
  ...projectMethods,
  ...aboutMethods,
  ...preparationMethods,
} as const;

/** Names of the api methods. */
export type ApiMethodName = keyof typeof apiMethods;

/** The api as callers see it (renderer bridge, CLI, tests). */
export type ReviewApi = ApiOf<typeof apiMethods>;
