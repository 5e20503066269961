/**
 * Service: DICOM SEG / NIfTI export, PACS destinations and the outbox, bound to core. An export's
 * labelmap comes from a finished segmentation job (the engine's result store), a review session
 * (read from disk, edits replayed) or a NIfTI file; jobs and sessions export on their imported
 * study (the study store). The outbox runs a background retry loop once the service has been used
 * (its timer does not keep Node alive).
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { ServiceParts, ServiceOptions } from './types.ts';
import {
  exportCase,
  exportLabelmap,
  pickSeries,
  type ExportCaseResult,
  type ProvenanceInput,
} from '../../core/export/exportCase.ts';
import { DestinationStore, redact } from '../../core/export/pacs/Destination.ts';
import { testDestination } from '../../core/export/pacs/sendToDestination.ts';
import { Outbox } from '../../core/export/outbox/Outbox.ts';
import { collectDicomFiles } from '../../core/export/outbox/collectFiles.ts';
import { listDelivered, removeDelivered } from '../../core/export/outbox/deliveredLog.ts';
import { keepStoredSecrets } from '../../core/export/pacs/keepStoredSecrets.ts';
import { segmentAlgorithmType, type ExportSettings } from '../../core/export/provenance.ts';
import { SessionStore } from '../../core/sessions/SessionStore.ts';
import { importPath } from '../../core/study/importStudy.ts';
import type { Series } from '../../core/study/types.ts';
import type { Volume } from '../../core/volume/Volume.ts';
import { ErrorCode, isMetaKdError, MetaKdError } from '../../core/errors.ts';
import type { ExportResultDto, OutboxEntryDto } from '../contract/export.ts';
import type { CallContext } from '../contract/events.ts';
import type { InferenceService } from './inferenceService.ts';
import { studyStore, type StudyStore } from './studyStore.ts';

type ExportMethods =
  | 'exportSeg'
  | 'exportNifti'
  | 'listDestinations'
  | 'saveDestination'
  | 'removeDestination'
  | 'testDestination'
  | 'send'
  | 'outboxStatus'
  | 'outboxRetry'
  | 'listOutbox'
  | 'outboxRemove';

/** Reads ContentCreatorName / ContentLabel from <dataDir>/settings.json's "export" section. */
export async function exportSettings(dataDir: string): Promise<ExportSettings> {
  try {
    const json = JSON.parse(await readFile(path.join(dataDir, 'settings.json'), 'utf8')) as {
      export?: Partial<ExportSettings>;
    };
    return {
      ContentCreatorName: json.export?.ContentCreatorName ?? '',
      ContentLabel: json.export?.ContentLabel ?? 'METAKD_TUMOUR',
      SeriesNumber: json.export?.SeriesNumber,
      SeriesDescription: json.export?.SeriesDescription,
      anonymiseProvenance: json.export?.anonymiseProvenance === true,
    };
  } catch {
    return { ContentCreatorName: '', ContentLabel: 'METAKD_TUMOUR' }; // no settings yet
  }
}

type LabelSource = ExportResultDto['labelSource'];

function toDto(r: ExportCaseResult, labelSource: LabelSource): ExportResultDto {
  const { provenance: pv, ...written } = r;
  return {
    ...written,
    algorithmType: segmentAlgorithmType(pv),
    labelSource,
    provenance: {
      algorithm: pv.algorithm,
      modelName: pv.modelName,
      modelVersion: pv.modelVersion,
      modelSha256: pv.modelSha256,
      provider: pv.provider,
      editedByHuman: pv.editedByHuman,
      ...(pv.editedBy ? { editedBy: pv.editedBy } : {}),
      ...(pv.sequencesUsed ? { sequencesUsed: pv.sequencesUsed } : {}),
      ...(pv.warnings?.length ? { warnings: pv.warnings } : {}),
    },
  };
}

/** Algorithm name written for the engine's results (SegmentAlgorithmName starts with it). */
const ALGORITHM = 'MetaKD';

/** A labelmap held in memory (job or session) with its study, reference series and provenance. */
interface ResolvedLabelmap {
  readonly labels: Volume;
  readonly studyId: string;
  readonly sourcePath: string;
  readonly referenceSeriesId: string;
  readonly provenance: ProvenanceInput;
}

type ExportParams = Parameters<ServiceParts<'exportSeg'>['exportSeg']>[0];

/**
 * The series of an imported study to export on: the one named, else the reference series. A study
 * no longer in the store (e.g. a session reopened after a restart) is imported again from its path.
 */
async function exportSeries(
  store: StudyStore,
  r: ResolvedLabelmap,
  wanted: string | undefined,
  signal?: AbortSignal,
): Promise<Series> {
  if (!store.hasStudy(r.studyId)) {
    const imported = await importPath(r.sourcePath, { signal });
    const study = imported.studies.find((s) => s.id === r.studyId);
    if (!study) {
      throw new MetaKdError(
        ErrorCode.NotFound,
        `The study of this segmentation is no longer at ${r.sourcePath}; import it again.`,
        { file: r.sourcePath },
      );
    }
    store.putStudy(study);
  }
  const all = store.getStudy(r.studyId).study.series;
  return wanted
    ? pickSeries(all, r.labels, wanted)
    : store.getSeries(r.studyId, r.referenceSeriesId);
}

/** A finished job's labelmap with the engine's provenance (AUTOMATIC: nobody edited it). */
async function fromJob(
  inference: Pick<InferenceService, 'parts' | 'segmentations'>,
  jobId: string,
  ctx: CallContext,
): Promise<ResolvedLabelmap> {
  const seg = await inference.segmentations(jobId);
  const result = (await inference.parts.getSegmentation({ jobId }, ctx)).result;
  return {
    labels: { geometry: seg.geometry, data: seg.labels },
    studyId: seg.studyId,
    sourcePath: seg.sourcePath,
    referenceSeriesId: seg.referenceSeriesId,
    provenance: {
      algorithm: ALGORITHM,
      modelName: seg.model.name,
      modelVersion: seg.model.version,
      modelSha256: seg.model.sha256 ?? '',
      ...(result ? { modelGraphsSha256: { ...result.model.sha256 } } : {}),
      provider: seg.model.provider,
      sequencesUsed: seg.sequencesUsed,
      editedByHuman: false,
      ...(result?.warnings.length ? { warnings: result.warnings } : {}),
    },
  };
}

/**
 * A review session's current labelmap, read from disk by a fresh store (so it sees every autosaved
 * edit of the session service's store). Edited → SEMIAUTOMATIC, the editing readers → editedBy
 * (the signing reader when nobody edited).
 */
async function fromSession(dataDir: string, sessionId: string): Promise<ResolvedLabelmap> {
  const { record, labels } = await new SessionStore(dataDir).load(sessionId);
  const editors = [...new Set(record.edits.map((e) => e.reader))];
  const editedBy = editors.length > 0 ? editors.join(', ') : record.signOff?.reader;
  return {
    labels: { geometry: record.geometry, data: labels },
    studyId: record.studyId,
    sourcePath: record.sourcePath,
    referenceSeriesId: record.referenceSeriesId,
    provenance: {
      algorithm: ALGORITHM,
      modelName: record.model.name,
      modelVersion: record.model.version,
      modelSha256: record.model.sha256 ?? '',
      provider: record.model.provider,
      sequencesUsed: record.sequencesUsed,
      editedByHuman: editors.length > 0,
      ...(editedBy ? { editedBy } : {}),
      reviewSessionId: record.id,
      ...(record.result?.warnings.length ? { warnings: record.result.warnings } : {}),
    },
  };
}

/** Implements the export methods of the contract over the engine's jobs and the study store. */
export function createExportService(
  options: ServiceOptions,
  inference: Pick<InferenceService, 'parts' | 'segmentations'>,
  studies: StudyStore = studyStore,
): ServiceParts<ExportMethods> {
  const store = new DestinationStore(options.dataDir, options.secrets);
  const outbox = new Outbox({
    dir: path.join(options.dataDir, 'outbox'),
    resolveDestination: (name) => store.get(name),
    loop: options.outboxLoop,
    shutdown: options.shutdown,
  });
  const exportsDir = path.join(options.dataDir, 'exports');
  /**
   * Destination changes and the queueing of a send run one at a time (issue 11): a send checked
   * against a destination that is renamed or removed before its item is queued would otherwise
   * queue an item for a name that no longer exists.
   */
  let destinationsTail: Promise<unknown> = Promise.resolve();
  const destinationsLocked = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = destinationsTail.then(fn, fn);
    destinationsTail = run.catch(() => undefined);
    return run;
  };
  const run = async (
    format: 'seg' | 'nifti',
    p: ExportParams,
    ctx: CallContext,
  ): Promise<ExportResultDto> => {
    const common = {
      format,
      outDir: p.outDir ?? exportsDir,
      settings: await exportSettings(options.dataDir),
      appVersion: options.appVersion,
      signal: ctx.signal,
      anonymise: p.anonymiseProvenance,
    };
    if (p.jobId === undefined && p.sessionId === undefined) {
      // The contract guarantees labelsPath and studyPath here.
      const r = await exportCase({
        ...common,
        studyPath: p.studyPath ?? '',
        labelsPath: p.labelsPath ?? '',
        series: p.series,
        edited: p.edited,
        provenance: p.provenance,
      });
      return toDto(r, 'file');
    }
    const resolved =
      p.jobId !== undefined
        ? await fromJob(inference, p.jobId, ctx)
        : await fromSession(options.dataDir, p.sessionId ?? '');
    const series = await exportSeries(studies, resolved, p.series, ctx.signal);
    const r = await exportLabelmap({
      ...common,
      labels: resolved.labels,
      series,
      provenance: resolved.provenance,
    });
    return toDto(r, p.jobId !== undefined ? 'job' : 'session');
  };
  return {
    exportSeg: (p, ctx) => run('seg', p, ctx),
    exportNifti: (p, ctx) => run('nifti', p, ctx),
    listDestinations: async () => (await store.list()).map(redact),
    saveDestination: (p) =>
      destinationsLocked(async () => {
        const all = await store.list();
        const name = p.destination.name;
        const renamed = p.replaces !== undefined && p.replaces !== name;
        if (renamed && all.some((d) => d.name === name)) {
          throw new MetaKdError(
            ErrorCode.InvalidArgument,
            `A destination named "${name}" exists already; choose another name.`,
          );
        }
        const previous = all.find((d) => d.name === (p.replaces ?? name));
        const saved = await store.save(keepStoredSecrets(p.destination, previous));
        if (renamed && p.replaces !== undefined) {
          // New name saved, waiting exports re-pointed, then the old name removed: a crash in
          // between leaves both names configured, so every waiting export stays deliverable.
          await outbox.redirect(p.replaces, name);
          await store.remove(p.replaces);
        }
        return redact(saved);
      }),
    removeDestination: (p) =>
      destinationsLocked(async () => {
        // Refused rather than failing the waiting exports: a PACS admin removing a destination
        // must not lose results silently; they send or remove those exports first (outbox view).
        const waiting = (await outbox.waitingFor(p.name)).length;
        if (waiting > 0) {
          throw new MetaKdError(
            ErrorCode.InvalidArgument,
            `${waiting} export${waiting === 1 ? ' is' : 's are'} still waiting in the outbox for "${p.name}": ` +
              'retry or remove them in the outbox first, or edit the destination instead of removing it.',
          );
        }
        return { removed: await store.remove(p.name) };
      }),
    testDestination: async (p) => ({
      ok: true as const,
      ms: (await testDestination(await store.get(p.name))).ms,
    }),
    send: async (p, ctx) => {
      await store.get(p.to); // fail now, before reading the files, when it does not exist
      const files = await collectDicomFiles(p.files);
      const item = await destinationsLocked(async () => {
        await store.get(p.to); // still there (not renamed or removed meanwhile) when queued
        return outbox.enqueue(files, p.to);
      });
      outbox.start();
      const jobId = `send-${item.id}`;
      try {
        const r = await outbox.deliver(
          item.id,
          (ev) =>
            ctx.emit({
              type: 'job.progress',
              jobId,
              stage: 'send',
              done: ev.done,
              total: ev.total,
              message: ev.unit,
            }),
          // The caller's deadline or cancel ends the send; the item stays queued (issue 12).
          { signal: ctx.signal },
        );
        return { outboxId: item.id, delivered: true, instances: r.stored };
      } catch (e) {
        if (!isMetaKdError(e)) throw e;
        return {
          outboxId: item.id,
          delivered: false,
          instances: 0,
          error: { code: e.code, message: e.message },
        };
      }
    },
    outboxStatus: async () => {
      outbox.start();
      return outbox.list();
    },
    listOutbox: async () => {
      outbox.start();
      const waiting = (await outbox.list()).map((i): OutboxEntryDto => ({
        id: i.id,
        destination: i.destination,
        state: i.parked ? 'parked' : i.lastError ? 'failed' : 'pending',
        createdAt: i.createdAt,
        attempts: i.attempts,
        instances: i.files.length,
        confirmed: i.files.filter((f) => f.delivered).length,
        nextAttemptAt: i.nextAttemptAt,
        ...(i.lastError ? { lastError: i.lastError } : {}),
      }));
      const delivered = (await listDelivered(outbox.dir)).map((r): OutboxEntryDto => ({
        id: r.id,
        destination: r.destination,
        state: 'delivered',
        createdAt: r.createdAt,
        attempts: r.attempts,
        instances: r.instances,
        confirmed: r.instances,
        deliveredAt: r.deliveredAt,
      }));
      return [...waiting, ...delivered];
    },
    outboxRemove: async ({ id }) => {
      try {
        await outbox.remove(id);
        return { removed: true };
      } catch (e) {
        if (!isMetaKdError(e) || e.code !== ErrorCode.NotFound) throw e;
        return { removed: await removeDelivered(outbox.dir, id) };
      }
    },
    outboxRetry: async (p) => {
      if (!p.id) return outbox.processDue(true);
      try {
        await outbox.deliver(p.id);
        return { delivered: [p.id], failed: [] };
      } catch (e) {
        if (!isMetaKdError(e)) throw e;
        return { delivered: [], failed: [{ id: p.id, code: e.code, message: e.message }] };
      }
    },
  };
}
