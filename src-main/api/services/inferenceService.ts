/**
 * Service: segmentation jobs over core/inference. A job runs segmentStudy in the service's one
 * long-lived worker thread (sessions cached there, jobs queued) on the assigned series of an
 * imported study (studyStore), emits progress and finish events, and keeps its result (labelmap
 * included) in an in-memory result store bounded to the most recent jobs.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ErrorCode, isMetaKdError, MetaKdError } from '../../core/errors.ts';
import type { ModelSlot } from '../../core/enums/SequenceLabel.ts';
import type { Volume } from '../../core/volume/Volume.ts';
import { loadManifest } from '../../core/model/loadManifest.ts';
import { SegmentationWorker } from '../../core/inference/segmentInWorker.ts';
import type { SegmentResult } from '../../core/inference/segmentStudy.ts';
import { saveSegmentation } from '../../core/inference/saveSegmentation.ts';
import { scrubProvenance } from '../../core/export/provenancePaths.ts';
import type { CallContext } from '../contract/events.ts';
import type { JobStatusDto, SegmentationResultDto, SlotInputDto } from '../contract/inference.ts';
import type { MethodImpl, ServiceOptions, ServiceParts } from './types.ts';
import type { FinishedSegmentation, SegmentationSource } from './sessionService.ts';
import { studyStore, type StudyStore } from './studyStore.ts';

type InferenceMethodName =
  | 'startSegmentation'
  | 'prewarmSegmentation'
  | 'awaitSegmentation'
  | 'getSegmentation'
  | 'cancelJob'
  | 'getLabelmap'
  | 'saveSegmentation'
  | 'getModelInfo';

/** Finished jobs kept in memory (each holds a labelmap of ~9 MB for a BraTS case). */
const MAX_KEPT_JOBS = 16;
/** Default model folder name under modelsDir. */
const DEFAULT_MODEL = 'metakd-brats';
/**
 * Delay before a prewarm starts the worker: a short-lived process (a CLI command that only
 * imports) exits first and pays nothing; the app has the worker ready before Run is pressed.
 */
const PREWARM_DELAY_MS = 300;
const SLOTS: readonly ModelSlot[] = ['flair', 't1', 't1ce', 't2'];
const LABEL_NAMES = {
  '1': 'NCR (necrotic / non-enhancing core)',
  '2': 'ED (edema)',
  '4': 'ET (enhancing tumour)',
} as const;

interface Job {
  readonly jobId: string;
  readonly studyId: string;
  readonly controller: AbortController;
  readonly promise: Promise<SegmentationResultDto>;
  status: JobStatusDto['status'];
  stage?: string;
  done?: number;
  total?: number;
  error?: { code: string; message: string; file?: string };
  result?: SegmentationResultDto;
  labelmap?: Volume;
  /** The preparation's brain mask on the labelmap's grid (issue 10), when it ran. */
  brainMask?: Volume;
}

/** The model folder for a request: param, $METAKD_MODEL, or the shipped default. */
export function resolveModelDir(options: ServiceOptions, modelDir?: string): string {
  return path.resolve(
    modelDir ?? process.env.METAKD_MODEL ?? path.join(options.modelsDir, DEFAULT_MODEL),
  );
}

function toDto(
  jobId: string,
  studyId: string,
  sourcePath: string,
  inputs: SegmentationResultDto['inputs'],
  r: SegmentResult,
): SegmentationResultDto {
  const ref = inputs[r.referenceSlot] as SlotInputDto;
  return {
    jobId,
    studyId,
    sourcePath,
    inputs,
    usedSequences: r.usedSequences,
    missingSequences: r.missingSequences,
    referenceSeriesId: ref.seriesId,
    referenceSlot: r.referenceSlot,
    volumesMl: r.volumes,
    contributions: r.contributions,
    expectedAccuracy: r.expectedAccuracy,
    provider: r.provider,
    providerAttempts: r.providerAttempts,
    model: r.model,
    timings: r.timings,
    tiles: r.tiles,
    warnings: r.warnings,
    labelmapId: jobId,
    labels: LABEL_NAMES,
    preparation: r.preparation,
  };
}

/** The inference service part plus the session service's view of finished jobs. */
export interface InferenceService {
  readonly parts: ServiceParts<InferenceMethodName>;
  /** Finished jobs' labelmaps for review sessions. */
  readonly segmentations: SegmentationSource;
  /**
   * Starts the segmentation worker and opens the default model's sessions shortly (cheap; call it
   * when a study is imported). Failures are not reported here but by the job that needs them.
   */
  prewarm(): void;
  /** Stops the worker (queued and running jobs end as cancelled). */
  close(): Promise<void>;
}

/** Creates the inference service part. */
export function createInferenceService(
  options: ServiceOptions,
  store: StudyStore = studyStore,
): InferenceService {
  const jobs = new Map<string, Job>();
  const worker = new SegmentationWorker();
  const job = (jobId: string): Job => {
    const j = jobs.get(jobId);
    if (!j) throw new MetaKdError(ErrorCode.NotFound, `No segmentation job "${jobId}".`);
    return j;
  };
  const finished = (jobId: string): Job & { result: SegmentationResultDto; labelmap: Volume } => {
    const j = job(jobId);
    if (j.status !== 'done' || !j.result || !j.labelmap) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `Segmentation job "${jobId}" has not finished (${j.status}).`,
      );
    }
    return j as Job & { result: SegmentationResultDto; labelmap: Volume };
  };
  const prune = () => {
    const ended = [...jobs.values()].filter((j) => j.status !== 'running');
    for (const j of ended.slice(0, Math.max(0, ended.length - MAX_KEPT_JOBS))) jobs.delete(j.jobId);
  };

  const start = (
    p: Parameters<MethodImpl<'startSegmentation'>>[0],
    ctx: CallContext,
  ): { jobId: string } => {
    const stored = store.getStudy(p.studyId);
    const assignment = stored.assignment.assignment;
    for (const s of p.sequences ?? []) {
      if (!assignment[s]) {
        throw new MetaKdError(
          ErrorCode.InvalidArgument,
          `Sequence ${s} was requested but the study has no ${s} series.`,
        );
      }
    }
    const use = SLOTS.filter((s) => assignment[s] && (!p.sequences || p.sequences.includes(s)));
    const volumes: Partial<Record<ModelSlot, Volume>> = {};
    const inputs = {} as Record<ModelSlot, SlotInputDto | null>;
    for (const s of SLOTS) {
      const id = use.includes(s) ? assignment[s] : null;
      const series = id ? store.getSeries(p.studyId, id) : null;
      inputs[s] = series
        ? {
            seriesId: series.id,
            description: series.SeriesDescription,
            dims: series.volume.geometry.dims,
            spacing: series.volume.geometry.spacing,
          }
        : null;
      if (series) volumes[s] = series.volume;
    }
    const jobId = randomUUID();
    const controller = new AbortController();
    const model = resolveModelDir(options, p.modelDir);
    const entry: Job = {
      jobId,
      studyId: p.studyId,
      controller,
      status: 'running',
      promise: worker
        .run(
          {
            model,
            volumes,
            provider: p.provider,
            contributions: p.contributions,
            prep: p.prep,
            // The preparation's models come from the service's models folder, like the tumour model.
            prepareOptions: {
              templateDir: path.join(options.modelsDir, 'brats-template'),
              brainModelDir: path.join(options.modelsDir, 'mindgrab'),
            },
          },
          {
            signal: controller.signal,
            onProgress: (stage, done, total) => {
              Object.assign(entry, { stage, done, total });
              ctx.emit({ type: 'job.progress', jobId, stage, done, total });
            },
          },
        )
        .then(
          (r) => {
            entry.labelmap = r.labelmap;
            entry.brainMask = r.brainMask;
            entry.result = toDto(jobId, p.studyId, stored.study.sourcePath, inputs, r);
            entry.status = 'done';
            ctx.emit({ type: 'job.finished', jobId, status: 'done' });
            prune();
            return entry.result;
          },
          (e: unknown) => {
            const err = isMetaKdError(e)
              ? { code: e.code, message: e.message, file: e.file }
              : { code: ErrorCode.Internal, message: e instanceof Error ? e.message : String(e) };
            entry.status = err.code === ErrorCode.Cancelled ? 'cancelled' : 'error';
            entry.error = err;
            ctx.emit({ type: 'job.finished', jobId, status: entry.status, error: err });
            prune();
            throw e;
          },
        ),
    };
    entry.promise.catch(() => undefined); // observed through awaitSegmentation / getSegmentation
    jobs.set(jobId, entry);
    return { jobId };
  };

  const parts: ServiceParts<InferenceMethodName> = {
    startSegmentation: async (p, ctx) => start(p, ctx),
    // The CLI calls this before importing, so the worker's start-up and session creation overlap
    // the import; a job with the same model and provider then reuses those sessions.
    prewarmSegmentation: async (p) => {
      void worker.prewarm({ model: resolveModelDir(options, p.modelDir), provider: p.provider });
      return { started: true };
    },
    awaitSegmentation: async ({ jobId }) => job(jobId).promise,
    getSegmentation: async ({ jobId }) => {
      const j = job(jobId);
      return {
        jobId,
        status: j.status,
        stage: j.stage,
        done: j.done,
        total: j.total,
        error: j.error,
        result: j.result,
      };
    },
    cancelJob: async ({ jobId }) => {
      const j = job(jobId);
      if (j.status !== 'running') return { cancelled: false };
      j.controller.abort();
      return { cancelled: true };
    },
    getLabelmap: async ({ jobId }) => {
      const j = finished(jobId);
      const d = j.labelmap.data;
      return {
        jobId,
        geometry: j.labelmap.geometry,
        encoding: 'uint8-base64' as const,
        data: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64'),
      };
    },
    saveSegmentation: async ({ jobId, outDir, reportExtra, anonymiseProvenance }) => {
      const j = finished(jobId);
      const r = j.result;
      return saveSegmentation({
        outDir,
        labelmap: j.labelmap,
        // Study-relative paths (or none): folder names often hold patient names (issue 12).
        report: scrubProvenance(
          {
            ...r,
            ...reportExtra,
            labelmapFile: 'labelmap.nii.gz',
            createdAt: new Date().toISOString(),
          },
          { studyPath: r.sourcePath, anonymise: anonymiseProvenance },
        ),
        description: `MetaKD ${r.model.name} ${r.model.version} (${r.usedSequences.join('+')})`,
      });
    },
    getModelInfo: async ({ modelDir }) => {
      const m = await loadManifest(resolveModelDir(options, modelDir));
      const mf = m.manifest;
      return {
        name: mf.name,
        version: mf.version,
        description: mf.description,
        method: mf.method,
        manifestPath: m.manifestPath,
        modalities: mf.modalities,
        spacingMm: mf.input.spacingMm,
        patchSize: mf.inference.patchSize,
        sha256: { encoder: mf.graphs.encoder.sha256, decoder: mf.graphs.decoder.sha256 },
        importance: mf.importance,
        evaluation: {
          protocol: mf.evaluation.protocol,
          cases: mf.evaluation.cases,
          rows: mf.evaluation.metakd.rows,
          mean: mf.evaluation.metakd.mean,
        },
      };
    },
  };

  const segmentations: SegmentationSource = async (jobId): Promise<FinishedSegmentation> => {
    const j = finished(jobId);
    const r = j.result;
    return {
      studyId: r.studyId,
      sourcePath: r.sourcePath,
      model: {
        name: r.model.name,
        version: r.model.version,
        provider: r.provider,
        sha256: r.model.sha256.decoder,
      },
      sequencesUsed: r.usedSequences,
      referenceSeriesId: r.referenceSeriesId,
      geometry: j.labelmap.geometry,
      labels: j.labelmap.data as Uint8Array,
      // Kept with the session: its inputs (staleness), warnings and expected accuracy (issue 11).
      result: {
        inputSeries: Object.fromEntries(SLOTS.map((s) => [s, r.inputs[s]?.seriesId ?? null])),
        warnings: r.warnings,
        expectedAccuracy: r.expectedAccuracy,
        ...(r.contributions ? { contributions: r.contributions } : {}),
        ...(r.preparation ? { preparation: r.preparation } : {}),
      },
      ...(j.brainMask ? { brainMask: j.brainMask.data as Uint8Array } : {}),
    };
  };
  const prewarm = () => {
    const timer = setTimeout(() => {
      // Once a job has started, the worker is up and its sessions are those the user chose.
      if (jobs.size === 0)
        void worker.prewarm({ model: resolveModelDir(options), provider: 'auto' });
    }, PREWARM_DELAY_MS);
    timer.unref();
  };
  return { parts, segmentations, prewarm, close: () => worker.close() };
}
