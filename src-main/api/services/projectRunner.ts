/**
 * A project's background model run: the cases without a result, one at a time, through the same
 * api methods the app and the CLI use (import, segment, labelmap, save). Its state is the case
 * records on disk, so a run stopped by a restart resumes with the cases still "queued"; a cancel
 * puts the case in progress back to "queued".
 */
import path from 'node:path';
import { ErrorCode, isMetaKdError, MetaKdError } from '../../core/errors.ts';
import type { ProjectStore } from '../../core/projects/ProjectStore.ts';
import type { ProjectRecord } from '../../core/projects/projectTypes.ts';
import type { ProjectRunDto } from '../contract/project.ts';
import { writeModelOutput } from './projectModelOutput.ts';
import type { Invoke } from './projectService.ts';

/** A running background model run of one project. */
interface Run {
  readonly abort: AbortController;
  current?: string;
  queued: number;
  currentJob?: string;
  done: Promise<void>;
}

/** Starts, reports and cancels the background runs of projects. */
export interface ProjectRunner {
  start(p: ProjectRecord, caseIds: readonly string[]): void;
  status(projectId: string): ProjectRunDto;
  cancel(projectId: string): Promise<ProjectRunDto>;
}

/** The runner of one service. */
export function createProjectRunner(store: ProjectStore, invoke: Invoke): ProjectRunner {
  const runs = new Map<string, Run>();

  async function runCase(p: ProjectRecord, caseId: string, run: Run): Promise<void> {
    const signal = run.abort.signal;
    const c = p.cases.find((x) => x.id === caseId)!;
    await store.updateCase(p.id, caseId, (r) => ({ ...r, model: { status: 'running' } }));
    try {
      const imported = await invoke('importStudy', { path: c.path }, { signal });
      const study = imported.studies[0];
      if (!study) throw new MetaKdError(ErrorCode.NoImages, 'no study found.', { file: c.path });
      const present = (['flair', 't1', 't1ce', 't2'] as const).filter((s) => study.assignment[s]);
      const { jobId } = await invoke('startSegmentation', {
        studyId: study.id,
        contributions: p.settings.showContributions,
      });
      run.currentJob = jobId;
      const result = await invoke('awaitSegmentation', { jobId });
      run.currentJob = undefined;
      const lm = await invoke('getLabelmap', { jobId });
      const dir = store.caseDir(p.id, caseId);
      await writeModelOutput(dir, {
        geometry: lm.geometry,
        result,
        labels: new Uint8Array(Buffer.from(lm.data, 'base64')),
      });
      await invoke('saveSegmentation', { jobId, outDir: path.join(dir, 'model') });
      await store.updateCase(p.id, caseId, (r) => ({
        ...r,
        model: {
          status: 'done',
          finishedAt: new Date().toISOString(),
          present,
          modelVersion: result.model.version,
        },
      }));
    } catch (e) {
      run.currentJob = undefined;
      const cancelled = signal.aborted || (isMetaKdError(e) && e.code === ErrorCode.Cancelled);
      // Errors from `invoke` are ApiErrors carrying the DTO; others are MetaKdErrors or bugs.
      const dto = (e as { dto?: { code: string; message: string } }).dto;
      const error = dto ?? {
        code: isMetaKdError(e) ? e.code : 'INTERNAL',
        message: e instanceof Error ? e.message : String(e),
      };
      await store.updateCase(p.id, caseId, (r) => ({
        ...r,
        model: cancelled ? { status: 'queued' } : { status: 'failed', error },
      }));
      if (cancelled) throw e;
    }
  }

  const status = (projectId: string): ProjectRunDto => {
    const r = runs.get(projectId);
    return {
      projectId,
      running: Boolean(r),
      ...(r?.current ? { current: r.current } : {}),
      queued: r?.queued ?? 0,
    };
  };

  return {
    start(p, caseIds) {
      if (runs.has(p.id)) return;
      const run: Run = {
        abort: new AbortController(),
        queued: caseIds.length,
        done: Promise.resolve(),
      };
      run.done = (async () => {
        for (const caseId of caseIds) {
          if (run.abort.signal.aborted) break;
          run.current = caseId;
          run.queued--;
          try {
            await runCase(p, caseId, run);
          } catch {
            break; // cancelled: the case went back to "queued"
          }
        }
      })().finally(() => runs.delete(p.id));
      runs.set(p.id, run);
    },
    status,
    async cancel(projectId) {
      const r = runs.get(projectId);
      if (r) {
        r.abort.abort();
        if (r.currentJob) await invoke('cancelJob', { jobId: r.currentJob }).catch(() => undefined);
        await r.done;
      }
      return status(projectId);
    },
  };
}
