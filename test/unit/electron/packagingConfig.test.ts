/**
 * electron-builder.yml, loaded and schema-validated by electron-builder's own code (no Electron
 * binary needed): fuses flipped, only out/ + models + production dependencies shipped, native
 * code, wasm and ONNX graphs unpacked from the asar, main pointing at the bundle.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from '../../helpers/data.ts';

const require = createRequire(import.meta.url);

interface BuilderConfig {
  /** getConfig normalises the YAML list to one filter set. */
  files: { filter: string[] }[];
  asarUnpack: string[];
  asar: boolean;
  extraMetadata: { main: string };
  electronFuses: Record<string, boolean>;
}

async function loadConfig(): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
  const { DebugLogger } = require('builder-util');
  const config = await getConfig(repoRoot, null, null);
  await validateConfiguration(config, new DebugLogger(false)); // throws on an unknown key
  return config as BuilderConfig;
}

describe('electron-builder.yml', () => {
  it('flips the fuses (Electron security checklist)', async () => {
    const { electronFuses } = await loadConfig();
    expect(electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ships the build, not the sources, and unpacks native code, wasm and models', async () => {
    const c = await loadConfig();
    expect(c.asar).toBe(true);
    const files = c.files.flatMap((f) => f.filter);
    expect(files).toContain('out/**');
    expect(files).toContain('models/**');
    expect(files).toContain('!models/training/**');
    expect(files.filter((f) => /src-main|\.ts|bin\//.test(f))).toEqual([]);
    for (const p of ['models/**', 'node_modules/onnxruntime-node/**', '**/*.wasm', '**/*.node']) {
      expect(c.asarUnpack).toContain(p);
    }
    expect(c.extraMetadata.main).toBe('out/main/electron.cjs');
    const pkg = require(path.join(repoRoot, 'package.json')) as { main: string };
    expect(pkg.main).toBe(c.extraMetadata.main);
  });
});
