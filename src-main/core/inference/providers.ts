/**
 * Execution-provider choice: which onnxruntime providers to try, in which order, per platform
 * (DESIGN.md "Runtime choices"). Pure functions; session creation lives in modelRunner.ts.
 */

/** Execution providers the engine knows. */
export const PROVIDERS = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;

/** One provider name. */
export type ProviderName = (typeof PROVIDERS)[number];

/** What a user may ask for: a provider, or "auto". */
export type ProviderChoice = 'auto' | ProviderName;

/** One try at a provider, for the report ("which provider ran and why"). */
export interface ProviderAttempt {
  readonly provider: ProviderName;
  readonly ok: boolean;
  /** Why it was skipped or failed, or "self-test passed". */
  readonly reason: string;
  /** Milliseconds spent creating sessions and self-testing. */
  readonly ms: number;
}

/** The GPU provider native to each platform (tried first in auto mode). */
const NATIVE_GPU: Readonly<Partial<Record<NodeJS.Platform, ProviderName>>> = {
  linux: 'cuda',
  win32: 'dml',
  darwin: 'coreml',
};

/**
 * Providers to try, in order. Auto: the platform's native GPU provider, then WebGPU, then CPU.
 * A forced provider is tried alone (a forced choice that fails is an error, not a silent CPU run).
 */
export function providerOrder(
  choice: ProviderChoice,
  platform: NodeJS.Platform = process.platform,
): ProviderName[] {
  if (choice !== 'auto') return [choice];
  const native = NATIVE_GPU[platform];
  return [...(native ? [native] : []), 'webgpu', 'cpu'];
}

/** True when `s` names a provider or "auto". */
export function isProviderChoice(s: string): s is ProviderChoice {
  return s === 'auto' || (PROVIDERS as readonly string[]).includes(s);
}
