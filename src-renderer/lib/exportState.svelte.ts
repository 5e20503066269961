/**
 * State of "finish the job": export the current result (the model's, or the reader's review
 * session) as DICOM SEG or NIfTI, send a SEG to a PACS, configure PACS destinations and watch the
 * outbox (STYLE.md §8: a reactive class, private `$state`, getters, actions). What the review
 * screen already knows — the study, the finished job, the session, the reader — is read from
 * AppState on demand, never copied, so it cannot drift; only what exists nowhere else (the form,
 * the last export, destinations, outbox rows) lives here.
 */
import type { ApiEvent, ResultOf, ReviewApi, apiMethods } from '../../src-main/api/contract.ts';
import type { AppState } from './appState.svelte.ts';

/** An export as the API reports it. */
export type ExportResult = ResultOf<(typeof apiMethods)['exportSeg']>;
/** A PACS destination (secrets masked by the service). */
export type DestinationView = ResultOf<(typeof apiMethods)['listDestinations']>[number];
/** A destination as the settings form writes it. */
export type DestinationInput = Parameters<ReviewApi['saveDestination']>[0]['destination'];
/** One outbox row. */
export type OutboxEntry = ResultOf<(typeof apiMethods)['listOutbox']>[number];
/** One series of the open study as the export's series menu shows it. */
export interface SeriesOption {
  readonly id: string;
  readonly description: string;
  readonly source: 'dicom' | 'nifti';
  readonly dims: readonly [number, number, number];
}

/** Which labelmap to export. */
export type ExportSource = 'session' | 'job';

/** The last export, tied to the study it was made from (hidden when another study is open). */
export interface ExportView {
  readonly studyId: string;
  readonly result: ExportResult;
  /** Description of the source series (for "written on T1ce"). */
  readonly seriesDescription: string;
}

/** A send in progress or finished. */
export interface SendView {
  readonly file: string;
  readonly to: string;
  readonly done: number;
  readonly total: number;
  /** null while running. */
  readonly outcome:
    | null
    | { readonly delivered: true; readonly instances: number }
    | {
        readonly delivered: false;
        readonly outboxId: string;
        readonly error: { readonly code: string; readonly message: string };
      };
}

/** Result of "test connection" per destination name. */
export type TestOutcome =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

/** Stage name the service gives a send's progress events (exportService `send`). */
const SEND_STAGE = 'send';

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** State and actions of the export panel, the PACS settings and the outbox view. */
export class ExportState {
  readonly #app: AppState;
  /** SEG (DICOM, for PACS) or NIfTI (research). */
  format = $state<'seg' | 'nifti'>('seg');
  /** The source the reader picked; see `source` for the one in force. */
  sourceChoice = $state<ExportSource>('session');
  /** Source series id; '' = the segmentation's reference series. */
  seriesId = $state('');
  /** Output folder; '' = the app's default (<data folder>/exports). */
  outDir = $state('');
  /** Destination a SEG is sent to. */
  destination = $state('');
  settingsOpen = $state(false);
  outboxOpen = $state(false);
  #series = $state.raw<{ studyId: string; rows: readonly SeriesOption[] } | null>(null);
  #last = $state.raw<ExportView | null>(null);
  #busy = $state<string | null>(null);
  #error = $state<string | null>(null);
  #destinations = $state.raw<readonly DestinationView[]>([]);
  #tests = $state.raw<Readonly<Record<string, TestOutcome | 'running'>>>({});
  #send = $state.raw<SendView | null>(null);
  #outbox = $state.raw<readonly OutboxEntry[]>([]);

  constructor(app: AppState) {
    this.#app = app;
  }

  get #api(): ReviewApi {
    return this.#app.client.api;
  }

  /** The labelmap that will be exported: the session when chosen (or the only one), else the job. */
  readonly source = $derived.by((): ExportSource | null => {
    const hasSession = !!this.#app.session;
    // A result restored with a session (after a reload) has no job to export from.
    const hasJob = !!this.#app.result?.jobId;
    if (hasSession && (this.sourceChoice === 'session' || !hasJob)) return 'session';
    return hasJob ? 'job' : null;
  });

  /** Series of the open study the chosen format can be written on (SEG: DICOM series only). */
  readonly seriesOptions = $derived.by((): readonly SeriesOption[] => {
    const s = this.#series;
    if (!s || s.studyId !== this.#app.study?.id) return [];
    return this.format === 'seg' ? s.rows.filter((r) => r.source === 'dicom') : s.rows;
  });

  /** Why export is not possible now, or null. */
  readonly blocked = $derived.by((): string | null => {
    if (!this.#app.study) return 'Open a study first.';
    if (!this.source) return 'Run the segmentation first: there is nothing to export yet.';
    const s = this.#series;
    if (
      this.format === 'seg' &&
      s?.studyId === this.#app.study.id &&
      this.seriesOptions.length === 0
    )
      return 'DICOM SEG needs a DICOM series, and this study has none: export NIfTI instead.';
    return null;
  });

  /** The last export of the open study. */
  get last(): ExportView | null {
    const l = this.#last;
    return l && l.studyId === this.#app.study?.id ? l : null;
  }
  get busy() {
    return this.#busy;
  }
  get error() {
    return this.#error;
  }
  get destinations() {
    return this.#destinations;
  }
  get tests() {
    return this.#tests;
  }
  get sending() {
    return this.#send;
  }
  get outbox() {
    return this.#outbox;
  }
  /** The outbox row of the last send when it went to the outbox undelivered (its fate since). */
  readonly queuedSend = $derived.by((): OutboxEntry | null => {
    const o = this.#send?.outcome;
    return o && !o.delivered ? (this.#outbox.find((e) => e.id === o.outboxId) ?? null) : null;
  });

  /** Outbox rows still waiting (pending or failed). */
  readonly waiting = $derived(this.#outbox.filter((e) => e.state !== 'delivered').length);

  dismissError(): void {
    this.#error = null;
  }

  async #guard<T>(label: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.#busy = label;
    this.#error = null;
    try {
      return await fn();
    } catch (e) {
      this.#error = messageOf(e);
      return undefined;
    } finally {
      this.#busy = null;
    }
  }

  /** Loads the series list of a study (their source: DICOM or NIfTI) for the series menu. */
  async loadSeries(studyId: string): Promise<void> {
    if (this.#series?.studyId === studyId) return;
    try {
      const s = await this.#api.getStudy({ studyId });
      this.#series = {
        studyId,
        rows: s.series.map((r) => ({
          id: r.id,
          description: r.description,
          source: r.source,
          dims: r.dims,
        })),
      };
      this.seriesId = '';
    } catch (e) {
      this.#error = messageOf(e);
    }
  }

  /** Subscribes to the send progress events; returns the unsubscribe function. */
  listen(): () => void {
    return this.#app.client.onEvent((e: ApiEvent) => {
      const s = this.#send;
      if (!s || s.outcome || e.type !== 'job.progress' || e.stage !== SEND_STAGE) return;
      this.#send = { ...s, done: e.done, total: e.total };
    });
  }

  /** Writes the chosen labelmap as SEG or NIfTI on the chosen series into the chosen folder. */
  async exportNow(): Promise<void> {
    const study = this.#app.study;
    const source = this.source;
    const sessionId = this.#app.session?.id;
    const jobId = this.#app.result?.jobId;
    if (!study || !source || this.blocked) {
      this.#error = this.blocked ?? 'Nothing to export.';
      return;
    }
    const params = {
      ...(source === 'session' && sessionId ? { sessionId } : { jobId: jobId ?? '' }),
      // A series picked for the other format (a NIfTI series, then SEG) falls back to the default.
      ...(this.seriesOptions.some((o) => o.id === this.seriesId) ? { series: this.seriesId } : {}),
      ...(this.outDir.trim() ? { outDir: this.outDir.trim() } : {}),
    };
    const format = this.format;
    const r = await this.#guard('Exporting…', () =>
      format === 'seg' ? this.#api.exportSeg(params) : this.#api.exportNifti(params),
    );
    if (!r) return;
    const description =
      this.#series?.rows.find((x) => x.id === r.sourceSeriesId)?.description ?? r.sourceSeriesId;
    this.#last = { studyId: study.id, result: r, seriesDescription: description };
    this.#send = null;
  }

  /** Picks the output folder with the native dialog (Electron); web mode types a path instead. */
  async chooseFolder(): Promise<void> {
    const picked = await this.#app.client.transport.openPath?.('outputFolder');
    if (picked) this.outDir = picked;
  }

  /** True when a native folder dialog exists (Electron). */
  get hasFolderDialog(): boolean {
    return !!this.#app.client.transport.openPath;
  }

  async loadDestinations(): Promise<void> {
    const list = await this.#guard('Loading destinations…', () => this.#api.listDestinations({}));
    if (!list) return;
    this.#destinations = list;
    if (!list.some((d) => d.name === this.destination)) this.destination = list[0]?.name ?? '';
  }

  /** Adds or edits a destination (`replaces`: its name before an edit); true when saved. */
  async saveDestination(destination: DestinationInput, replaces?: string): Promise<boolean> {
    const saved = await this.#guard('Saving destination…', () =>
      this.#api.saveDestination({ destination, ...(replaces ? { replaces } : {}) }),
    );
    if (!saved) return false;
    await this.loadDestinations();
    this.#tests = Object.fromEntries(
      Object.entries(this.#tests).filter(([k]) => k !== saved.name && k !== replaces),
    );
    return true;
  }

  async removeDestination(name: string): Promise<void> {
    const r = await this.#guard('Removing destination…', () =>
      this.#api.removeDestination({ name }),
    );
    if (r) await this.loadDestinations();
  }

  /** "Test connection": C-ECHO or a QIDO-RS query; the outcome shows next to the destination. */
  async testDestination(name: string): Promise<void> {
    this.#tests = { ...this.#tests, [name]: 'running' };
    let outcome: TestOutcome;
    try {
      const r = await this.#api.testDestination({ name });
      outcome = { ok: true, ms: r.ms };
    } catch (e) {
      outcome = { ok: false, message: messageOf(e) };
    }
    this.#tests = { ...this.#tests, [name]: outcome };
  }

  /** Sends the last SEG export to the chosen destination (through the outbox). */
  async sendLast(): Promise<void> {
    const last = this.last;
    const to = this.destination;
    if (!last || last.result.format !== 'seg' || !to) return;
    this.#send = { file: last.result.file, to, done: 0, total: 1, outcome: null };
    const r = await this.#guard(`Sending to ${to}…`, () =>
      this.#api.send({ files: [last.result.file], to }),
    );
    const s = this.#send;
    if (!r) {
      this.#send = null;
      return;
    }
    this.#send = {
      ...s,
      done: r.delivered ? r.instances : s.done,
      total: r.delivered ? r.instances : s.total,
      outcome: r.delivered
        ? { delivered: true, instances: r.instances }
        : {
            delivered: false,
            outboxId: r.outboxId,
            error: r.error ?? { code: 'UNKNOWN', message: 'not delivered' },
          },
    };
    await this.refreshOutbox();
  }

  /** Reloads the outbox rows (quietly: polling must not flash errors over the form). */
  async refreshOutbox(): Promise<void> {
    try {
      this.#outbox = await this.#api.listOutbox({});
    } catch (e) {
      this.#error = messageOf(e);
    }
  }

  /** "Retry now" for one item. */
  async retry(id: string): Promise<void> {
    const r = await this.#guard('Retrying…', () => this.#api.outboxRetry({ id }));
    if (r?.failed[0]) this.#error = `Still not delivered: ${r.failed[0].message}`;
    await this.refreshOutbox();
  }

  /** Removes an item from the outbox (never sent) or a delivered one from the history. */
  async remove(id: string): Promise<void> {
    await this.#guard('Removing…', () => this.#api.outboxRemove({ id }));
    await this.refreshOutbox();
  }
}
