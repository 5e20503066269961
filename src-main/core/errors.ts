/**
 * One error type for the whole domain, each with a stable `code` (STYLE.md §5).
 * The api service turns a MetaKdError into `{code, message, file?}`; transports map that to an IPC
 * rejection, an HTTP status or a CLI exit code. Messages say what went wrong, name the file, and say
 * what to do. They never contain patient-identifying values (name, ID, birth date).
 */

/** Stable error codes. Add new ones at the end; never rename. */
export const ErrorCode = {
  InvalidArgument: 'INVALID_ARGUMENT',
  NotFound: 'NOT_FOUND',
  EmptyFolder: 'EMPTY_FOLDER',
  NoImages: 'NO_IMAGES',
  NiftiInvalid: 'NIFTI_INVALID',
  NiftiTruncated: 'NIFTI_TRUNCATED',
  DicomInvalid: 'DICOM_INVALID',
  DicomUnsupportedTransferSyntax: 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX',
  GeometryMismatch: 'GEOMETRY_MISMATCH',
  NoUsableSequence: 'NO_USABLE_SEQUENCE',
  ModelInvalid: 'MODEL_INVALID',
  ModelChecksum: 'MODEL_CHECKSUM',
  ProviderFailed: 'PROVIDER_FAILED',
  Cancelled: 'CANCELLED',
  SegUnsupported: 'SEG_UNSUPPORTED',
  ExportInvalid: 'EXPORT_INVALID',
  PacsRefused: 'PACS_REFUSED',
  PacsUnreachable: 'PACS_UNREACHABLE',
  PacsHttp: 'PACS_HTTP',
  PacsTimeout: 'PACS_TIMEOUT',
  SessionInvalid: 'SESSION_INVALID',
  Internal: 'INTERNAL',
  /** A series could not be registered (preparation of raw studies, issue 10). */
  RegistrationFailed: 'REGISTRATION_FAILED',
  SchedulerFailed: 'SCHEDULER_FAILED',
  ProjectInvalid: 'PROJECT_INVALID',
  /** Brain extraction found no brain in a series (preparation of raw studies, issue 10). */
  BrainMaskEmpty: 'BRAIN_MASK_EMPTY',
  /** Sign-off refused: the session's result was computed for other series than the slots hold now (issue 11). */
  SessionStale: 'SESSION_STALE',
  /** Refused: the session changed after the caller loaded it (optimistic concurrency, issue 11). */
  SessionConflict: 'SESSION_CONFLICT',
} as const;

/** One of the stable error code strings. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options that give an error its context. */
export interface MetaKdErrorOptions {
  /** The file or folder the error concerns, when there is one. */
  file?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** The domain error: a stable code, a readable message and the file it concerns. */
export class MetaKdError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** The file or folder the error concerns, if any. */
  readonly file?: string;

  constructor(code: ErrorCode, message: string, options: MetaKdErrorOptions = {}) {
    super(
      options.file && !message.includes(options.file) ? `${options.file}: ${message}` : message,
      {
        cause: options.cause,
      },
    );
    this.name = 'MetaKdError';
    this.code = code;
    this.file = options.file;
  }
}

/** True when `e` is a MetaKdError (optionally with the given code). */
export function isMetaKdError(e: unknown, code?: ErrorCode): e is MetaKdError {
  return e instanceof MetaKdError && (code === undefined || e.code === code);
}

/** Throws a Cancelled error when the signal is aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MetaKdError(ErrorCode.Cancelled, 'Cancelled by the user.');
}
