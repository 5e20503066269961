/**
 * The api service: binds every contract method to core, validates params at the boundary and
 * turns errors into `{code, message, file}`. Transports call `invoke` and nothing else.
 */
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { apiMethods, ApiMethodName } from './contract.ts';
import type { ApiErrorDto, CallContext } from './contract/events.ts';
import type { ResultOf } from './contract/method.ts';
import { isMetaKdError } from '../core/errors.ts';
import { prepareDataFolder } from '../core/io/dataFolder.ts';
import type { ServiceImpl, ServiceOptions, ServiceParts } from './services/types.ts';
import type { InferenceService } from './services/inferenceService.ts';
import {
  isApiMethod,
  METHOD_GROUP,
  methodSpec,
  type MethodGroup,
  type MethodsOf,
} from './methodIndex.ts';

export type { ServiceOptions } from './services/types.ts';
/** The secret store for transports that supply their own cipher (Electron's safeStorage). */
export {
  FileSecretStore,
  type SecretCipher,
  type SecretStore,
} from '../core/secrets/SecretStore.ts';

/** An error that crossed the api boundary: carries the DTO. */
export class ApiError extends Error {
  readonly dto: ApiErrorDto;
  constructor(dto: ApiErrorDto) {
    super(dto.message);
    this.name = 'ApiError';
    this.dto = dto;
  }
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Default service options: models from the checkout, data under ~/.metakd-review (or $METAKD_HOME). */
export function defaultServiceOptions(): ServiceOptions {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    appVersion: pkg.version,
    dataDir: process.env.METAKD_HOME ?? path.join(os.homedir(), '.metakd-review'),
    modelsDir: process.env.METAKD_MODELS ?? path.join(repoRoot, 'models'),
  };
}

/** Converts anything thrown into the DTO that crosses transports. */
export function toApiErrorDto(e: unknown): ApiErrorDto {
  if (e instanceof ApiError) return e.dto;
  if (isMetaKdError(e)) return { code: e.code, message: e.message, file: e.file };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message };
}

/** The service every transport uses. */
export interface ApiService {
  /** Validates `rawParams` against the method's schema, then runs it. Throws ApiError. */
  invoke<K extends ApiMethodName>(
    name: K,
    rawParams: unknown,
    ctx?: Partial<CallContext>,
  ): Promise<ResultOf<(typeof apiMethods)[K]>>;
  /** True when `name` is a method of the contract. */
  has(name: string): name is ApiMethodName;
  /**
   * Shuts down background work so the process can exit at once: the segmentation worker is
   * terminated (running jobs end cancelled), the outbox loop stops, sends in progress end with
   * their sockets destroyed (issue 12: web mode lingered 13 s after SIGTERM). Optional only so
   * that test stubs of the service need not provide it; createApiService always does.
   */
  close?(): Promise<void>;
}

/**
 * Delay before an import's prewarm loads the inference service: a one-shot command that only
 * imports (`metakd inspect`) exits first and never loads it.
 */
const PREWARM_LOAD_DELAY_MS = 300;

/** Runs `load` once, on first use. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= load());
}

/**
 * Creates the service over core. Each group's service module (and its schemas, see
 * methodIndex.ts) is loaded on the first call of one of its methods (issue 13, fast start); the
 * state the groups share (the inference service's jobs) is created once and handed to each.
 */
export function createApiService(given: ServiceOptions = defaultServiceOptions()): ApiService {
  const shutdown = new AbortController();
  const options: ServiceOptions = { ...given, shutdown: shutdown.signal };
  // Data folder 0700 and (unless sweepDataFolder is false: the one-shot CLI) orphaned temp files
  // swept before the first call touches it. A failure here is not reported here: the first write
  // into the folder reports it with its file.
  const dataFolderReady = prepareDataFolder(options.dataDir, {
    sweep: options.sweepDataFolder ?? true,
  }).catch(() => undefined);
  let inferenceLoaded: InferenceService | undefined;
  let inferenceLoading: Promise<InferenceService> | undefined;
  const inference = () =>
    (inferenceLoading ??= import('./services/inferenceService.ts').then(
      (m) => (inferenceLoaded = m.createInferenceService(options)),
    ));
  const segmentations = async () => (await inference()).segmentations;
  const loaders: { readonly [G in MethodGroup]: () => Promise<ServiceParts<MethodsOf<G>>> } = {
    study: once(async () => {
      const studies = (await import('./services/studyService.ts')).createStudyService(options);
      return {
        ...studies,
        // An imported study is usually segmented next: have the segmentation worker ready.
        importStudy: async (p, ctx) => {
          const r = await studies.importStudy(p, ctx);
          if (inferenceLoaded) inferenceLoaded.prewarm();
          else {
            const timer = setTimeout(() => {
              if (shutdown.signal.aborted) return;
              void inference().then(
                (i) => i.prewarm(),
                () => undefined,
              );
            }, PREWARM_LOAD_DELAY_MS);
            timer.unref();
          }
          return r;
        },
      };
    }),
    inference: once(async () => (await inference()).parts),
    session: once(async () =>
      (await import('./services/sessionService.ts')).createSessionService(
        options,
        await segmentations(),
      ),
    ),
    viewer: once(async () => {
      const { getSeries } = await import('./services/studyStore.ts');
      return (await import('./services/viewerService.ts')).createViewerService(
        async (studyId, seriesId) => getSeries(studyId, seriesId),
      );
    }),
    dicom: once(async () => (await import('./services/dicomService.ts')).createDicomService()),
    cohort: once(async () => (await import('./services/cohortService.ts')).createCohortService()),
    // Background project runs reach the other methods as a transport would (validated).
    project: once(async () =>
      (await import('./services/projectService.ts')).createProjectService(options, (name, p, ctx) =>
        service.invoke(name, p, ctx),
      ),
    ),
    export: once(async () =>
      (await import('./services/exportService.ts')).createExportService(options, await inference()),
    ),
    about: once(async () =>
      (await import('./services/aboutService.ts')).createAboutService(options),
    ),
    preparation: once(async () =>
      (await import('./services/preparationService.ts')).createPreparationService(undefined, {
        segmentations: await segmentations(),
        dataDir: options.dataDir,
      }),
    ),
  };
  // The outbox's retry loop lives in the export service: a long-running process (app, web mode)
  // starts it now, as before, so sends queued by an earlier run resume without a first call.
  if (options.outboxLoop !== false) void loaders.export().catch(() => undefined);
  const has = isApiMethod;
  const service: ApiService = {
    has,
    async close() {
      shutdown.abort();
      // Only a started inference service has a worker to stop.
      const started = await inferenceLoading?.catch(() => undefined);
      await started?.close();
    },
    async invoke(name, rawParams, ctx = {}) {
      if (!has(name)) {
        throw new ApiError({
          code: 'INVALID_ARGUMENT',
          message: `Unknown api method "${String(name)}".`,
        });
      }
      let spec;
      try {
        spec = await methodSpec(name);
      } catch (e) {
        throw new ApiError(toApiErrorDto(e));
      }
      const parsed = spec.params.safeParse(rawParams ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues
          .map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`)
          .join('; ');
        throw new ApiError({
          code: 'INVALID_ARGUMENT',
          message: `Invalid params for ${name}: ${issues}`,
        });
      }
      const fullCtx: CallContext = { emit: ctx.emit ?? (() => {}), signal: ctx.signal };
      await dataFolderReady;
      try {
        const group: MethodGroup = METHOD_GROUP[name];
        const impl = (await loaders[group]()) as Partial<ServiceImpl>;
        const fn = impl[name] as (
          p: unknown,
          c: CallContext,
        ) => Promise<ResultOf<(typeof apiMethods)[typeof name]>>;
        return await fn(parsed.data, fullCtx);
      } catch (e) {
        throw new ApiError(toApiErrorDto(e));
      }
    },
  };
  return service;
}
