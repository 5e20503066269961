/**
 * The api service: binds every contract method to core, validates params at the boundary and
 * turns errors into `{code, message, file}`. Transports call `invoke` and nothing else.
 */
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { apiMethods, type ApiMethodName } from './contract.ts';
import type { ApiErrorDto, CallContext } from './contract/events.ts';
import type { ResultOf } from './contract/method.ts';
import { isMetaKdError } from '../core/errors.ts';
import { prepareDataFolder } from '../core/io/dataFolder.ts';
import type { ServiceImpl, ServiceOptions } from './services/types.ts';
import { createStudyService } from './services/studyService.ts';
import { createSessionService } from './services/sessionService.ts';
import { createViewerService } from './services/viewerService.ts';
import { createDicomService } from './services/dicomService.ts';
import { createCohortService } from './services/cohortService.ts';
import { createProjectService } from './services/projectService.ts';
import { getSeries } from './services/studyStore.ts';
import { createExportService } from './services/exportService.ts';
import { createAboutService } from './services/aboutService.ts';
import { createPreparationService } from './services/preparationService.ts';
import { createInferenceService } from './services/inferenceService.ts';

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

/** Creates the service over core. */
export function createApiService(given: ServiceOptions = defaultServiceOptions()): ApiService {
  const shutdown = new AbortController();
  const options: ServiceOptions = { ...given, shutdown: shutdown.signal };
  // Data folder 0700 and orphaned temp files swept before the first call touches it. A failure
  // here is not reported here: the first write into the folder reports it with its file.
  const dataFolderReady = prepareDataFolder(options.dataDir).catch(() => undefined);
  const inference = createInferenceService(options);
  const studies = createStudyService(options);
  const impl: ServiceImpl = {
    ...studies,
    // An imported study is usually segmented next: have the segmentation worker ready.
    importStudy: async (p, ctx) => {
      const r = await studies.importStudy(p, ctx);
      inference.prewarm();
      return r;
    },
    ...inference.parts,
    ...createSessionService(options, inference.segmentations),
    ...createViewerService(async (studyId, seriesId) => getSeries(studyId, seriesId)),
    ...createDicomService(),
    ...createCohortService(),
    // Background project runs reach the other methods as a transport would (validated).
    ...createProjectService(options, (name, p, ctx) => service.invoke(name, p, ctx)),
    ...createExportService(options, inference),
    ...createAboutService(options),
    ...createPreparationService(),
  };
  const has = (name: string): name is ApiMethodName => Object.hasOwn(apiMethods, name);
  const service: ApiService = {
    has,
    async close() {
      shutdown.abort();
      await inference.close();
    },
    async invoke(name, rawParams, ctx = {}) {
      if (!has(name)) {
        throw new ApiError({
          code: 'INVALID_ARGUMENT',
          message: `Unknown api method "${String(name)}".`,
        });
      }
      const spec = apiMethods[name];
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
