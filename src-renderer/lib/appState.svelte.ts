/**
 * The app's shared state (STYLE.md §8): a reactive class with private `$state` fields, getters and
 * actions. It keeps ids and small view data only — voxel buffers and Cornerstone objects live in
 * viewer/. AppState holds the studies, the open one and its stored sessions, and what is derived
 * from them (the result on screen, whether it is stale); it extends the reader's controls
 * (reviewControls) and coordinates the parts that hold the rest: the action status (appStatus:
 * busy, error, notice, question), the segmentation job and its result (segmentationJob) and the
 * open review session (reviewSession). Every action catches api errors into `error`, so a failure
 * is a message, never a blank screen.
 */
import type { MeasurementInputView, ReviewClient, SessionView } from './reviewClient.ts';
import { staleMessage } from './integrity.ts';
import { overrideContradiction } from './overrides.ts';
import {
  forgetStudy,
  openSessionRef,
  pendingJob,
  recentStudies,
  rememberStudy,
  setPendingJob,
  type RecentStudy,
} from './recentStudies.ts';
import { SLOTS, SLOT_NAME, type ResultView, type Slot, type StudyView } from './viewTypes.ts';
import { AppStatus } from './appStatus.svelte.ts';
import { ReviewControls } from './reviewControls.svelte.ts';
import { ReviewSession } from './reviewSession.svelte.ts';
import { SegmentationJob } from './segmentationJob.svelte.ts';

export type { PendingConfirm } from './appStatus.svelte.ts';
export {
  BRUSH_RADIUS_MM,
  type Layout,
  type ViewCommand,
  type ViewRequest,
} from './reviewControls.svelte.ts';

/** State and actions of the review screen. */
export class AppState extends ReviewControls {
  readonly client: ReviewClient;
  readonly #status = new AppStatus();
  readonly #job: SegmentationJob;
  readonly #review: ReviewSession;
  #studies = $state.raw<readonly StudyView[]>([]);
  #studyId = $state<string | null>(null);
  #sessions = $state.raw<readonly SessionView[]>([]);
  #recent = $state.raw<readonly RecentStudy[]>(recentStudies(localStorage));

  readonly study = $derived.by(() => this.#studies.find((s) => s.id === this.#studyId) ?? null);

  /** The result on screen: the run's, or the one a reopened session kept. */
  readonly shownResult = $derived.by(
    (): ResultView | null => this.#job.result ?? this.#review.session?.result ?? null,
  );

  /**
   * Why the result on screen no longer matches the study's inputs ("Computed for FLAIR + T1ce +
   * T2 — inputs changed (T1), run again."), or null. Derived from the result's recorded inputs and
   * the current assignment every time, so it cannot drift from either.
   */
  readonly staleNote = $derived.by((): string | null => {
    const r = this.shownResult;
    const study = this.study;
    if (!r || !study) return null;
    return staleMessage(r.inputs, study.assignment);
  });

  constructor(client: ReviewClient) {
    super();
    this.client = client;
    const status = this.#status;
    const sessionsChanged = () => void this.refreshSessions();
    this.#review = new ReviewSession({
      client,
      status,
      controls: this,
      resultCheck: () => ({
        staleNote: this.staleNote,
        inputSeries: this.shownResult?.inputs ?? null,
      }),
      sessionsChanged,
    });
    this.#job = new SegmentationJob({
      client,
      status,
      controls: this,
      openStudyId: () => this.#studyId,
      showSession: (s) => this.#review.show(s),
      sessionsChanged,
    });
    void client.providers().then(
      (p) => {
        this.providers = p;
        if (!(p as readonly string[]).includes(this.provider)) this.provider = 'auto';
      },
      () => {},
    );
    void this.#restore();
  }

  get studies() {
    return this.#studies;
  }
  get busy() {
    return this.#status.busy;
  }
  get error() {
    return this.#status.error;
  }
  get notice() {
    return this.#status.notice;
  }
  /** The question waiting for the reader's answer, if any. */
  get confirm() {
    return this.#status.confirm;
  }
  get job() {
    return this.#job.job;
  }
  get result() {
    return this.#job.result;
  }
  get session() {
    return this.#review.session;
  }
  /** Every stored review session of the open study (signed off or not), newest change first. */
  get sessions() {
    return this.#sessions;
  }
  /** Studies opened before on this computer, newest first. */
  get recent() {
    return this.#recent;
  }
  /** Bumped whenever the labelmap to show changed (new run, edit, undo). */
  get labelmapVersion() {
    return this.#review.labelmapVersion;
  }
  /** When the current labelmap version differs from the last only inside a block: that block. */
  get labelmapPatch() {
    return this.#review.labelmapPatch;
  }
  /** True when Ctrl+Shift+Z has an edit to redo. */
  get canRedo(): boolean {
    return this.#review.canRedo;
  }

  /** Answers the pending question: go ahead (true) or not. */
  answerConfirm(yes: boolean): Promise<void> {
    return this.#status.answerConfirm(yes);
  }

  dismissError(): void {
    this.#status.dismissError();
  }

  /** Shows a message that is not an error (e.g. why a dropped file cannot be opened). */
  note(message: string | null): void {
    this.#status.note(message);
  }

  /** Shows a series (any, also unassigned) in a grid pane; view only. Default: the active pane. */
  viewSeries(seriesId: string, pane: Slot = this.activeSlot): void {
    const own = this.study?.assignment[pane] === seriesId;
    const next = { ...this.paneSeries };
    if (own) delete next[pane];
    else next[pane] = seriesId;
    this.paneSeries = next;
    this.layout = 'grid';
    this.activeSlot = pane;
  }

  /** Imports a file or folder and opens the first study found. */
  async importPath(path: string): Promise<void> {
    const p = path.trim();
    if (!p) {
      this.#status.fail({ message: 'Type the path of a study folder or file first.' });
      return;
    }
    performance.mark('metakd:import-start');
    const studies = await this.#status.guard('Importing…', () => this.client.importStudy(p));
    performance.mark('metakd:import-done');
    if (!studies) {
      // A recent study whose folder is gone leaves the list (the error says why); any other
      // failure (unreadable file, interrupted import) keeps it, to be tried again.
      if (this.#status.error?.code === 'NOT_FOUND') {
        forgetStudy(localStorage, p);
        this.#recent = recentStudies(localStorage);
      }
      return;
    }
    this.#addStudies(studies);
    this.selectStudy(studies[0]?.id ?? null);
  }

  #addStudies(studies: readonly StudyView[]): void {
    const others = this.#studies.filter((s) => !studies.some((n) => n.id === s.id));
    this.#studies = [...studies, ...others];
  }

  /** Opens a study from the list. */
  selectStudy(id: string | null): void {
    if (id === this.#studyId) return;
    this.#studyId = id;
    this.#job.clearResult();
    this.#review.show(null);
    this.#sessions = [];
    this.paneSeries = {};
    this.setLesions([], null);
    const study = this.study;
    const first = SLOTS.find((s) => study?.assignment[s]);
    if (first) this.activeSlot = first;
    if (study) {
      rememberStudy(localStorage, { id: study.id, path: study.sourcePath, title: study.title });
      this.#recent = recentStudies(localStorage);
      void this.refreshSessions();
    }
  }

  /** Reloads the open study's list of stored sessions. */
  async refreshSessions(): Promise<void> {
    const id = this.#studyId;
    if (!id) return;
    const list = await this.client.studySessions(id).catch(() => null);
    if (list && this.#studyId === id) this.#sessions = list;
  }

  /**
   * Opens a stored session: its labelmap with every edit, and the result's warnings and expected
   * accuracy as the run reported them. A signed-off session opens read-only until reopened.
   */
  async resume(sessionId: string): Promise<void> {
    const s = await this.#status.guard('Opening session…', () =>
      this.client.openSession(sessionId, this.readerName()),
    );
    if (!s) return;
    this.#job.clearResult();
    this.#review.show(s);
    void this.refreshSessions();
  }

  /**
   * Puts a series into a slot ("none" leaves the series unused; "auto" undoes an override). A
   * slot that contradicts the series' detected sequence asks for confirmation first.
   */
  async overrideSeries(seriesId: string, target: Slot | 'none' | 'auto'): Promise<void> {
    const study = this.study;
    if (!study) return;
    const row = study.series.find((r) => r.id === seriesId);
    const why = row ? overrideContradiction(row, target) : null;
    const apply = async () => {
      const updated = await this.#status.guard('Updating assignment…', () =>
        this.client.setAssignment(study, seriesId, target),
      );
      if (updated) this.#studies = this.#studies.map((s) => (s.id === updated.id ? updated : s));
    };
    if (why && target !== 'none' && target !== 'auto') {
      this.#status.ask({
        title: `Use this series as ${SLOT_NAME[target]}?`,
        message: why,
        confirmLabel: `Use as ${SLOT_NAME[target]}`,
        run: apply,
      });
      return;
    }
    await apply();
  }

  /**
   * After a page reload: reopens the last study (the service still holds it), reattaches to a
   * segmentation that was running — or says plainly that it was lost — and reopens the review
   * session that was open.
   */
  async #restore(): Promise<void> {
    const last = this.#recent[0];
    const job = pendingJob(localStorage);
    const openRef = openSessionRef(localStorage);
    if (!last) return;
    const study = await this.client.getStudy(last.id).catch(() => null);
    if (!study) {
      if (job) setPendingJob(localStorage, null);
      this.#status.note(
        `The last study (${last.title}) is no longer open in the service: open it again from the recent studies.`,
      );
      return;
    }
    if (this.#studyId) return; // the reader opened something meanwhile
    this.#addStudies([study]);
    this.selectStudy(study.id);
    if (job && job.studyId === study.id) await this.#job.reattach(job.jobId, job.provider);
    else if (openRef && openRef.studyId === study.id) {
      const s = await this.client
        .openSession(openRef.sessionId, this.readerName())
        .catch(() => null);
      if (s && this.#studyId === study.id && !this.#review.session) this.#review.show(s);
    }
  }

  /** Starts a segmentation of the open study (R). */
  async run(): Promise<void> {
    const study = this.study;
    if (!study || this.#job.job) return;
    this.#job.clearResult();
    this.#review.show(null);
    await this.#job.start(study.id);
  }

  /** Cancels the running job (Esc). */
  cancel(): Promise<void> {
    return this.#job.cancel();
  }

  /**
   * Selects the brush (B) with the last painting label, or the eraser (E, label 0). Leaves the
   * relabel tool, which would otherwise take the same mouse button.
   */
  selectBrush(erase: boolean): void {
    const s = this.#review.session;
    if (!s || s.signOff) return;
    this.editMode = false;
    this.brushMode = true;
    if (erase) this.brushLabel = 0;
    else if (this.brushLabel === 0) this.brushLabel = this.lastPaintLabel;
  }

  /** Edits the labelmap at a voxel: relabels (or erases) the component under it. */
  editAt(ijk: readonly [number, number, number]): Promise<void> {
    return this.#review.editAt(ijk);
  }

  /** Sends one brush stroke as one edit (see ReviewSession.paintStroke). */
  paintStroke(
    centersIjk: readonly (readonly [number, number, number])[],
    plane: 'axial' | 'sagittal' | 'coronal' | null,
  ): Promise<void> {
    return this.#review.paintStroke(centersIjk, plane);
  }

  /** Stores the reader's measurements in the session (the viewer calls it after each change). */
  saveMeasurements(list: readonly MeasurementInputView[]): Promise<void> {
    return this.#review.saveMeasurements(list);
  }

  /** Removes one measurement. */
  removeMeasurement(id: string): Promise<void> {
    return this.#review.removeMeasurement(id);
  }

  /** Moves every pane to a measurement's middle. */
  jumpToMeasurement(id: string): void {
    const m = this.#review.session?.measurements.find((x) => x.id === id);
    if (!m) return;
    const c = [0, 1, 2].map(
      (a) => m.pointsLps.reduce((sum, p) => sum + p[a], 0) / m.pointsLps.length,
    ) as [number, number, number];
    this.command({ kind: 'jump', world: c });
  }

  /** Undoes the last edit (Ctrl+Z); the edit can be redone until a new edit is made. */
  undo(): Promise<void> {
    return this.#review.undo();
  }

  /** Redoes the last undone edit (Ctrl+Shift+Z). */
  redo(): Promise<void> {
    return this.#review.redo();
  }

  signOff(): Promise<void> {
    return this.#review.signOff();
  }

  reopen(): Promise<void> {
    return this.#review.reopen();
  }
}
