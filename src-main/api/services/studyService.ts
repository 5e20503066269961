/**
 * Service: study import, sequence detection and assignment, bound to core.
 */
import type { ServiceParts, ServiceOptions } from './types.ts';

/** Implements the study methods of the contract. */
export function createStudyService(options: ServiceOptions): ServiceParts<'ping'> {
  return {
    ping: async () => ({ ok: true as const, version: options.appVersion }),
  };
}
