/**
 * Execution providers the run menu offers (pure functions): only those the service's platform can
 * run (CUDA on Linux, DirectML on Windows, Core ML on macOS; WebGPU and CPU everywhere), with
 * readable names, and a provider failure that names the provider rather than the model file.
 */
import type { ErrorView } from './viewTypes.ts';

/** Provider choices, as contract/inference.ts PROVIDER_CHOICES (a value the renderer may not import). */
export const PROVIDER_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;

/** One provider choice. */
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];

/** The GPU provider each platform can have (core/inference/providers.ts NATIVE_GPU). */
const NATIVE_GPU: Readonly<Record<string, ProviderChoice>> = {
  linux: 'cuda',
  win32: 'dml',
  darwin: 'coreml',
};

/** Readable provider names for the menu and messages. */
export const PROVIDER_NAME: Readonly<Record<ProviderChoice, string>> = {
  auto: 'automatic (GPU if it passes its self-test, else CPU)',
  cpu: 'CPU',
  webgpu: 'WebGPU',
  cuda: 'CUDA (NVIDIA GPU)',
  dml: 'DirectML (Windows GPU)',
  coreml: 'Core ML (Apple)',
};

/** The choices a service on `platform` (Node's process.platform) can run, in menu order. */
export function providersFor(platform: string | null): ProviderChoice[] {
  const native = platform ? NATIVE_GPU[platform] : undefined;
  return ['auto', 'cpu', 'webgpu', ...(native ? [native] : [])];
}

/** True when `s` is a provider choice. */
export function isProviderChoice(s: string): s is ProviderChoice {
  return (PROVIDER_CHOICES as readonly string[]).includes(s);
}

/** Error code of a provider that could not run the model (core/errors.ts ProviderFailed). */
export const PROVIDER_FAILED = 'PROVIDER_FAILED';

/**
 * The error a failed run shows: a provider failure names the provider and says the selection went
 * back to automatic; the engine's `file` (the model's manifest.json) is not the file at fault, so
 * it is left out. Other errors pass unchanged.
 */
export function runErrorView(error: ErrorView, provider: string): ErrorView {
  if (error.code !== PROVIDER_FAILED) return error;
  const name = isProviderChoice(provider) ? PROVIDER_NAME[provider] : provider;
  const detail = error.message.replace(/^No execution provider could run the model:\s*/, '');
  return {
    code: error.code,
    message:
      provider === 'auto'
        ? `No execution provider could run the model (${detail}).`
        : `The ${name} provider could not run the model (${detail}). The provider choice is back on automatic.`,
  };
}
