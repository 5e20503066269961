/**
 * The worklist: one row per case with its sequences, the model's status and each reader's progress
 * (not started / in progress / signed off, time spent). Derived from the project, the case records
 * and the session records — nothing here is stored twice.
 */
import type { AuditEntry, SessionRecord } from '../sessions/types.ts';
import type { CaseAgreement } from './agreement.ts';
import type { CaseRecord, ModelStatus, ProjectRecord, ProjectSettings } from './projectTypes.ts';

/** A reader's progress on a case. */
export type ReaderState = 'not-started' | 'in-progress' | 'signed-off';

/** One reader's cell of a worklist row. */
export interface ReaderCell {
  readonly reader: string;
  readonly state: ReaderState;
  readonly sessionId?: string;
  /** Active time in the session (see activeTimeMs). */
  readonly timeSpentMs: number;
  readonly lastChange?: string;
}

/** One worklist row. */
export interface WorklistRow {
  readonly caseId: string;
  readonly path: string;
  /** Slots present (once the case was imported). */
  readonly present: readonly string[] | null;
  readonly missing: readonly string[] | null;
  readonly model: ModelStatus;
  readonly modelError?: string;
  readonly readers: readonly ReaderCell[];
  readonly agreement?: CaseAgreement;
}

/** The whole worklist with progress counts. */
export interface Worklist {
  readonly projectId: string;
  readonly name: string;
  readonly readers: readonly string[];
  /** What readers see (blinded modes): the review screen hides the model run when blinded. */
  readonly settings: ProjectSettings;
  readonly rows: readonly WorklistRow[];
  readonly progress: {
    readonly cases: number;
    readonly modelDone: number;
    readonly modelFailed: number;
    /** Reader-case pairs signed off, of cases × readers. */
    readonly signedOff: number;
    readonly annotations: number;
  };
}

const SLOTS = ['flair', 't1', 't1ce', 't2'] as const;
/** A gap longer than this between two actions of a reader counts as a break, not work. */
export const IDLE_GAP_MS = 5 * 60_000;

/** Time a reader spent on a session: the sum of gaps between their audit entries, breaks left out. */
export function activeTimeMs(audit: readonly AuditEntry[], reader: string): number {
  const times = audit
    .filter((a) => a.reader === reader)
    .map((a) => Date.parse(a.at))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  let total = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i] - times[i - 1];
    if (gap <= IDLE_GAP_MS) total += gap;
  }
  return total;
}

/** Builds the worklist from the project, its case records and the session records by id. */
export function buildWorklist(
  project: ProjectRecord,
  cases: ReadonlyMap<string, CaseRecord>,
  sessions: ReadonlyMap<string, SessionRecord>,
): Worklist {
  let modelDone = 0;
  let modelFailed = 0;
  let signedOff = 0;
  const rows = project.cases.map((c): WorklistRow => {
    const rec = cases.get(c.id) ?? { caseId: c.id, model: { status: 'queued' }, annotations: [] };
    if (rec.model.status === 'done') modelDone++;
    if (rec.model.status === 'failed') modelFailed++;
    const readers = project.readers.map((reader): ReaderCell => {
      const ann = [...rec.annotations].reverse().find((a) => a.reader === reader);
      const s = ann && sessions.get(ann.sessionId);
      if (!ann || !s) return { reader, state: 'not-started', timeSpentMs: 0 };
      if (s.signOff) signedOff++;
      return {
        reader,
        state: s.signOff ? 'signed-off' : 'in-progress',
        sessionId: s.id,
        timeSpentMs: activeTimeMs(s.audit, reader),
        lastChange: s.updatedAt,
      };
    });
    const present = rec.model.present ?? null;
    return {
      caseId: c.id,
      path: c.path,
      present,
      missing: present ? SLOTS.filter((s) => !present.includes(s)) : null,
      model: rec.model.status,
      ...(rec.model.error
        ? { modelError: `${rec.model.error.code}: ${rec.model.error.message}` }
        : {}),
      readers,
      ...(rec.agreement ? { agreement: rec.agreement } : {}),
    };
  });
  return {
    projectId: project.id,
    name: project.name,
    readers: project.readers,
    settings: project.settings,
    rows,
    progress: {
      cases: rows.length,
      modelDone,
      modelFailed,
      signedOff,
      annotations: rows.length * project.readers.length,
    },
  };
}
