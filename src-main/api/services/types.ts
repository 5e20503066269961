/**
 * Types shared by the service parts: each part implements some of the contract's methods, taking
 * already-validated params and a CallContext.
 */
import type { z } from '../../core/zod.ts';
import type { apiMethods, ApiMethodName } from '../contract.ts';
import type { CallContext } from '../contract/events.ts';
import type { ResultOf } from '../contract/method.ts';
import type { SecretStore } from '../../core/secrets/SecretStore.ts';

/** Options the service is created with (paths, settings folder). */
export interface ServiceOptions {
  /** App version string (package.json). */
  readonly appVersion: string;
  /** Folder for settings, sessions, outbox (created on demand). */
  readonly dataDir: string;
  /** Folder that holds the shipped models (models/ in the checkout). */
  readonly modelsDir: string;
  /**
   * Run the outbox's background retry loop (default true). The one-shot CLI passes false: its
   * process must exit when the command ends (issue 12).
   */
  readonly outboxLoop?: boolean;
  /**
   * Sweep the whole data folder of orphaned temp files when the service starts (default true).
   * The one-shot CLI passes false: walking a data folder of thousands of files (projects with many
   * cases) cost every command about 100 ms (issue 13). It still sweeps each folder before its
   * first write there (core/io/atomicWrite.ts); the app and web mode sweep everything at start.
   */
  readonly sweepDataFolder?: boolean;
  /** Aborted by ApiService.close(): background work (outbox loop, sends) stops. Set by the service. */
  readonly shutdown?: AbortSignal;
  /** Where destination passwords/tokens are kept (default: a 0600 file in dataDir; Electron: the OS key store). */
  readonly secrets?: SecretStore;
}

/** Implementation of one method: validated params in, result out. */
export type MethodImpl<K extends ApiMethodName> = (
  params: z.output<(typeof apiMethods)[K]['params']>,
  ctx: CallContext,
) => Promise<ResultOf<(typeof apiMethods)[K]>>;

/** A service part implementing the methods named K. */
export type ServiceParts<K extends ApiMethodName> = { readonly [P in K]: MethodImpl<P> };

/** The whole service: every method implemented. */
export type ServiceImpl = { readonly [K in ApiMethodName]: MethodImpl<K> };
