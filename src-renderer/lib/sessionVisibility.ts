/**
 * Which stored sessions of the open study the session list offers. In a blinded reader study the
 * reader sees only their own session: another reader's session (or one started from the model's
 * mask) would show the model's output the project hides, so it is left out and counted instead.
 */

/** The sessions to list, and how many were left out. */
export interface VisibleSessions<T> {
  readonly shown: readonly T[];
  readonly hidden: number;
}

/** `blindedSessionId`: the reader's own session when a blinded project case is open, else null. */
export function visibleSessions<T extends { readonly id: string }>(
  sessions: readonly T[],
  blindedSessionId: string | null,
): VisibleSessions<T> {
  if (blindedSessionId === null) return { shown: sessions, hidden: 0 };
  const shown = sessions.filter((s) => s.id === blindedSessionId);
  return { shown, hidden: sessions.length - shown.length };
}
