/**
 * The error of a send ended by its AbortSignal (pure): the caller's overall deadline
 * (`AbortSignal.timeout`, reason TimeoutError) is a PACS timeout; anything else is a cancel.
 */
import { ErrorCode, MetaKdError } from '../../errors.ts';

/** The error for a send to `where` ended by `signal`. */
export function abortedSendError(where: string, signal: AbortSignal): MetaKdError {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? new MetaKdError(
        ErrorCode.PacsTimeout,
        `Sending to ${where} did not finish before the deadline; what was not confirmed stays in the outbox.`,
      )
    : new MetaKdError(ErrorCode.Cancelled, `Sending to ${where} was cancelled.`);
}
