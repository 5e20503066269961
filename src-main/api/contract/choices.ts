/**
 * Literal choices of the inference contract, in a module without schemas: the CLI parses its
 * options with them before any contract group's zod schemas are loaded (issue 13, fast start).
 */
import type { PrepMode } from '../../core/prepare/types.ts';

/** Provider names a caller may ask for (kept literal: the contract imports only types from core). */
export const PROVIDER_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
/** Preparation modes for raw studies (issue 10); literal for the same reason as PROVIDER_CHOICES. */
export const PREP_MODE_CHOICES = ['auto', 'off', 'force'] as const satisfies readonly PrepMode[];
