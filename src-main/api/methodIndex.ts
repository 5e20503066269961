/**
 * Which contract group each api method belongs to, as a static list, and the lazy loaders of the
 * groups' schemas (issue 13, fast start). A one-shot CLI command uses one or two groups; loading
 * every group's zod schemas and every service at start-up cost about 30 ms of CPU per process.
 * The list is checked against the contract by the compiler (every method, no extra name) and by
 * test/unit/api/methodIndex.test.ts (each name is in its group's schema module).
 */
import type { ApiMethodName, apiMethods } from './contract.ts';
import type { MethodSpec } from './contract/method.ts';

/** The contract groups: one module under contract/ and one service under services/ each. */
export type MethodGroup =
  | 'study'
  | 'inference'
  | 'export'
  | 'session'
  | 'viewer'
  | 'dicom'
  | 'cohort'
  | 'project'
  | 'about'
  | 'preparation';

/** Every api method → its group. */
export const METHOD_GROUP = {
  ping: 'study',
  importStudy: 'study',
  getStudy: 'study',
  classifyNames: 'study',
  getSeriesThumbnail: 'study',
  setAssignment: 'study',
  startSegmentation: 'inference',
  prewarmSegmentation: 'inference',
  awaitSegmentation: 'inference',
  getSegmentation: 'inference',
  cancelJob: 'inference',
  getLabelmap: 'inference',
  saveSegmentation: 'inference',
  getModelInfo: 'inference',
  exportSeg: 'export',
  exportNifti: 'export',
  listDestinations: 'export',
  saveDestination: 'export',
  removeDestination: 'export',
  testDestination: 'export',
  send: 'export',
  outboxStatus: 'export',
  listOutbox: 'export',
  outboxRemove: 'export',
  outboxRetry: 'export',
  createSession: 'session',
  openSession: 'session',
  listSessions: 'session',
  getSessionLabelmap: 'session',
  editSession: 'session',
  undoSessionEdit: 'session',
  signOffSession: 'session',
  setSessionMeasurements: 'session',
  reopenSession: 'session',
  getSeriesVolume: 'viewer',
  makeDicomStudy: 'dicom',
  cohortSubmit: 'cohort',
  cohortStatus: 'cohort',
  cohortCollect: 'cohort',
  createProject: 'project',
  listProjects: 'project',
  updateProject: 'project',
  getWorklist: 'project',
  runProjectModel: 'project',
  projectRunStatus: 'project',
  cancelProjectModel: 'project',
  startAnnotation: 'project',
  startConsensus: 'project',
  importAnnotation: 'project',
  projectAgreement: 'project',
  exportProject: 'project',
  about: 'about',
  getPreparationDecision: 'preparation',
  getPreparationCheck: 'preparation',
  getPreparationVolume: 'preparation',
} as const satisfies { readonly [K in ApiMethodName]: MethodGroup };

/** The methods of group G. */
export type MethodsOf<G extends MethodGroup> = {
  [K in ApiMethodName]: (typeof METHOD_GROUP)[K] extends G ? K : never;
}[ApiMethodName];

/** True when `name` is a method of the contract (no module is loaded to answer). */
export function isApiMethod(name: string): name is ApiMethodName {
  return Object.hasOwn(METHOD_GROUP, name);
}

type Specs = { readonly [K in ApiMethodName]?: MethodSpec };

/** Loads one group's schemas (bundled as its own chunk, so only used groups are parsed). */
const SPEC_LOADERS: { readonly [G in MethodGroup]: () => Promise<Specs> } = {
  study: async () => (await import('./contract/study.ts')).studyMethods,
  inference: async () => (await import('./contract/inference.ts')).inferenceMethods,
  export: async () => (await import('./contract/export.ts')).exportMethods,
  session: async () => (await import('./contract/session.ts')).sessionMethods,
  viewer: async () => (await import('./contract/viewer.ts')).viewerMethods,
  dicom: async () => (await import('./contract/dicom.ts')).dicomMethods,
  cohort: async () => (await import('./contract/cohort.ts')).cohortMethods,
  project: async () => (await import('./contract/project.ts')).projectMethods,
  about: async () => (await import('./contract/about.ts')).aboutMethods,
  preparation: async () => (await import('./contract/preparation.ts')).preparationMethods,
};

const loadedSpecs = new Map<MethodGroup, Promise<Specs>>();

/** The spec (params schema) of `name`, loading its group's schemas on first use. */
export async function methodSpec<K extends ApiMethodName>(
  name: K,
): Promise<(typeof apiMethods)[K]> {
  const group: MethodGroup = METHOD_GROUP[name];
  let specs = loadedSpecs.get(group);
  if (!specs) {
    specs = SPEC_LOADERS[group]();
    loadedSpecs.set(group, specs);
  }
  const spec = (await specs)[name];
  if (!spec) throw new Error(`Api method "${name}" is missing from the ${group} contract.`);
  return spec as (typeof apiMethods)[K];
}
