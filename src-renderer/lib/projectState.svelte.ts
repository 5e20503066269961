/**
 * State of the projects view: the project list, the open project's worklist (as the api reports
 * it — rows, filters and order are derived), the background model run, and which case the reader
 * has open. Opening a case is the app's job (import + the reader's session): `onopen` does it.
 */
import type { ResultOf, ReviewApi, apiMethods } from '../../src-main/api/contract.ts';

type ProjectDto = ResultOf<(typeof apiMethods)['createProject']>;
type ProjectListDto = ResultOf<(typeof apiMethods)['listProjects']>;
type ProjectRunDto = ResultOf<(typeof apiMethods)['projectRunStatus']>;
import {
  neighbourCase,
  visibleRows,
  type WorklistDto,
  type WorklistFilter,
  type WorklistRowView,
  type WorklistSort,
} from './worklistView.ts';

/** Polling period of the worklist while the model runs in the background. */
const RUN_POLL_MS = 1000;

type ProjectApi = Pick<
  ReviewApi,
  | 'listProjects'
  | 'createProject'
  | 'getWorklist'
  | 'runProjectModel'
  | 'projectRunStatus'
  | 'cancelProjectModel'
  | 'projectAgreement'
  | 'startConsensus'
  | 'exportProject'
>;

/** The projects view's state. */
export class ProjectState {
  readonly #api: ProjectApi;
  #list = $state.raw<ProjectListDto>({ projects: [], broken: [] });
  #worklist = $state.raw<WorklistDto | null>(null);
  #run = $state.raw<ProjectRunDto | null>(null);
  /** Last error or confirmation, one line. */
  message = $state<string | null>(null);
  filter = $state<WorklistFilter>({ text: '', model: '', todoFor: '' });
  sort = $state<WorklistSort>('case');
  /** Who is annotating (one of the project's readers). */
  reader = $state('');
  /** The case open in the viewer. */
  currentCase = $state<string | null>(null);
  /**
   * The case folder and session last opened from a blinded project: the review screen offers no
   * model run (and so no model mask or contribution readout) for them. See hidesModel.
   */
  blinded = $state.raw<{ readonly path: string; sessionId: string | null } | null>(null);
  /** Export options. */
  exportFormat = $state<'nifti' | 'seg' | 'both'>('nifti');
  exportLayout = $state<'readers' | 'brats'>('readers');

  constructor(api: ProjectApi, reader: string) {
    this.#api = api;
    this.reader = reader;
  }

  get projects(): ProjectListDto {
    return this.#list;
  }
  get worklist(): WorklistDto | null {
    return this.#worklist;
  }
  get run(): ProjectRunDto | null {
    return this.#run;
  }
  /** The rows on screen, filtered and sorted. */
  readonly rows = $derived.by((): WorklistRowView[] =>
    this.#worklist ? visibleRows(this.#worklist.rows, this.filter, this.sort, this.reader) : [],
  );

  async #try<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      this.message = null;
      return await f();
    } catch (e) {
      this.message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
      return undefined;
    }
  }

  async loadProjects(): Promise<void> {
    const l = await this.#try('Could not list projects', () => this.#api.listProjects({}));
    if (l) this.#list = l;
  }

  /**
   * The view is shown (again): re-read the project list and the open worklist. Readers sign off
   * in the viewer while the view is closed, so the worklist kept from before is stale.
   */
  async show(): Promise<void> {
    await Promise.all([this.loadProjects(), this.refresh()]);
  }

  async open(projectId: string): Promise<void> {
    const w = await this.#try('Could not open the project', () =>
      this.#api.getWorklist({ projectId }),
    );
    if (!w) return;
    this.#worklist = w;
    if (!w.readers.includes(this.reader)) this.reader = w.readers[0] ?? '';
    this.#run = (await this.#try('', () => this.#api.projectRunStatus({ projectId }))) ?? null;
  }

  async refresh(): Promise<void> {
    const id = this.#worklist?.projectId;
    if (!id) return;
    const [w, r] = await Promise.all([
      this.#api.getWorklist({ projectId: id }),
      this.#api.projectRunStatus({ projectId: id }),
    ]).catch(() => [null, null] as const);
    if (w && this.#worklist?.projectId === id) this.#worklist = w;
    if (r) this.#run = r;
  }

  async create(p: {
    folder: string;
    name: string;
    readers: string;
    blindMask: boolean;
    blindContributions: boolean;
  }): Promise<ProjectDto | undefined> {
    const project = await this.#try('Could not create the project', () =>
      this.#api.createProject({
        folder: p.folder.trim(),
        name: p.name,
        readers: p.readers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        settings: { showModelMask: !p.blindMask, showContributions: !p.blindContributions },
      }),
    );
    if (project) {
      await this.loadProjects();
      await this.open(project.id);
    }
    return project;
  }

  async runModel(retryFailed = false): Promise<void> {
    const projectId = this.#worklist?.projectId;
    if (!projectId) return;
    const r = await this.#try('Could not start the model run', () =>
      this.#api.runProjectModel({ projectId, retryFailed }),
    );
    if (r) this.#run = r;
  }

  async cancelRun(): Promise<void> {
    const projectId = this.#worklist?.projectId;
    if (projectId)
      this.#run =
        (await this.#try('Could not cancel', () => this.#api.cancelProjectModel({ projectId }))) ??
        this.#run;
    await this.refresh();
  }

  async computeAgreement(): Promise<void> {
    const projectId = this.#worklist?.projectId;
    if (!projectId) return;
    await this.#try('Could not compute agreement', () => this.#api.projectAgreement({ projectId }));
    await this.refresh();
  }

  async consensus(
    caseId: string,
    method: 'majority' | 'staple' | 'reader',
    reader: string,
    fromReader?: string,
  ) {
    const projectId = this.#worklist?.projectId;
    if (!projectId) return undefined;
    const r = await this.#try('Could not start the consensus', () =>
      this.#api.startConsensus({ projectId, caseId, method, reader, fromReader }),
    );
    await this.refresh();
    return r;
  }

  async exportTo(outDir: string): Promise<void> {
    const projectId = this.#worklist?.projectId;
    if (!projectId) return;
    const r = await this.#try('Export failed', () =>
      this.#api.exportProject({
        projectId,
        outDir,
        format: this.exportFormat,
        layout: this.exportLayout,
      }),
    );
    if (r)
      this.message =
        `Exported ${r.annotations.length} signed-off annotation(s) to ${r.outDir}${r.notSignedOff ? ` (${r.notSignedOff} not signed off, left out)` : ''}; table ${r.tsv}` +
        (r.notes.length ? ` — ${r.notes.length} note(s): ${r.notes.join('; ')}` : '');
  }

  /** Called before a case opens: remembers it when the project is blinded (either way). */
  opening(casePath: string): void {
    const s = this.#worklist?.settings;
    this.blinded =
      s && (!s.showModelMask || !s.showContributions) ? { path: casePath, sessionId: null } : null;
  }

  /** Called once the reader's session of the case opening is known. */
  opened(sessionId: string): void {
    if (this.blinded) this.blinded = { ...this.blinded, sessionId };
  }

  /**
   * True when the review screen shows a blinded project case: its reader's session, or the case
   * while it loads. Another study or session opened afterwards is not blinded.
   */
  hidesModel(studyPath: string | undefined, sessionId: string | undefined): boolean {
    const b = this.blinded;
    if (!b) return false;
    if (sessionId) return sessionId === b.sessionId;
    return studyPath !== undefined && studyPath === b.path;
  }

  /** The next (1) or previous (−1) visible case. */
  neighbour(step: 1 | -1): string | undefined {
    return neighbourCase(this.rows, this.currentCase, step);
  }

  /** Polls while the background run goes on; returns the cleanup. */
  poll(): () => void {
    const t = setInterval(() => {
      if (this.#run?.running) void this.refresh();
    }, RUN_POLL_MS);
    return () => clearInterval(t);
  }
}
