/**
 * The sign-off check (issue 11; pure): a reader may sign off only what their screen showed, and
 * only while it is current. Refused (a MetaKdError, nothing saved) when
 * - the session changed after the reader's screen loaded it (optimistic concurrency on the
 *   session's `updatedAt`: another tab, reader or process edited, undid or signed it meanwhile);
 * - the result the screen showed was computed from other inputs than this session's result;
 * - the session's result was computed for other series than the study's slots hold now
 *   ("Computed for FLAIR + T1ce + T2 — inputs changed (T1), run again."), by the same definition
 *   as the renderer's stale note (resultInputs.ts).
 * Runs inside the session's lock (SessionStore.signOff), on the session as last saved.
 */
import { ErrorCode, MetaKdError } from '../errors.ts';
import { changedSlots, sequencesLabel, staleMessage, toResultInputs } from './resultInputs.ts';
import type { ResultInputs } from './resultInputs.ts';
import type { SessionRecord } from './types.ts';

/** What the reader's screen showed when Sign off was pressed. */
export interface SignOffSeen {
  /** The session's `updatedAt` as the screen last received it (the revision the reader saw). */
  readonly updatedAt: string;
  /**
   * Series per slot of the result the screen showed (the session's `result.inputSeries`); null
   * for a session that records no inputs (made before issue 11).
   */
  readonly inputSeries: Readonly<Record<string, string | null>> | null;
}

/** What the check compares the session with. */
export interface SignOffCheck {
  readonly seen: SignOffSeen;
  /**
   * The study's current slot assignment, or null when the study is not imported in this process
   * (then there is no assignment the result could be stale against: no screen shows that study).
   */
  readonly currentAssignment: (studyId: string) => ResultInputs | null;
}

/** Why this sign-off must be refused, or null when it may go ahead. */
export function signOffRefusal(record: SessionRecord, check: SignOffCheck): MetaKdError | null {
  const { seen } = check;
  if (record.updatedAt !== seen.updatedAt) {
    const last = record.audit.at(-1);
    const what = last ? ` (${last.action} by ${last.reader} at ${last.at})` : '';
    return new MetaKdError(
      ErrorCode.SessionConflict,
      `The session changed after your screen loaded it${what}; look at it again before signing off.`,
    );
  }
  const recorded = record.result ? toResultInputs(record.result.inputSeries) : null;
  const shown = seen.inputSeries ? toResultInputs(seen.inputSeries) : null;
  if (
    (recorded === null) !== (shown === null) ||
    (recorded && shown && changedSlots(recorded, shown).length > 0)
  ) {
    const label = (x: ResultInputs | null) => (x ? sequencesLabel(x) : 'unrecorded inputs');
    return new MetaKdError(
      ErrorCode.SessionConflict,
      `Your screen showed a result computed for ${label(shown)}, but this session's result was ` +
        `computed for ${label(recorded)}; open the session again before signing off.`,
    );
  }
  const assignment = recorded ? check.currentAssignment(record.studyId) : null;
  const stale = recorded && assignment ? staleMessage(recorded, assignment) : null;
  if (stale) {
    return new MetaKdError(
      ErrorCode.SessionStale,
      `Cannot sign off: ${stale} (or set the sequences back as they were).`,
    );
  }
  return null;
}
