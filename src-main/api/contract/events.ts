/**
 * Events the service pushes to the caller while work runs (progress, job completion). IPC sends
 * them on one channel, HTTP on one server-sent-event stream, the CLI prints them.
 */

/** Progress of a long-running job. */
export interface JobProgressEvent {
  readonly type: 'job.progress';
  readonly jobId: string;
  /** Stage name, e.g. "import", "preprocess", "inference", "contributions", "export", "send". */
  readonly stage: string;
  readonly done: number;
  readonly total: number;
  readonly message?: string;
}

/** A job ended (successfully, with an error, or cancelled). */
export interface JobFinishedEvent {
  readonly type: 'job.finished';
  readonly jobId: string;
  readonly status: 'done' | 'error' | 'cancelled';
  readonly error?: ApiErrorDto;
}

/** Any event the api emits. */
export type ApiEvent = JobProgressEvent | JobFinishedEvent;

/** How an error crosses a transport. */
export interface ApiErrorDto {
  /** A stable code from core/errors.ts ErrorCode. */
  readonly code: string;
  readonly message: string;
  readonly file?: string;
}

/** What every service method receives besides its params. */
export interface CallContext {
  /** Pushes an event to this caller (progress bars, job ends). */
  emit(event: ApiEvent): void;
  /** Aborted when the caller cancels. */
  readonly signal?: AbortSignal;
}
