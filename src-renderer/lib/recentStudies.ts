/**
 * The reader's recent studies and the job running when the page went away (pure functions over a
 * Storage, so tests pass a fake): after a reload the last study reopens, a running segmentation is
 * reattached, and the empty screen offers the recent studies by path.
 */

/** The part of the Web Storage API used here (localStorage; a Map-backed fake in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** One recent study. */
export interface RecentStudy {
  readonly id: string;
  readonly path: string;
  readonly title: string;
  /** Last opened (ISO time). */
  readonly at: string;
}

/** A segmentation that was running when the page was left. */
export interface PendingJob {
  readonly jobId: string;
  readonly studyId: string;
  /** Provider chosen for it. */
  readonly provider: string;
}

/** localStorage keys. */
const RECENT_KEY = 'metakd.recentStudies';
const JOB_KEY = 'metakd.runningJob';
const SESSION_KEY = 'metakd.openSession';
/** Studies kept in the list. */
export const MAX_RECENT = 8;

function readJson<T>(storage: KeyValueStore, key: string): T | null {
  try {
    const text = storage.getItem(key);
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null; // a damaged entry is forgotten, not an error on start
  }
}

/** Recent studies, newest first. */
export function recentStudies(storage: KeyValueStore): RecentStudy[] {
  const list = readJson<RecentStudy[]>(storage, RECENT_KEY);
  return Array.isArray(list) ? list.filter((r) => r && typeof r.path === 'string') : [];
}

/** Puts a study at the top of the recent list (one entry per path). */
export function rememberStudy(
  storage: KeyValueStore,
  study: Omit<RecentStudy, 'at'>,
  now = new Date(),
): void {
  const rest = recentStudies(storage).filter((r) => r.path !== study.path && r.id !== study.id);
  const next = [{ ...study, at: now.toISOString() }, ...rest].slice(0, MAX_RECENT);
  storage.setItem(RECENT_KEY, JSON.stringify(next));
}

/** Removes a study from the recent list (its path no longer opens). */
export function forgetStudy(storage: KeyValueStore, path: string): void {
  const next = recentStudies(storage).filter((r) => r.path !== path);
  storage.setItem(RECENT_KEY, JSON.stringify(next));
}

/** The job that was running, if any. */
export function pendingJob(storage: KeyValueStore): PendingJob | null {
  const j = readJson<PendingJob>(storage, JOB_KEY);
  return j && typeof j.jobId === 'string' && typeof j.studyId === 'string' ? j : null;
}

/** Records (or with null clears) the running job. */
export function setPendingJob(storage: KeyValueStore, job: PendingJob | null): void {
  if (job) storage.setItem(JOB_KEY, JSON.stringify(job));
  else storage.removeItem(JOB_KEY);
}

/** The review session that was open, with its study. */
export function openSessionRef(
  storage: KeyValueStore,
): { sessionId: string; studyId: string } | null {
  const s = readJson<{ sessionId: string; studyId: string }>(storage, SESSION_KEY);
  return s && typeof s.sessionId === 'string' ? s : null;
}

/** Records (or with null clears) the open session. */
export function setOpenSessionRef(
  storage: KeyValueStore,
  ref: { sessionId: string; studyId: string } | null,
): void {
  if (ref) storage.setItem(SESSION_KEY, JSON.stringify(ref));
  else storage.removeItem(SESSION_KEY);
}
