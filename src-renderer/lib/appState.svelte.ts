/**
 * The app's shared state (STYLE.md §8): a reactive class with private `$state` fields, getters and
 * actions. It keeps ids and small view data only — voxel buffers and Cornerstone objects live in
 * viewer/. Every action catches api errors into `error`, so a failure is a message, never a blank
 * screen.
 */
import type { ApiEvent } from '../../src-main/api/contract.ts';
import { ApiCallError } from './bridge.ts';
import type { ReviewClient, SessionView } from './reviewClient.ts';
import {
  SLOTS,
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
  #resumable = $state.raw<readonly SessionView[]>([]);
  layout = $state<Layout>('grid');
  activeSlot = $state<Slot>('flair');
  provider = $state('auto');
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
  reader = $state(localStorage.getItem(READER_KEY) ?? '');

  readonly study = $derived.by(() => this.#studies.find((s) => s.id === this.#studyId) ?? null);

  constructor(client: ReviewClient) {
    this.client = client;
    client.onEvent((e) => this.#onEvent(e));
    void client.providers().then(
      (p) => (this.providers = p),
      () => {},
    );
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
  /** Unfinished review sessions of the open study (left by a crash or a closed window). */
  get resumable() {
    return this.#resumable;
  }
  /** Bumped whenever the labelmap to show changed (new run, edit, undo). */
  get labelmapVersion() {
    return this.#labelmapVersion;
  }

  dismissError(): void {
    this.#error = null;
  }

  /** Shows a message that is not an error (e.g. why a dropped file cannot be opened). */
  note(message: string | null): void {
    this.#notice = message;
  }

  async #guard<T>(label: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.#busy = label;
    this.#error = null;
    try {
      return await fn();
    } catch (e) {
      this.#error = toErrorView(e);
      return undefined;
    } finally {
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
    const others = this.#studies.filter((s) => !studies.some((n) => n.id === s.id));
    this.#studies = [...studies, ...others];
    this.selectStudy(studies[0]?.id ?? null);
  }

  /** Opens a study from the list. */
  selectStudy(id: string | null): void {
    if (id === this.#studyId) return;
    this.#studyId = id;
    this.#result = null;
    this.#session = null;
    this.#labelmapVersion++;
    this.#resumable = [];
    const first = SLOTS.find((s) => this.study?.assignment[s]);
    if (first) this.activeSlot = first;
    if (id) {
      void this.client.unfinishedSessions(id).then(
        (list) => {
          if (this.#studyId === id) this.#resumable = list;
        },
        () => {},
      );
    }
  }

  /** Reopens an unfinished session: its labelmap with every edit, as the reader left it. */
  async resume(sessionId: string): Promise<void> {
    const s = await this.#guard('Reopening session…', () =>
      this.client.openSession(sessionId, this.readerName()),
    );
    if (!s) return;
    this.#resumable = [];
    this.#session = s;
    this.#labelmapVersion++;
  }

  /** Puts a series into a slot ("none" leaves the series unused; "auto" undoes an override). */
  async overrideSeries(seriesId: string, target: Slot | 'none' | 'auto'): Promise<void> {
    const study = this.study;
    if (!study) return;
    const updated = await this.#guard('Updating assignment…', () =>
      this.client.setAssignment(study, seriesId, target),
    );
    if (updated) this.#studies = this.#studies.map((s) => (s.id === updated.id ? updated : s));
  }

  /** Starts a segmentation of the open study (R). */
  async run(): Promise<void> {
    const study = this.study;
    if (!study || this.#job) return;
    this.#result = null;
    performance.mark('metakd:run-clicked');
    const jobId = await this.#guard('Starting…', () =>
      this.client.startSegmentation(study.id, this.provider),
    );
    if (jobId) this.#job = { jobId, stage: 'starting', done: 0, total: 0 };
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
    this.#job = null;
    performance.mark('metakd:job-finished');
    if (e.status === 'done') void this.#finish(job.jobId);
    else if (e.status === 'cancelled') this.#notice = 'Segmentation cancelled.';
    else this.#error = toErrorView(e.error ? new ApiCallError(e.error) : 'Segmentation failed.');
  }

  async #finish(jobId: string): Promise<void> {
    await this.#guard('Loading result…', async () => {
      this.#resumable = [];
      // The session (and with it the overlay) does not wait for the result panel's data.
      const [result, session] = await Promise.all([
        this.client.getResult(jobId),
        this.client.createSession(jobId, this.readerName()),
      ]);
      performance.mark('metakd:session-ready');
      this.#result = result;
      this.#session = session;
      this.#labelmapVersion++;
    });
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
    if (next) this.#applySession(next);
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
    if (next) this.#session = next;
    this.#labelmapVersion++;
  }

  async undo(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    const next = await this.#guard('Undoing…', () => this.client.undo(s.id, this.readerName()));
    if (next) this.#applySession(next);
  }

  async signOff(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    if (!this.reader.trim()) {
      this.#error = { message: 'Type your name before signing off: it goes into the audit trail.' };
      return;
    }
    const next = await this.#guard('Signing off…', () =>
      this.client.signOff(s.id, this.readerName()),
    );
    if (next) this.#session = next;
  }

  async reopen(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    const next = await this.#guard('Reopening…', () => this.client.reopen(s.id, this.readerName()));
    if (next) this.#session = next;
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
