/**
 * Execution-provider choice: which onnxruntime providers to try, in which order, per platform
 * (DESIGN.md "Runtime choices"), and which of them to skip before trying (WebGPU on Linux without
 * a Vulkan loader). Session creation lives in modelRunner.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

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

/** The Vulkan loader Dawn (onnxruntime's WebGPU) opens on Linux. */
export const VULKAN_LOADER = 'libvulkan.so.1';

/** Folders the dynamic linker searches by default (multiarch and plain). */
export const VULKAN_SEARCH_DIRS: readonly string[] = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/lib64',
  '/lib',
  '/usr/local/lib',
];

/**
 * Chromium's folder: it ships its own libvulkan.so.1, which the linker does not search unless the
 * folder is on LD_LIBRARY_PATH (then WebGPU can run on SwiftShader, as the WebGPU test does).
 */
export const CHROMIUM_LIB_DIR = '/usr/lib/chromium';

/** Folders listed in /etc/ld.so.conf.d/*.conf (the linker cache's extra folders). */
function ldSoConfDirs(confDir = '/etc/ld.so.conf.d'): string[] {
  try {
    return readdirSync(confDir)
      .filter((n) => n.endsWith('.conf'))
      .flatMap((n) => readFileSync(path.join(confDir, n), 'utf8').split('\n'))
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l.startsWith('/'));
  } catch {
    return []; // no such folder (not glibc, or a minimal image)
  }
}

/** Where to look for the Vulkan loader and how to tell whether a file is there (injectable). */
export interface VulkanLookup {
  /** Environment (LD_LIBRARY_PATH). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** File test. Default fs.existsSync. */
  readonly exists?: (file: string) => boolean;
  /** Extra linker folders. Default: those in /etc/ld.so.conf.d. */
  readonly linkerDirs?: readonly string[];
}

/**
 * The path of the Vulkan loader the dynamic linker would find (LD_LIBRARY_PATH entries, then the
 * linker's folders), or undefined. Chromium's copy in /usr/lib/chromium counts only when that
 * folder is on LD_LIBRARY_PATH: dlopen does not look there otherwise, and Dawn then prints
 * "Couldn't load Vulkan" to stderr (measured with onnxruntime-node 1.30).
 */
export function findVulkanLoader(lookup: VulkanLookup = {}): string | undefined {
  const env = lookup.env ?? process.env;
  const exists = lookup.exists ?? existsSync;
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d.length > 0);
  const dirs = [...fromEnv, ...(lookup.linkerDirs ?? ldSoConfDirs()), ...VULKAN_SEARCH_DIRS];
  return dirs.map((d) => path.join(d, VULKAN_LOADER)).find((f) => exists(f));
}

/** Reason given when auto mode skips WebGPU for want of a Vulkan loader. */
export const NO_VULKAN_REASON = 'no Vulkan loader found';

/**
 * Why `provider` should be skipped without trying it, or undefined to try it. Only in auto mode:
 * a forced provider is always tried (its failure is then the user's answer). On Linux WebGPU runs
 * on Vulkan; without a loader Dawn only prints a warning to stderr and fails, so it is skipped.
 */
export function providerSkipReason(
  provider: ProviderName,
  choice: ProviderChoice,
  platform: NodeJS.Platform = process.platform,
  lookup: VulkanLookup = {},
): string | undefined {
  if (choice !== 'auto' || provider !== 'webgpu' || platform !== 'linux') return undefined;
  if (findVulkanLoader(lookup)) return undefined;
  const exists = lookup.exists ?? existsSync;
  return exists(path.join(CHROMIUM_LIB_DIR, VULKAN_LOADER))
    ? `${NO_VULKAN_REASON} (Chromium's copy is used with LD_LIBRARY_PATH=${CHROMIUM_LIB_DIR})`
    : NO_VULKAN_REASON;
}
