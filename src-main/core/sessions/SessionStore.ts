/**
 * Stores review sessions under `<dataDir>/sessions/<id>/`: `session.json` (edits, sign-off, audit
 * trail; autosaved atomically after every change) and `original.labels.gz` (the model's labelmap,
 * written once). The current labelmap is the original with the edits replayed, so a session
 * reopened after a crash is exactly what the reader last saw.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFile, readdir } from 'node:fs/promises';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { voxelCount, type Geometry } from '../volume/Geometry.ts';
import { mkdirPrivate, writeFileAtomic } from '../io/atomicWrite.ts';
import { withSessionLock } from './sessionLock.ts';
import { relabelComponent } from './relabelComponent.ts';
import { paintSphere, paintStroke } from './paintSphere.ts';
import { signOffRefusal, type SignOffCheck } from './signOffCheck.ts';
import {
  SESSION_SCHEMA_VERSION,
  type AuditAction,
  type SessionEdit,
  type SessionModelInfo,
  type SessionRecord,
  type SessionMeasurement,
  type SessionResultFacts,
} from './types.ts';

/** How a failed session write is reported. */
const SESSION_WRITE = { errorCode: ErrorCode.SessionInvalid, what: 'the review session' } as const;

const SESSION_FILE = 'session.json';
const ORIGINAL_FILE = 'original.labels.gz';
/** The preparation's brain mask (uint8 0/1 on the labelmap grid), written once (issue 10). */
const BRAIN_MASK_FILE = 'brain-mask.gz';
/** BraTS label names for audit details. */
const LABEL_NAME: Readonly<Record<number, string>> = {
  0: 'background',
  1: 'NCR',
  2: 'ED',
  4: 'ET',
};

/** What a new session starts from. */
export interface NewSession {
  readonly studyId: string;
  readonly sourcePath: string;
  readonly reader: string;
  readonly model: SessionModelInfo;
  readonly sequencesUsed: readonly string[];
  readonly referenceSeriesId: string;
  readonly geometry: Geometry;
  /** The model's labelmap (0/1/2/4) on `geometry`. Copied. */
  readonly labels: Uint8Array;
  /** The result's inputs, warnings and expected accuracy, kept for resuming (issue 11). */
  readonly result?: SessionResultFacts;
  /** Audit detail of the 'created' entry (default: a model segmentation opened for review). */
  readonly createdDetail?: string;
  /** The preparation's brain mask on `geometry` (issue 10), kept for the reader's check. */
  readonly brainMask?: Uint8Array;
}

/** A loaded session: the record and the current (edited) labelmap. */
export interface LoadedSession {
  readonly record: SessionRecord;
  readonly labels: Uint8Array;
}

/** Session ids are UUIDs; anything else is refused before touching the disk. */
const ID_PATTERN = /^[0-9a-f-]{36}$/;

/** Review sessions on disk. */
export class SessionStore {
  readonly #root: string;
  /** Loaded sessions by id (the current labelmap is kept to avoid replaying on every call). */
  readonly #open = new Map<string, LoadedSession>();

  constructor(dataDir: string) {
    this.#root = path.join(dataDir, 'sessions');
  }

  #dir(id: string): string {
    if (!ID_PATTERN.test(id)) {
      throw new MetaKdError(ErrorCode.InvalidArgument, `"${id}" is not a session id.`);
    }
    return path.join(this.#root, id);
  }

  /** Creates a session, writes the original labelmap and the first session.json. */
  async create(input: NewSession): Promise<LoadedSession> {
    if (input.labels.length !== voxelCount(input.geometry)) {
      throw new MetaKdError(
        ErrorCode.SessionInvalid,
        `Labelmap has ${input.labels.length} voxels but its grid needs ${voxelCount(input.geometry)}.`,
      );
    }
    const id = randomUUID();
    const dir = this.#dir(id);
    await mkdirPrivate(dir);
    await writeFileAtomic(
      path.join(dir, ORIGINAL_FILE),
      gzipSync(input.labels, { level: 1 }),
      SESSION_WRITE,
    );
    if (input.brainMask && input.brainMask.length === input.labels.length) {
      await writeFileAtomic(
        path.join(dir, BRAIN_MASK_FILE),
        gzipSync(input.brainMask, { level: 1 }),
        SESSION_WRITE,
      );
    }
    const now = new Date().toISOString();
    const record: SessionRecord = {
      schemaVersion: SESSION_SCHEMA_VERSION,
      id,
      studyId: input.studyId,
      sourcePath: input.sourcePath,
      createdAt: now,
      updatedAt: now,
      model: input.model,
      sequencesUsed: input.sequencesUsed,
      geometry: input.geometry,
      referenceSeriesId: input.referenceSeriesId,
      edits: [],
      signOff: null,
      audit: [],
      ...(input.result ? { result: input.result } : {}),
    };
    const loaded = { record, labels: input.labels.slice() };
    this.#open.set(id, loaded);
    return this.#save(
      id,
      loaded,
      input.reader,
      'created',
      input.createdDetail ?? 'segmentation opened for review',
    );
  }

  /** Loads a session (from memory, or from disk with the edits replayed). */
  async load(id: string): Promise<LoadedSession> {
    const cached = this.#open.get(id);
    if (cached) return cached;
    const dir = this.#dir(id);
    const file = path.join(dir, SESSION_FILE);
    let record: SessionRecord;
    let labels: Uint8Array;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as SessionRecord;
      labels = new Uint8Array(gunzipSync(await readFile(path.join(dir, ORIGINAL_FILE))));
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new MetaKdError(
        missing ? ErrorCode.NotFound : ErrorCode.SessionInvalid,
        missing
          ? 'No such review session.'
          : `Session files are unreadable: ${(e as Error).message}`,
        { file, cause: e },
      );
    }
    if (
      record.schemaVersion !== SESSION_SCHEMA_VERSION ||
      labels.length !== voxelCount(record.geometry)
    ) {
      throw new MetaKdError(ErrorCode.SessionInvalid, 'Session format or labelmap size is wrong.', {
        file,
      });
    }
    for (const r of record.edits) applyEdit(labels, record.geometry, r.edit);
    const loaded = { record, labels };
    this.#open.set(id, loaded);
    return loaded;
  }

  /** A session's stored record only (no labelmap replay; nothing cached). */
  async readRecord(id: string): Promise<SessionRecord> {
    const cached = this.#open.get(id);
    if (cached) return cached.record;
    const file = path.join(this.#dir(id), SESSION_FILE);
    try {
      return JSON.parse(await readFile(file, 'utf8')) as SessionRecord;
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new MetaKdError(
        missing ? ErrorCode.NotFound : ErrorCode.SessionInvalid,
        missing ? 'No such review session.' : `Session file is unreadable: ${(e as Error).message}`,
        { file, cause: e },
      );
    }
  }

  /** The brain mask the session was created with (issue 10), or null when none was kept. */
  async brainMask(id: string): Promise<Uint8Array | null> {
    const file = path.join(this.#dir(id), BRAIN_MASK_FILE);
    try {
      return new Uint8Array(gunzipSync(await readFile(file)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new MetaKdError(
        ErrorCode.SessionInvalid,
        `Brain mask is unreadable: ${(e as Error).message}`,
        {
          file,
          cause: e,
        },
      );
    }
  }

  /** Loads a session for a reader and records that it was opened (audit trail). */
  async opened(id: string, reader: string): Promise<LoadedSession> {
    return this.#exclusive(id, async (s) => {
      return this.#save(id, s, reader, 'opened', 'session opened for review');
    });
  }

  /** Sessions on disk, newest first (records only). */
  async list(): Promise<SessionRecord[]> {
    const names = await readdir(this.#root).catch(() => [] as string[]);
    const out: SessionRecord[] = [];
    for (const n of names) {
      if (!ID_PATTERN.test(n)) continue;
      const text = await readFile(path.join(this.#root, n, SESSION_FILE), 'utf8').catch(() => null);
      if (text) out.push(JSON.parse(text) as SessionRecord);
    }
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /**
   * The records of the given sessions only (a project's worklist), read in parallel; a missing or
   * unreadable one is left out, as list() leaves it out.
   */
  async records(ids: readonly string[]): Promise<Map<string, SessionRecord>> {
    const read = async (id: string): Promise<SessionRecord | null> => {
      if (!ID_PATTERN.test(id)) return null;
      const text = await readFile(path.join(this.#root, id, SESSION_FILE), 'utf8').catch(
        () => null,
      );
      try {
        return text ? (JSON.parse(text) as SessionRecord) : null;
      } catch {
        return null;
      }
    };
    const unique = [...new Set(ids)];
    const recs = await Promise.all(unique.map(read));
    return new Map(recs.flatMap((r, i) => (r ? [[unique[i], r] as const] : [])));
  }

  /** Applies an edit (refused after sign-off), autosaves, returns the session. */
  async edit(id: string, reader: string, edit: SessionEdit): Promise<LoadedSession> {
    return this.#exclusive(id, async (s) => {
      if (s.record.signOff) {
        throw new MetaKdError(
          ErrorCode.SessionInvalid,
          `Session was signed off by ${s.record.signOff.reader}; reopen it before editing.`,
        );
      }
      const outcome = applyEdit(s.labels, s.record.geometry, edit);
      if (outcome.voxels === 0) return s;
      const next: LoadedSession = {
        labels: s.labels,
        record: {
          ...s.record,
          edits: [
            ...s.record.edits,
            {
              edit,
              at: new Date().toISOString(),
              reader,
              fromLabel: outcome.fromLabel,
              voxels: outcome.voxels,
            },
          ],
        },
      };
      const detail = describeEdit(edit, outcome);
      return this.#save(id, next, reader, 'edit', detail);
    });
  }

  /** Removes the last edit (rebuilds the labelmap from the original). */
  async undo(id: string, reader: string): Promise<LoadedSession> {
    return this.#exclusive(id, async (s) => {
      if (s.record.signOff) {
        throw new MetaKdError(ErrorCode.SessionInvalid, 'Session is signed off; reopen it first.');
      }
      if (s.record.edits.length === 0) return s;
      const edits = s.record.edits.slice(0, -1);
      const original = new Uint8Array(
        gunzipSync(await readFile(path.join(this.#dir(id), ORIGINAL_FILE))),
      );
      for (const r of edits) applyEdit(original, s.record.geometry, r.edit);
      const next = { labels: original, record: { ...s.record, edits } };
      return this.#save(id, next, reader, 'undo', `undid edit ${s.record.edits.length}`);
    });
  }

  /**
   * Replaces the reader's measurements (lengths are computed here from the points, not taken from
   * the caller). Refused after sign-off, like edits.
   */
  async setMeasurements(
    id: string,
    reader: string,
    input: readonly MeasurementInput[],
  ): Promise<LoadedSession> {
    return this.#exclusive(id, async (s) => {
      if (s.record.signOff) {
        throw new MetaKdError(
          ErrorCode.SessionInvalid,
          `Session was signed off by ${s.record.signOff.reader}; reopen it before measuring.`,
        );
      }
      const measurements = input.map(toMeasurement);
      const next = { labels: s.labels, record: { ...s.record, measurements } };
      const detail = measurements.length
        ? measurements.map(describeMeasurement).join('; ')
        : 'all measurements removed';
      return this.#save(id, next, reader, 'measurements', detail);
    });
  }

  /**
   * Signs the session off (reader and time). With `check` (the api always passes one) it is
   * refused unless the reader saw the session as last saved and its result is current
   * (signOffCheck.ts); the check runs under the session's lock, on what is on disk.
   */
  async signOff(id: string, reader: string, check?: SignOffCheck): Promise<LoadedSession> {
    return this.#exclusive(id, async (s) => {
      const refusal = check ? signOffRefusal(s.record, check) : null;
      if (refusal) throw refusal;
      const at = new Date().toISOString();
      const next = { labels: s.labels, record: { ...s.record, signOff: { reader, at } } };
      return this.#save(
        id,
        next,
        reader,
        'signOff',
        `signed off with ${s.record.edits.length} edits`,
      );
    });
  }

  /** Reopens a signed-off session for more edits. */
  async reopen(id: string, reader: string): Promise<LoadedSession> {
    return this.#exclusive(id, async (s) => {
      const next = { labels: s.labels, record: { ...s.record, signOff: null } };
      return this.#save(id, next, reader, 'reopened', 'sign-off withdrawn for further edits');
    });
  }

  /**
   * Runs load → modify → save of session `id` exclusively (sessionLock.ts: in-process queue and a
   * lock file across processes) on the session as last saved: two concurrent edits both land, in
   * order, on disk and in the audit trail (issue 12: one of them used to vanish after a restart).
   */
  #exclusive(id: string, fn: (s: LoadedSession) => Promise<LoadedSession>): Promise<LoadedSession> {
    const dir = this.#dir(id);
    return withSessionLock(dir, async () => {
      try {
        return await fn(await this.#current(id));
      } catch (e) {
        // An edit is applied to the labelmap in place before its save: after a failure the cached
        // copy may be ahead of the disk, so the next call replays from disk.
        this.#open.delete(id);
        throw e;
      }
    });
  }

  /** The cached session when it is what session.json holds, else the session reloaded from disk. */
  async #current(id: string): Promise<LoadedSession> {
    const cached = this.#open.get(id);
    if (cached) {
      const text = await readFile(path.join(this.#dir(id), SESSION_FILE), 'utf8').catch(() => null);
      const onDisk = text ? (JSON.parse(text) as Partial<SessionRecord>).updatedAt : undefined;
      if (onDisk === cached.record.updatedAt) return cached;
      this.#open.delete(id); // another process (or store) saved since: replay its version
    }
    return this.load(id);
  }

  /** Appends an audit entry, stamps updatedAt and writes session.json atomically. */
  async #save(
    id: string,
    s: LoadedSession,
    reader: string,
    action: AuditAction,
    detail: string,
  ): Promise<LoadedSession> {
    const at = new Date().toISOString();
    const record: SessionRecord = {
      ...s.record,
      updatedAt: at,
      audit: [
        ...s.record.audit,
        {
          at,
          reader,
          action,
          modelVersion: `${s.record.model.name} ${s.record.model.version}`,
          detail,
        },
      ],
    };
    await writeFileAtomic(
      path.join(this.#dir(id), SESSION_FILE),
      JSON.stringify(record, null, 1),
      SESSION_WRITE,
    );
    const saved = { record, labels: s.labels };
    this.#open.set(id, saved);
    return saved;
  }

  /** Forgets in-memory copies (tests use it to simulate a restart). */
  forgetLoaded(): void {
    this.#open.clear();
  }
}

/** A measurement as the caller gives it (lengths are computed from the points). */
export type MeasurementInput = Omit<SessionMeasurement, 'lengthMm' | 'widthMm'>;

const distanceMm = (a: readonly number[], b: readonly number[]) =>
  Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Checks the point count and computes the lengths. */
function toMeasurement(m: MeasurementInput): SessionMeasurement {
  const need = m.kind === 'length' ? 2 : 4;
  if (m.pointsLps.length !== need) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `A ${m.kind} measurement needs ${need} points, not ${m.pointsLps.length}.`,
    );
  }
  const p = m.pointsLps;
  return m.kind === 'length'
    ? { ...m, lengthMm: distanceMm(p[0], p[1]) }
    : { ...m, lengthMm: distanceMm(p[0], p[1]), widthMm: distanceMm(p[2], p[3]) };
}

/** Audit detail of one measurement, e.g. "bidirectional 23.4 × 11.0 mm". */
function describeMeasurement(m: SessionMeasurement): string {
  return m.kind === 'length'
    ? `length ${m.lengthMm.toFixed(1)} mm`
    : `bidirectional ${m.lengthMm.toFixed(1)} × ${(m.widthMm ?? 0).toFixed(1)} mm`;
}

/** What an applied edit did: voxels changed and, for a relabel, the label they had. */
interface EditOutcome {
  readonly fromLabel: number | null;
  readonly voxels: number;
}

/** Applies one edit in place. */
function applyEdit(labels: Uint8Array, geometry: Geometry, edit: SessionEdit): EditOutcome {
  switch (edit.kind) {
    case 'relabelComponent':
      return relabelComponent(labels, geometry.dims, edit.seedIjk, edit.toLabel);
    case 'paintSphere':
      return { fromLabel: null, voxels: paintSphere(labels, geometry, edit.centerIjk, edit) };
    case 'paintStroke':
      return { fromLabel: null, voxels: paintStroke(labels, geometry, edit.centersIjk, edit) };
  }
}

/** Audit detail of an edit, e.g. "painted 812 voxels ET, 3.0 mm axial brush, 14 dabs from (…)". */
function describeEdit(edit: SessionEdit, outcome: EditOutcome): string {
  const at = (c: readonly number[]) => `(${c.map(Math.round).join(', ')})`;
  if (edit.kind === 'relabelComponent') {
    const from = LABEL_NAME[outcome.fromLabel ?? 0];
    return `relabelled ${outcome.voxels} voxels ${from} → ${LABEL_NAME[edit.toLabel]} at ${at(edit.seedIjk)}`;
  }
  const verb = edit.label === 0 ? 'erased' : `painted`;
  const what = edit.label === 0 ? '' : ` ${LABEL_NAME[edit.label]}`;
  const shape = `${edit.radiusMm} mm ${edit.plane ?? '3-D'} brush`;
  const centres = edit.kind === 'paintSphere' ? [edit.centerIjk] : edit.centersIjk;
  const where =
    centres.length === 1 ? `at ${at(centres[0])}` : `${centres.length} dabs from ${at(centres[0])}`;
  const kind = edit.kind === 'paintStroke' ? 'brush stroke' : 'brush dab';
  return `${kind}: ${verb} ${outcome.voxels} voxels${what}, ${shape}, ${where}`;
}
