/**
 * Service: research annotation projects, bound to core/projects. The background model run uses the
 * same api methods the app and the CLI use (import, segment, labelmap, save), one case at a time;
 * its state is the case records on disk, so a restart resumes where it stopped.
 */
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../../core/errors.ts';
import { ProjectStore } from '../../core/projects/ProjectStore.ts';
import { buildWorklist } from '../../core/projects/worklist.ts';
import { caseAgreement, type CaseAgreement } from '../../core/projects/agreement.ts';
import { consensusLabels } from '../../core/projects/consensus.ts';
import { exportProject } from '../../core/projects/exportProject.ts';
import { importMask } from '../../core/projects/importMask.ts';
import type {
  CaseAnnotation,
  CaseRecord,
  ProjectRecord,
} from '../../core/projects/projectTypes.ts';
import { SessionStore } from '../../core/sessions/SessionStore.ts';
import type { SessionRecord, SessionResultFacts } from '../../core/sessions/types.ts';
import { labelVolumes } from '../../core/metrics/regions.ts';
import type { ApiMethodName, apiMethods } from '../contract.ts';
import type { CallContext } from '../contract/events.ts';
import type { ResultOf } from '../contract/method.ts';
import type { AnnotationDto } from '../contract/project.ts';
import type { ServiceOptions, ServiceParts } from './types.ts';
import { exportSettings } from './exportService.ts';
import { readModelOutput, type ModelOutput } from './projectModelOutput.ts';
import { createProjectRunner } from './projectRunner.ts';

/** Calls another api method (validated, as a transport would). */
export type Invoke = <K extends ApiMethodName>(
  name: K,
  params: unknown,
  ctx?: Partial<CallContext>,
) => Promise<ResultOf<(typeof apiMethods)[K]>>;

type ProjectMethods =
  | 'createProject'
  | 'listProjects'
  | 'updateProject'
  | 'getWorklist'
  | 'runProjectModel'
  | 'projectRunStatus'
  | 'cancelProjectModel'
  | 'startAnnotation'
  | 'startConsensus'
  | 'importAnnotation'
  | 'projectAgreement'
  | 'exportProject';

/** Implements the project methods of the contract. */
export function createProjectService(
  options: ServiceOptions,
  invoke: Invoke,
): ServiceParts<ProjectMethods> {
  const store = new ProjectStore(options.dataDir);
  // A fresh store per use: the session service keeps its own copies in memory, and the project
  // code must read what is on disk now (edits made through the session methods included).
  const sessions = () => new SessionStore(options.dataDir);
  const runner = createProjectRunner(store, invoke);

  async function caseRecords(p: ProjectRecord): Promise<Map<string, CaseRecord>> {
    // In parallel: a worklist of 100 cases reads 100 small files.
    const recs = await Promise.all(p.cases.map((c) => store.caseRecord(p.id, c.id)));
    return new Map(p.cases.map((c, i) => [c.id, recs[i]]));
  }

  /** The records of the project's sessions only (not every session in the data folder). */
  async function sessionRecords(
    cases: ReadonlyMap<string, CaseRecord>,
  ): Promise<Map<string, SessionRecord>> {
    const ids = [...cases.values()].flatMap((c) => c.annotations.map((a) => a.sessionId));
    return sessions().records(ids);
  }

  const modelOutput = (projectId: string, caseId: string) =>
    readModelOutput(store.caseDir(projectId, caseId));

  async function resultFacts(out: ModelOutput, p: ProjectRecord): Promise<SessionResultFacts> {
    const r = out.result;
    return {
      inputSeries: Object.fromEntries(
        Object.entries(r.inputs).map(([slot, v]) => [slot, v?.seriesId ?? null]),
      ),
      warnings: r.warnings,
      expectedAccuracy: r.expectedAccuracy,
      // The readout is made of the model's volumes: a reader blinded to its mask sees neither.
      ...(p.settings.showContributions && p.settings.showModelMask && r.contributions
        ? { contributions: r.contributions }
        : {}),
    };
  }

  async function newAnnotation(params: {
    p: ProjectRecord;
    caseId: string;
    reader: string;
    labels: Uint8Array;
    origin: CaseAnnotation['origin'];
    detail: string;
  }): Promise<AnnotationDto> {
    const { p, caseId, reader, origin } = params;
    const out = await modelOutput(p.id, caseId);
    if (!out) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `${caseId}: the model has not run on this case yet (its grid and inputs come from that run); run the project's model first.`,
      );
    }
    const r = out.result;
    const s = await sessions().create({
      studyId: r.studyId,
      sourcePath: r.sourcePath,
      reader,
      model: {
        name: r.model.name,
        version: r.model.version,
        provider: r.provider,
        sha256: r.model.sha256.decoder,
      },
      sequencesUsed: r.usedSequences,
      referenceSeriesId: r.referenceSeriesId,
      geometry: out.geometry,
      labels: params.labels,
      result: await resultFacts(out, p),
      createdDetail: params.detail,
    });
    await store.updateCase(p.id, caseId, (c) => ({
      ...c,
      annotations: [
        ...c.annotations,
        { reader, sessionId: s.record.id, origin, startedAt: s.record.createdAt },
      ],
    }));
    return {
      session: { ...s.record, volumesMl: labelVolumes(s.labels, s.record.geometry) },
      origin,
      created: true,
    };
  }

  function requireCase(p: ProjectRecord, caseId: string): void {
    if (!p.cases.some((c) => c.id === caseId)) {
      throw new MetaKdError(ErrorCode.NotFound, `${caseId} is not a case of project "${p.name}".`);
    }
  }

  async function agreementOf(p: ProjectRecord, caseId: string): Promise<CaseAgreement> {
    const rec = await store.caseRecord(p.id, caseId);
    const out = await modelOutput(p.id, caseId);
    const latest = new Map(rec.annotations.map((a) => [a.reader, a]));
    const anns = [];
    let geometry = out?.geometry;
    for (const a of latest.values()) {
      const s = await sessions().load(a.sessionId);
      geometry ??= s.record.geometry;
      anns.push({ who: a.reader, labels: s.labels });
    }
    if (out) anns.push({ who: 'model', labels: out.labels });
    if (!geometry) return { caseId, pairs: [], computedAt: new Date().toISOString() };
    const ag = caseAgreement(caseId, geometry, anns);
    await store.updateCase(p.id, caseId, (c) => ({ ...c, agreement: ag }));
    return ag;
  }

  return {
    createProject: async ({ folder, name, readers, settings }) =>
      store.create({ folder, name, readers, settings }),
    listProjects: async () => store.list(),
    updateProject: async ({ projectId, name, readers, settings }) =>
      store.update(projectId, (p) => ({
        ...p,
        ...(name ? { name } : {}),
        ...(readers ? { readers: [...new Set(readers)] } : {}),
        ...(settings ? { settings: { ...p.settings, ...settings } } : {}),
      })),
    getWorklist: async ({ projectId }) => {
      const p = await store.load(projectId);
      const cases = await caseRecords(p);
      // A case left "running" by a process that stopped is waiting again, not running.
      const active = runner.status(projectId).current;
      for (const [id, c] of cases) {
        if (c.model.status === 'running' && id !== active)
          cases.set(id, { ...c, model: { status: 'queued' } });
      }
      return buildWorklist(p, cases, await sessionRecords(cases));
    },
    runProjectModel: async ({ projectId, retryFailed }) => {
      if (runner.status(projectId).running) return runner.status(projectId);
      const p = await store.load(projectId);
      const cases = await caseRecords(p);
      const todo = p.cases
        .map((c) => c.id)
        .filter((id) => {
          const s = cases.get(id)!.model.status;
          return s === 'queued' || s === 'running' || (retryFailed && s === 'failed');
        });
      if (todo.length) runner.start(p, todo);
      return runner.status(projectId);
    },
    projectRunStatus: async ({ projectId }) => runner.status(projectId),
    cancelProjectModel: async ({ projectId }) => runner.cancel(projectId),
    startAnnotation: async ({ projectId, caseId, reader }) => {
      const p = await store.load(projectId);
      requireCase(p, caseId);
      if (!p.readers.includes(reader)) {
        throw new MetaKdError(
          ErrorCode.InvalidArgument,
          `${reader} is not a reader of project "${p.name}" (readers: ${p.readers.join(', ') || 'none'}).`,
        );
      }
      const rec = await store.caseRecord(projectId, caseId);
      const mine = [...rec.annotations].reverse().find((a) => a.reader === reader);
      if (mine) {
        const s = await sessions().opened(mine.sessionId, reader);
        return {
          session: { ...s.record, volumesMl: labelVolumes(s.labels, s.record.geometry) },
          origin: mine.origin,
          created: false,
        };
      }
      const out = await modelOutput(projectId, caseId);
      const fromModel = p.settings.showModelMask;
      return newAnnotation({
        p,
        caseId,
        reader,
        labels: fromModel && out ? out.labels : new Uint8Array(out?.labels.length ?? 0),
        origin: fromModel ? 'model' : 'empty',
        detail: fromModel
          ? 'segmentation opened for review (project annotation)'
          : 'empty mask opened for annotation from scratch (blinded to the model)',
      });
    },
    startConsensus: async ({ projectId, caseId, reader, method, fromReader }) => {
      const p = await store.load(projectId);
      requireCase(p, caseId);
      const rec = await store.caseRecord(projectId, caseId);
      const latest = new Map(
        rec.annotations.filter((a) => a.origin !== 'consensus').map((a) => [a.reader, a]),
      );
      if (method === 'reader') {
        const a = fromReader && latest.get(fromReader);
        if (!a) {
          throw new MetaKdError(
            ErrorCode.InvalidArgument,
            `${caseId}: no annotation by "${fromReader ?? ''}" to start the consensus from.`,
          );
        }
        const s = await sessions().load(a.sessionId);
        return newAnnotation({
          p,
          caseId,
          reader,
          labels: s.labels,
          origin: 'consensus',
          detail: `consensus started from ${fromReader}'s mask (session ${a.sessionId})`,
        });
      }
      const from = [...latest.values()];
      const masks = [];
      for (const a of from) masks.push((await sessions().load(a.sessionId)).labels);
      const c = consensusLabels(masks, method);
      const who = from.map((a) => a.reader).join(', ');
      return newAnnotation({
        p,
        caseId,
        reader,
        labels: c.labels,
        origin: 'consensus',
        detail:
          method === 'majority'
            ? `consensus started from the majority vote of ${who}`
            : `consensus started from STAPLE of ${who} (sensitivity per reader, WT: ${c.staple
                ?.find((f) => f.region === 'wt')
                ?.sensitivity.map((x) => x.toFixed(3))
                .join(', ')})`,
      });
    },
    importAnnotation: async ({ projectId, caseId, reader, file }) => {
      const p = await store.load(projectId);
      requireCase(p, caseId);
      const out = await modelOutput(projectId, caseId);
      if (!out) {
        throw new MetaKdError(
          ErrorCode.InvalidArgument,
          `${caseId}: run the project's model first (an imported mask is put on the grid of that run).`,
        );
      }
      const m = await importMask(path.resolve(file), out.geometry);
      return newAnnotation({
        p,
        caseId,
        reader,
        labels: m.labels,
        origin: 'imported',
        detail: `mask imported from ${path.basename(file)}${m.warnings.length ? ` (${m.warnings.join('; ')})` : ''}`,
      });
    },
    projectAgreement: async ({ projectId, caseId }) => {
      const p = await store.load(projectId);
      if (caseId) requireCase(p, caseId);
      const ids = caseId ? [caseId] : p.cases.map((c) => c.id);
      const out: CaseAgreement[] = [];
      for (const id of ids) out.push(await agreementOf(p, id));
      return out;
    },
    exportProject: async ({ projectId, outDir, format, layout, reader }, ctx) => {
      const p = await store.load(projectId);
      return exportProject({
        format,
        layout,
        reader,
        seg: { settings: await exportSettings(options.dataDir), appVersion: options.appVersion },
        signal: ctx.signal,
        project: p,
        cases: await caseRecords(p),
        loadSession: (id) => sessions().load(id),
        modelLabels: async (caseId) => (await modelOutput(projectId, caseId))?.labels,
        outDir: path.resolve(outDir),
      });
    },
  };
}
