/**
 * The segmentation run of the review screen (STYLE.md §8, a reactive class): the job while it
 * runs (progress from the service's events, or polled once a page reload reattached to it) and
 * the result it produced. When the job ends, its result and review session are shown — never
 * over another study than the one it was computed for.
 */
import type { ApiEvent } from '../../src-main/api/contract.ts';
import { ApiCallError } from './bridge.ts';
import type { ReviewClient, SessionView } from './reviewClient.ts';
import { PROVIDER_FAILED, runErrorView } from './providers.ts';
import { setPendingJob } from './recentStudies.ts';
import type { JobView, ResultView } from './viewTypes.ts';
import { toErrorView, type AppStatus } from './appStatus.svelte.ts';
import type { ReviewControls } from './reviewControls.svelte.ts';

/** How often a job reattached after a reload is polled (its events may have been missed). */
const REATTACH_POLL_MS = 1500;

/** What a segmentation run works with. */
export interface SegmentationJobDeps {
  readonly client: ReviewClient;
  readonly status: AppStatus;
  /** Run settings (provider, preparation mode) and the reader's name. */
  readonly controls: ReviewControls;
  /** The study open now. */
  readonly openStudyId: () => string | null;
  /** Shows the finished run's review session (and with it the overlay). */
  readonly showSession: (session: SessionView) => void;
  /** The open study's stored sessions changed. */
  readonly sessionsChanged: () => void;
}

/** The running job and the result of the last finished one. */
export class SegmentationJob {
  readonly #deps: SegmentationJobDeps;
  #job = $state.raw<JobView | null>(null);
  #result = $state.raw<ResultView | null>(null);
  #poll: ReturnType<typeof setInterval> | null = null;
  /** Study the running job segments (the reader may open another one meanwhile). */
  #jobStudy: string | null = null;

  constructor(deps: SegmentationJobDeps) {
    this.#deps = deps;
    deps.client.onEvent((e) => this.#onEvent(e));
  }

  /** The running job, or null. */
  get job() {
    return this.#job;
  }
  /** The result of the run shown (null: none, or a reopened session's own). */
  get result() {
    return this.#result;
  }

  /** Forgets the shown result (another study, a new run, a reopened session). */
  clearResult(): void {
    this.#result = null;
  }

  /** Starts a segmentation of a study with the chosen provider and preparation mode. */
  async start(studyId: string): Promise<void> {
    const { client, status, controls } = this.#deps;
    performance.mark('metakd:run-clicked');
    const provider = controls.provider;
    const jobId = await status.guard('Starting…', () =>
      client.startSegmentation(studyId, provider, controls.prepMode),
    );
    if (jobId) {
      this.#job = { jobId, stage: 'starting', done: 0, total: 0 };
      this.#jobStudy = studyId;
      setPendingJob(localStorage, { jobId, studyId, provider });
    }
  }

  /** Cancels the running job (Esc). */
  async cancel(): Promise<void> {
    const job = this.#job;
    if (!job) return;
    await this.#deps.status.guard('Cancelling…', () => this.#deps.client.cancelJob(job.jobId));
  }

  /** Follows a job started before the page reloaded. */
  async reattach(jobId: string, provider: string): Promise<void> {
    const { client, status, controls } = this.#deps;
    const started = await client.jobStatus(jobId).catch(() => null);
    if (!started) {
      setPendingJob(localStorage, null);
      status.note(
        'The segmentation that was running when the page reloaded was lost (the service restarted): run it again.',
      );
      return;
    }
    controls.provider = provider;
    this.#jobStudy = this.#deps.openStudyId();
    this.#job = {
      jobId,
      stage: started.stage ?? 'starting',
      done: started.done ?? 0,
      total: started.total ?? 0,
    };
    status.note('Reattached to the segmentation that was running before the page reloaded.');
    // Its finish event may already have gone out; poll until it ends.
    const check = async () => {
      const st = await client.jobStatus(jobId).catch(() => null);
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
    const { status, controls } = this.#deps;
    if (e.status === 'done') void this.#finish(job.jobId);
    else if (e.status === 'cancelled') status.note('Segmentation cancelled.');
    else {
      const err = toErrorView(e.error ? new ApiCallError(e.error) : 'Segmentation failed.');
      status.fail(runErrorView(err, controls.provider));
      // A provider that failed does not stay selected: the next run picks one that works.
      if (err.code === PROVIDER_FAILED) controls.provider = 'auto';
    }
  }

  async #finish(jobId: string): Promise<void> {
    const { client, status, controls } = this.#deps;
    await status.guard('Loading result…', async () => {
      // The session (and with it the overlay) does not wait for the result panel's data.
      const [result, session] = await Promise.all([
        client.getResult(jobId),
        client.createSession(jobId, controls.readerName()),
      ]);
      performance.mark('metakd:session-ready');
      if (this.#jobStudy !== this.#deps.openStudyId()) {
        // Never show a result over another study than the one it was computed for.
        status.note(
          'A segmentation finished for a study that is not open: its review session is listed under that study.',
        );
        return;
      }
      this.#result = result;
      this.#deps.showSession(session);
    });
    this.#deps.sessionsChanged();
  }
}
