/**
 * The app's shared state (STYLE.md §8): a reactive class with private `$state` fields, getters and
 * actions. It keeps ids and small view data only — voxel buffers and Cornerstone objects live in
 * viewer/. Every action catches api errors into `error`, so a failure is a message, never a blank
 * screen.
 */
import type { ApiEvent } from '../../src-main/api/contract.ts';
import { ApiCallError } from './bridge.ts';
import type {
  LabelmapBoxView,
  MeasurementInputView,
  ReviewClient,
  SessionEditOp,
  SessionView,
} from './reviewClient.ts';
import { staleMessage } from './integrity.ts';
import type { Lesion } from './lesions.ts';
import type { PrepModeView } from './preparationView.ts';
import type { WindowPreset } from './viewGeometry.ts';
import { overrideContradiction } from './overrides.ts';
import { PROVIDER_FAILED, runErrorView } from './providers.ts';
import {
  forgetStudy,
  openSessionRef,
  pendingJob,
  recentStudies,
  rememberStudy,
  setOpenSessionRef,
  setPendingJob,
  type RecentStudy,
} from './recentStudies.ts';
import {
  SLOTS,
  SLOT_NAME,
  type ErrorView,
  type JobView,
  type ResultView,
  type Slot,
  type StudyView,
} from './viewTypes.ts';

/** Layout of the viewer. */
export type Layout = 'grid' | 'mpr';

/** Opacity step of the [ and ] keys. */
const OPACITY_STEP = 0.1;
/** Brush radius range (mm; the contract's limits) and the step of the - and = keys. */
export const BRUSH_RADIUS_MM = { min: 0.5, max: 30, step: 0.5 } as const;
/** localStorage key of the reader's name. */
const READER_KEY = 'metakd.reader';

/** A question the reader must answer before an action goes ahead (e.g. a contradicting override). */
export interface PendingConfirm {
  readonly title: string;
  readonly message: string;
  /** Text of the button that goes ahead. */
  readonly confirmLabel: string;
  readonly run: () => Promise<void>;
}

/** A request from the panels to the viewer (ViewerPane carries it out; `seq` makes each new). */
export type ViewRequest =
  | { readonly kind: 'jump'; readonly world: readonly [number, number, number] }
  | { readonly kind: 'reset' }
  | { readonly kind: 'preset'; readonly preset: WindowPreset };

/** A request with its sequence number. */
export type ViewCommand = ViewRequest & { readonly seq: number };

/** How often a job reattached after a reload is polled (its events may have been missed). */
const REATTACH_POLL_MS = 1500;

/** Converts anything thrown into an ErrorView. */
function toErrorView(e: unknown): ErrorView {
  if (e instanceof ApiCallError) return { message: e.message, file: e.file, code: e.code };
  return { message: e instanceof Error ? e.message : String(e) };
}

/** State and actions of the review screen. */
export class AppState {
  readonly client: ReviewClient;
  #studies = $state.raw<readonly StudyView[]>([]);
  #studyId = $state<string | null>(null);
  #busy = $state<string | null>(null);
  #error = $state<ErrorView | null>(null);
  #notice = $state<string | null>(null);
  #job = $state.raw<JobView | null>(null);
  #result = $state.raw<ResultView | null>(null);
  #session = $state.raw<SessionView | null>(null);
  #labelmapVersion = $state(0);
  /** The block a brush stroke changed, for the labelmap version it produced (patch, not reload). */
  #labelmapPatch: { version: number; box: LabelmapBoxView } | null = null;
  #sessions = $state.raw<readonly SessionView[]>([]);
  #recent = $state.raw<readonly RecentStudy[]>(recentStudies(localStorage));
  #confirm = $state.raw<PendingConfirm | null>(null);
  #poll: ReturnType<typeof setInterval> | null = null;
  /** Study the running job segments (the reader may open another one meanwhile). */
  #jobStudy: string | null = null;
  layout = $state<Layout>('grid');
  activeSlot = $state<Slot>('flair');
  provider = $state('auto');
  /** Raw-study preparation mode for the next run (issue 10): auto, off, force. */
  prepMode = $state<PrepModeView>('auto');
  providers = $state.raw<readonly string[]>(['auto']);
  overlayVisible = $state(true);
  opacity = $state(0.5);
  outlineOnly = $state(false);
  labelVisible = $state<Record<number, boolean>>({ 1: true, 2: true, 4: true });
  editMode = $state(false);
  editLabel = $state<0 | 1 | 2 | 4>(1);
  /** Brush tool (B; E for the eraser): drags paint `brushLabel` on the viewport's plane. */
  brushMode = $state(false);
  brushLabel = $state<0 | 1 | 2 | 4>(2);
  brushRadiusMm = $state(3);
  helpOpen = $state(false);
  /**
   * Series shown in a grid pane instead of its slot's series (view only: the model's inputs do not
   * change). Set from the series browser (click, or drag onto a pane).
   */
  paneSeries = $state<Partial<Record<Slot, string>>>({});
  /** Mask the patient's name in the header line (remembered on this computer). */
  maskName = $state(localStorage.getItem('metakd.maskName') !== 'false');
  #viewCommand = $state.raw<ViewCommand | null>(null);
  #lesions = $state.raw<readonly Lesion[]>([]);
  #lesionGeometry: import('./viewGeometry.ts').GridGeometry | null = null;
  #seq = 0;
  reader = $state(localStorage.getItem(READER_KEY) ?? '');

  readonly study = $derived.by(() => this.#studies.find((s) => s.id === this.#studyId) ?? null);

  /** The result on screen: the run's, or the one a reopened session kept. */
  readonly shownResult = $derived.by(
    (): ResultView | null => this.#result ?? this.#session?.result ?? null,
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
    this.client = client;
    client.onEvent((e) => this.#onEvent(e));
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
    return this.#busy;
  }
  get error() {
    return this.#error;
  }
  get notice() {
    return this.#notice;
  }
  get job() {
    return this.#job;
  }
  get result() {
    return this.#result;
  }
  get session() {
    return this.#session;
  }
  /** Every stored review session of the open study (signed off or not), newest change first. */
  get sessions() {
    return this.#sessions;
  }
  /** Studies opened before on this computer, newest first. */
  get recent() {
    return this.#recent;
  }
  /** The question waiting for the reader's answer, if any. */
  get confirm() {
    return this.#confirm;
  }

  /** The latest request to the viewer (jump, reset, window preset). */
  get viewCommand() {
    return this.#viewCommand;
  }
  /** Connected tumour components of the labelmap on screen, largest first. */
  get lesions() {
    return this.#lesions;
  }
  /** Series shown in the active pane when it is not the slot's own. */
  get viewSeriesId(): string | null {
    return this.paneSeries[this.activeSlot] ?? null;
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

  /** Puts the pane back to its slot's series. */
  clearPaneSeries(pane: Slot): void {
    const next = { ...this.paneSeries };
    delete next[pane];
    this.paneSeries = next;
  }

  /** Remembers the name-masking setting. */
  setMaskName(mask: boolean): void {
    this.maskName = mask;
    localStorage.setItem('metakd.maskName', String(mask));
  }

  /** Sends a request to the viewer. */
  #command(c: ViewRequest): void {
    this.#viewCommand = { ...c, seq: ++this.#seq };
  }

  /** Resets zoom, pan and window of every pane (the slice goes to the largest lesion, if any). */
  resetView(): void {
    this.#command({ kind: 'reset' });
  }

  /** Applies a window preset to every pane. */
  windowPreset(preset: WindowPreset): void {
    this.#command({ kind: 'preset', preset });
  }

  /** Called by the viewer with the lesions of the labelmap it shows (and that labelmap's grid). */
  setLesions(
    lesions: readonly Lesion[],
    geometry: import('./viewGeometry.ts').GridGeometry | null,
  ): void {
    this.#lesions = lesions;
    this.#lesionGeometry = geometry;
  }

  /** Moves every pane to the centre of a lesion (1-based rank). */
  jumpToLesion(rank: number): void {
    const l = this.#lesions.find((x) => x.rank === rank);
    const g = this.#lesionGeometry;
    if (!l || !g) return;
    const w: [number, number, number] = [g.originLps[0], g.originLps[1], g.originLps[2]];
    for (let a = 0; a < 3; a++)
      for (let c = 0; c < 3; c++) w[c] += l.centreIjk[a] * g.spacing[a] * g.directionLps[a][c];
    this.#command({ kind: 'jump', world: w });
  }

  /** Answers the pending question: go ahead (true) or not. */
  async answerConfirm(yes: boolean): Promise<void> {
    const c = this.#confirm;
    this.#confirm = null;
    if (c && yes) await c.run();
  }
  /** Bumped whenever the labelmap to show changed (new run, edit, undo). */
  get labelmapVersion() {
    return this.#labelmapVersion;
  }
  /** When the current labelmap version differs from the last only inside a block: that block. */
  get labelmapPatch(): LabelmapBoxView | null {
    const p = this.#labelmapPatch;
    return p && p.version === this.#labelmapVersion ? p.box : null;
  }

  dismissError(): void {
    this.#error = null;
  }

  /** Shows a message that is not an error (e.g. why a dropped file cannot be opened). */
  note(message: string | null): void {
    this.#notice = message;
  }

  /** Api calls under way (sign-off waits for them: see signOff). */
  readonly #calls = new Set<Promise<unknown>>();

  async #guard<T>(label: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.#busy = label;
    this.#error = null;
    let call: Promise<T> | undefined;
    try {
      call = fn();
      this.#calls.add(call);
      return await call;
    } catch (e) {
      this.#error = toErrorView(e);
      return undefined;
    } finally {
      if (call) this.#calls.delete(call);
      this.#busy = null;
    }
  }

  /** Imports a file or folder and opens the first study found. */
  async importPath(path: string): Promise<void> {
    const p = path.trim();
    if (!p) {
      this.#error = { message: 'Type the path of a study folder or file first.' };
      return;
    }
    performance.mark('metakd:import-start');
    const studies = await this.#guard('Importing…', () => this.client.importStudy(p));
    performance.mark('metakd:import-done');
    if (!studies) return;
    if (!studies) {
      forgetStudy(localStorage, p);
      this.#recent = recentStudies(localStorage);
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
    this.#result = null;
    this.#setSession(null);
    this.#labelmapVersion++;
    this.#sessions = [];
    this.paneSeries = {};
    this.#lesions = [];
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
    const s = await this.#guard('Opening session…', () =>
      this.client.openSession(sessionId, this.readerName()),
    );
    if (!s) return;
    this.#result = null;
    this.#setSession(s);
    this.#labelmapVersion++;
    void this.refreshSessions();
  }

  #setSession(s: SessionView | null): void {
    this.#session = s;
    this.#redo = [];
    if (s) setOpenSessionRef(localStorage, { sessionId: s.id, studyId: s.studyId });
    else setOpenSessionRef(localStorage, null);
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
      const updated = await this.#guard('Updating assignment…', () =>
        this.client.setAssignment(study, seriesId, target),
      );
      if (updated) this.#studies = this.#studies.map((s) => (s.id === updated.id ? updated : s));
    };
    if (why && target !== 'none' && target !== 'auto') {
      this.#confirm = {
        title: `Use this series as ${SLOT_NAME[target]}?`,
        message: why,
        confirmLabel: `Use as ${SLOT_NAME[target]}`,
        run: apply,
      };
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
      this.#notice = `The last study (${last.title}) is no longer open in the service: open it again from the recent studies.`;
      return;
    }
    if (this.#studyId) return; // the reader opened something meanwhile
    this.#addStudies([study]);
    this.selectStudy(study.id);
    if (job && job.studyId === study.id) await this.#reattach(job.jobId, job.provider);
    else if (openRef && openRef.studyId === study.id) {
      const s = await this.client
        .openSession(openRef.sessionId, this.readerName())
        .catch(() => null);
      if (s && this.#studyId === study.id && !this.#session) {
        this.#setSession(s);
        this.#labelmapVersion++;
      }
    }
  }

  /** Follows a job started before the page reloaded. */
  async #reattach(jobId: string, provider: string): Promise<void> {
    const status = await this.client.jobStatus(jobId).catch(() => null);
    if (!status) {
      setPendingJob(localStorage, null);
      this.#notice =
        'The segmentation that was running when the page reloaded was lost (the service restarted): run it again.';
      return;
    }
    this.provider = provider;
    this.#jobStudy = this.#studyId;
    this.#job = {
      jobId,
      stage: status.stage ?? 'starting',
      done: status.done ?? 0,
      total: status.total ?? 0,
    };
    this.#notice = 'Reattached to the segmentation that was running before the page reloaded.';
    // Its finish event may already have gone out; poll until it ends.
    const check = async () => {
      const st = await this.client.jobStatus(jobId).catch(() => null);
      if (this.#job?.jobId !== jobId) return this.#stopPoll();
      if (!st) {
        this.#onEvent({
          type: 'job.finished',
          jobId,
          status: 'error',
          error: { code: 'NOT_FOUND', message: 'The segmentation job was lost.' },
        });
      } else if (st.status === 'running') {
        this.#job = {
          jobId,
          stage: st.stage ?? 'starting',
          done: st.done ?? 0,
          total: st.total ?? 0,
        };
      } else {
        this.#onEvent({ type: 'job.finished', jobId, status: st.status, error: st.error });
      }
    };
    this.#stopPoll();
    this.#poll = setInterval(() => void check(), REATTACH_POLL_MS);
    await check();
  }

  #stopPoll(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
  }

  /** Starts a segmentation of the open study (R). */
  async run(): Promise<void> {
    const study = this.study;
    if (!study || this.#job) return;
    this.#result = null;
    this.#setSession(null);
    this.#labelmapVersion++;
    performance.mark('metakd:run-clicked');
    const provider = this.provider;
    const jobId = await this.#guard('Starting…', () =>
      this.client.startSegmentation(study.id, provider, this.prepMode),
    );
    if (jobId) {
      this.#job = { jobId, stage: 'starting', done: 0, total: 0 };
      this.#jobStudy = study.id;
      setPendingJob(localStorage, { jobId, studyId: study.id, provider });
    }
  }

  /** Cancels the running job (Esc). */
  async cancel(): Promise<void> {
    const job = this.#job;
    if (!job) return;
    await this.#guard('Cancelling…', () => this.client.cancelJob(job.jobId));
  }

  #onEvent(e: ApiEvent): void {
    const job = this.#job;
    if (!job || e.jobId !== job.jobId) return;
    if (e.type === 'job.progress') {
      this.#job = { jobId: job.jobId, stage: e.stage, done: e.done, total: e.total };
      return;
    }
    if (this.#job?.jobId !== job.jobId) return; // already ended (a poll and an event both saw it)
    this.#job = null;
    this.#stopPoll();
    setPendingJob(localStorage, null);
    performance.mark('metakd:job-finished');
    if (e.status === 'done') void this.#finish(job.jobId);
    else if (e.status === 'cancelled') this.#notice = 'Segmentation cancelled.';
    else {
      const err = toErrorView(e.error ? new ApiCallError(e.error) : 'Segmentation failed.');
      this.#error = runErrorView(err, this.provider);
      // A provider that failed does not stay selected: the next run picks one that works.
      if (err.code === PROVIDER_FAILED) this.provider = 'auto';
    }
  }

  async #finish(jobId: string): Promise<void> {
    await this.#guard('Loading result…', async () => {
      // The session (and with it the overlay) does not wait for the result panel's data.
      const [result, session] = await Promise.all([
        this.client.getResult(jobId),
        this.client.createSession(jobId, this.readerName()),
      ]);
      performance.mark('metakd:session-ready');
      if (this.#jobStudy !== this.#studyId) {
        // Never show a result over another study than the one it was computed for.
        this.#notice =
          'A segmentation finished for a study that is not open: its review session is listed under that study.';
        return;
      }
      this.#result = result;
      this.#setSession(session);
      this.#labelmapVersion++;
    });
    void this.refreshSessions();
  }

  /** The reader's name for the audit trail (remembered on this computer). */
  readerName(): string {
    const name = this.reader.trim() || 'unnamed reader';
    localStorage.setItem(READER_KEY, this.reader.trim());
    return name;
  }

  /** Edits the labelmap at a voxel: relabels (or erases) the component under it. */
  async editAt(ijk: readonly [number, number, number]): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const next = await this.#guard('Editing…', () =>
      this.client.edit(session.id, this.readerName(), ijk, this.editLabel),
    );
    if (next) {
      this.#redo = [];
      this.#applySession(next);
    }
  }

  /**
   * Selects the brush (B) with the last painting label, or the eraser (E, label 0). Leaves the
   * relabel tool, which would otherwise take the same mouse button.
   */
  selectBrush(erase: boolean): void {
    if (!this.#session || this.#session.signOff) return;
    this.editMode = false;
    this.brushMode = true;
    if (erase) this.brushLabel = 0;
    else if (this.brushLabel === 0) this.brushLabel = this.#lastPaintLabel;
  }

  #lastPaintLabel: 1 | 2 | 4 = 2;

  /** Remembers the painting label so B after E goes back to it. */
  setBrushLabel(label: 0 | 1 | 2 | 4): void {
    this.brushLabel = label;
    if (label !== 0) this.#lastPaintLabel = label;
  }

  /** Changes the brush radius by one step (the - and = keys). */
  changeBrushRadius(sign: 1 | -1): void {
    const r = this.brushRadiusMm + sign * BRUSH_RADIUS_MM.step;
    this.brushRadiusMm = Math.min(BRUSH_RADIUS_MM.max, Math.max(BRUSH_RADIUS_MM.min, r));
  }

  /**
   * Sends one brush stroke (the dabs of a mouse drag) as one edit, then reloads the labelmap from
   * the session — the source of truth — even when the edit failed (the viewer painted a preview).
   */
  async paintStroke(
    centersIjk: readonly (readonly [number, number, number])[],
    plane: 'axial' | 'sagittal' | 'coronal' | null,
  ): Promise<void> {
    const session = this.#session;
    if (!session || centersIjk.length === 0) return;
    const label = this.brushLabel;
    const radiusMm = this.brushRadiusMm;
    const next = await this.#guard('Painting…', () =>
      this.client.paintStroke(session.id, this.readerName(), {
        centersIjk,
        radiusMm,
        label,
        plane,
      }),
    );
    if (next) {
      this.#session = next;
      this.#redo = [];
    }
    // Only voxels within the radius of a dab can have changed: reload just that block.
    const g = session.geometry;
    const reach = g.spacing.map((sp) => Math.ceil(radiusMm / sp) + 1);
    const lo = [0, 1, 2].map((a) => Math.min(...centersIjk.map((c) => c[a])) - reach[a]);
    const hi = [0, 1, 2].map((a) => Math.max(...centersIjk.map((c) => c[a])) + reach[a]);
    this.#labelmapVersion++;
    this.#labelmapPatch = {
      version: this.#labelmapVersion,
      box: { min: [lo[0], lo[1], lo[2]], max: [hi[0], hi[1], hi[2]] },
    };
  }

  /**
   * Stores the reader's measurements in the session (the viewer calls it after each change). A
   * signed-off session is read-only: the viewer is put back to the stored ones.
   */
  async saveMeasurements(list: readonly MeasurementInputView[]): Promise<void> {
    const s = this.#session;
    if (!s) {
      if (list.length)
        this.#notice =
          'Measurements are kept in a review session: run the model or open a session first.';
      return;
    }
    if (s.signOff) {
      this.#session = { ...s };
      this.#notice = 'This session is signed off: reopen it to change measurements.';
      return;
    }
    const next = await this.#guard('Saving measurements…', () =>
      this.client.setMeasurements(s.id, this.readerName(), list),
    );
    if (next && this.#session?.id === next.id) this.#session = next;
  }

  /** Removes one measurement. */
  async removeMeasurement(id: string): Promise<void> {
    const s = this.#session;
    if (!s) return;
    await this.saveMeasurements(s.measurements.filter((m) => m.id !== id));
  }

  /** Moves every pane to a measurement's middle. */
  jumpToMeasurement(id: string): void {
    const m = this.#session?.measurements.find((x) => x.id === id);
    if (!m) return;
    const c = [0, 1, 2].map(
      (a) => m.pointsLps.reduce((sum, p) => sum + p[a], 0) / m.pointsLps.length,
    ) as [number, number, number];
    this.#command({ kind: 'jump', world: c });
  }

  /** Undoes the last edit (Ctrl+Z); the edit can be redone until a new edit is made. */
  async undo(): Promise<void> {
    const s = this.#session;
    if (!s || s.signOff || !s.lastEdit) return;
    const undone = s.lastEdit;
    const next = await this.#guard('Undoing…', () => this.client.undo(s.id, this.readerName()));
    if (!next) return;
    this.#applySession(next);
    this.#redo = [...this.#redo, undone];
  }

  /** Edits that undo took back, most recent last (Ctrl+Shift+Z applies them again). */
  #redo = $state.raw<readonly SessionEditOp[]>([]);

  /** True when Ctrl+Shift+Z has an edit to redo. */
  get canRedo(): boolean {
    return this.#redo.length > 0 && !!this.#session && !this.#session.signOff;
  }

  /** Redoes the last undone edit (Ctrl+Shift+Z). */
  async redo(): Promise<void> {
    const s = this.#session;
    const edit = this.#redo.at(-1);
    if (!s || s.signOff || !edit) return;
    const next = await this.#guard('Redoing…', () =>
      this.client.reapply(s.id, this.readerName(), edit),
    );
    if (!next) return;
    this.#redo = this.#redo.slice(0, -1);
    this.#applySession(next);
  }

  async signOff(): Promise<void> {
    // The api refuses a sign-off of a session changed after this view (issue 11): an edit or
    // measurement of this reader still on its way would do that, so it lands first.
    await Promise.allSettled([...this.#calls]);
    const s = this.#session;
    if (!s) return;
    if (!this.reader.trim()) {
      this.#error = { message: 'Type your name before signing off: it goes into the audit trail.' };
      return;
    }
    if (this.staleNote) {
      this.#error = {
        message: `Cannot sign off: ${this.staleNote} (or set the sequences back as they were).`,
      };
      return;
    }
    const next = await this.#guard('Signing off…', () =>
      this.client.signOff(s.id, this.readerName(), {
        updatedAt: s.updatedAt,
        inputSeries: this.shownResult?.inputs ?? null,
      }),
    );
    if (next) this.#session = next;
    void this.refreshSessions();
  }

  async reopen(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    const next = await this.#guard('Reopening…', () => this.client.reopen(s.id, this.readerName()));
    if (next) this.#session = next;
    void this.refreshSessions();
  }

  #applySession(next: SessionView): void {
    const changed = next.edits !== this.#session?.edits;
    this.#session = next;
    if (changed) this.#labelmapVersion++;
  }

  /** Chooses the sequence shown in MPR and highlighted in the grid (1–4). */
  chooseSlot(index: number): void {
    const slot = SLOTS[index];
    if (slot) this.activeSlot = slot;
  }

  changeOpacity(sign: 1 | -1): void {
    const v = Math.round((this.opacity + sign * OPACITY_STEP) * 10) / 10;
    this.opacity = Math.min(1, Math.max(0, v));
  }
}
