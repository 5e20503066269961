/**
 * Projects on disk: `<data>/projects/<id>/project.json` (name, cases, readers, settings) and one
 * `cases/<caseId>/case.json` per case (model run, annotations), beside the model's output for that
 * case. Writes are atomic and serialised per file; a file edited by hand into something unreadable
 * is refused with an error naming it, and nothing else is touched.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { writeJsonAtomic } from '../io/atomicWrite.ts';
import { listCohortCases } from '../cohort/cohortCases.ts';
import { KeyedQueue } from '../keyedQueue.ts';
import {
  PROJECT_FORMAT,
  type CaseRecord,
  type ProjectRecord,
  type ProjectSettings,
} from './projectTypes.ts';

const ID_PATTERN = /^[0-9a-f-]{36}$/;
const WRITE = { errorCode: ErrorCode.ProjectInvalid, what: 'the project file' } as const;

/** What a new project needs. */
export interface NewProject {
  readonly name: string;
  readonly folder: string;
  readonly readers: readonly string[];
  readonly settings?: Partial<ProjectSettings>;
}

/** A project that could not be read, as list() reports it. */
export interface BrokenProject {
  readonly id: string;
  readonly file: string;
  readonly error: string;
}

function parseProject(text: string, file: string): ProjectRecord {
  let v: Partial<ProjectRecord>;
  try {
    v = JSON.parse(text) as Partial<ProjectRecord>;
  } catch (e) {
    throw new MetaKdError(
      ErrorCode.ProjectInvalid,
      `the project file is not valid JSON (${(e as Error).message}); restore it from a backup or fix it by hand — sessions are untouched.`,
      { file, cause: e },
    );
  }
  const ok =
    v?.format === PROJECT_FORMAT &&
    typeof v.id === 'string' &&
    typeof v.name === 'string' &&
    Array.isArray(v.cases) &&
    v.cases.every((c) => typeof c?.id === 'string' && typeof c.path === 'string') &&
    Array.isArray(v.readers) &&
    v.readers.every((r) => typeof r === 'string') &&
    typeof v.settings === 'object';
  if (!ok) {
    throw new MetaKdError(
      ErrorCode.ProjectInvalid,
      `not a ${PROJECT_FORMAT} file (format, id, name, cases, readers or settings missing or wrong).`,
      { file },
    );
  }
  return v as ProjectRecord;
}

/** Projects under a data folder. */
export class ProjectStore {
  readonly #root: string;
  readonly #queue = new KeyedQueue();

  constructor(dataDir: string) {
    this.#root = path.join(dataDir, 'projects');
  }

  /** Folder of a project (validates the id: it becomes a path). */
  projectDir(id: string): string {
    if (!ID_PATTERN.test(id)) {
      throw new MetaKdError(ErrorCode.InvalidArgument, `"${id}" is not a project id.`);
    }
    return path.join(this.#root, id);
  }

  /** Folder of one case's files (model output, case.json). */
  caseDir(id: string, caseId: string): string {
    if (caseId.includes('/') || caseId.includes('\\') || caseId.startsWith('.')) {
      throw new MetaKdError(ErrorCode.InvalidArgument, `"${caseId}" is not a case id.`);
    }
    return path.join(this.projectDir(id), 'cases', caseId);
  }

  /** Creates a project from a folder of case sub-folders. */
  async create(p: NewProject): Promise<ProjectRecord> {
    const folder = path.resolve(p.folder);
    const now = new Date().toISOString();
    const readers = [...new Set(p.readers.map((r) => r.trim()).filter(Boolean))];
    const record: ProjectRecord = {
      format: PROJECT_FORMAT,
      id: randomUUID(),
      name: p.name.trim() || path.basename(folder),
      folder,
      cases: listCohortCases(folder).map((c) => ({ id: c.name, path: c.path, addedAt: now })),
      readers,
      settings: { showModelMask: true, showContributions: true, ...p.settings },
      createdAt: now,
      updatedAt: now,
    };
    await writeJsonAtomic(path.join(this.projectDir(record.id), 'project.json'), record, WRITE);
    return record;
  }

  /** Reads one project. */
  async load(id: string): Promise<ProjectRecord> {
    const file = path.join(this.projectDir(id), 'project.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new MetaKdError(ErrorCode.NotFound, 'no such project.', { file, cause: e });
    }
    return parseProject(text, file);
  }

  /** All projects, newest first, and the ones that could not be read (never silently dropped). */
  async list(): Promise<{ projects: ProjectRecord[]; broken: BrokenProject[] }> {
    const names = await readdir(this.#root).catch(() => [] as string[]);
    const projects: ProjectRecord[] = [];
    const broken: BrokenProject[] = [];
    for (const n of names.filter((x) => ID_PATTERN.test(x))) {
      const file = path.join(this.#root, n, 'project.json');
      try {
        projects.push(await this.load(n));
      } catch (e) {
        broken.push({ id: n, file, error: (e as Error).message });
      }
    }
    projects.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { projects, broken };
  }

  /** Load → change → save of project.json, one at a time per project. */
  async update(id: string, change: (p: ProjectRecord) => ProjectRecord): Promise<ProjectRecord> {
    return this.#queue.run(`p:${id}`, async () => {
      const next = { ...change(await this.load(id)), updatedAt: new Date().toISOString() };
      await writeJsonAtomic(path.join(this.projectDir(id), 'project.json'), next, WRITE);
      return next;
    });
  }

  /** A case's record (a fresh "queued" one when the case has none yet). */
  async caseRecord(id: string, caseId: string): Promise<CaseRecord> {
    const file = path.join(this.caseDir(id, caseId), 'case.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return { caseId, model: { status: 'queued' }, annotations: [] };
    }
    try {
      const v = JSON.parse(text) as CaseRecord;
      if (v.caseId !== caseId || !v.model || !Array.isArray(v.annotations))
        throw new Error('fields');
      return v;
    } catch (e) {
      throw new MetaKdError(
        ErrorCode.ProjectInvalid,
        `the case record is unreadable (${(e as Error).message}); fix or delete it (the case will be run again; sessions are untouched).`,
        { file, cause: e },
      );
    }
  }

  /** Load → change → save of one case.json, one at a time per case. */
  async updateCase(
    id: string,
    caseId: string,
    change: (c: CaseRecord) => CaseRecord,
  ): Promise<CaseRecord> {
    return this.#queue.run(`c:${id}/${caseId}`, async () => {
      const next = change(await this.caseRecord(id, caseId));
      await writeJsonAtomic(path.join(this.caseDir(id, caseId), 'case.json'), next, WRITE);
      return next;
    });
  }
}
