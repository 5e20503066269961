/**
 * Auto mode skips WebGPU on Linux when no Vulkan loader can be found (Dawn would only print
 * "Couldn't load Vulkan" and fail); a forced WebGPU is still tried; the lookup follows
 * LD_LIBRARY_PATH and the linker's folders, and Chromium's private copy counts only on the path.
 */
import { describe, it, expect } from 'vitest';
import {
  CHROMIUM_LIB_DIR,
  findVulkanLoader,
  NO_VULKAN_REASON,
  providerSkipReason,
  VULKAN_LOADER,
} from '../../../src-main/core/inference/providers.ts';

/** A file system holding exactly these files. */
const only =
  (...files: string[]) =>
  (f: string): boolean =>
    files.includes(f);

describe('Vulkan loader lookup', () => {
  it('finds the loader on LD_LIBRARY_PATH first, then in the linker folders', () => {
    const inEnv = `/opt/vk/${VULKAN_LOADER}`;
    const system = `/usr/lib/x86_64-linux-gnu/${VULKAN_LOADER}`;
    expect(
      findVulkanLoader({
        env: { LD_LIBRARY_PATH: '/nowhere::/opt/vk' },
        exists: only(inEnv, system),
        linkerDirs: [],
      }),
    ).toBe(inEnv);
    expect(findVulkanLoader({ env: {}, exists: only(system), linkerDirs: [] })).toBe(system);
    expect(
      findVulkanLoader({ env: {}, exists: only(`/x/${VULKAN_LOADER}`), linkerDirs: ['/x'] }),
    ).toBe(`/x/${VULKAN_LOADER}`);
    expect(findVulkanLoader({ env: {}, exists: only(), linkerDirs: [] })).toBeUndefined();
  });

  it("counts Chromium's copy only when its folder is on LD_LIBRARY_PATH", () => {
    const chromium = `${CHROMIUM_LIB_DIR}/${VULKAN_LOADER}`;
    const lookup = { env: {}, exists: only(chromium), linkerDirs: [] };
    expect(findVulkanLoader(lookup)).toBeUndefined();
    expect(providerSkipReason('webgpu', 'auto', 'linux', lookup)).toMatch(
      /^no Vulkan loader found \(Chromium's copy is used with LD_LIBRARY_PATH=\/usr\/lib\/chromium\)$/,
    );
    const onPath = { ...lookup, env: { LD_LIBRARY_PATH: CHROMIUM_LIB_DIR } };
    expect(findVulkanLoader(onPath)).toBe(chromium);
    expect(providerSkipReason('webgpu', 'auto', 'linux', onPath)).toBeUndefined();
  });
});

describe('providerSkipReason', () => {
  const none = { env: {}, exists: only(), linkerDirs: [] };
  it('skips WebGPU in auto mode on Linux without a loader', () => {
    expect(providerSkipReason('webgpu', 'auto', 'linux', none)).toBe(NO_VULKAN_REASON);
  });
  it('never skips a forced provider, another provider, or another platform', () => {
    expect(providerSkipReason('webgpu', 'webgpu', 'linux', none)).toBeUndefined();
    expect(providerSkipReason('cuda', 'auto', 'linux', none)).toBeUndefined();
    expect(providerSkipReason('cpu', 'auto', 'linux', none)).toBeUndefined();
    expect(providerSkipReason('webgpu', 'auto', 'win32', none)).toBeUndefined();
    expect(providerSkipReason('webgpu', 'auto', 'darwin', none)).toBeUndefined();
  });
});
