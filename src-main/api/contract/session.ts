/**
 * Contract: review sessions (edits, sign-off, autosave, audit trail). Owner: the review app (issue 5).
 */
export const sessionMethods = {} as const;
