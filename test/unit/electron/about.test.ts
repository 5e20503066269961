/**
 * The About view's data: assets/licences.json in step with node_modules (versions, licences) and
 * package.json; the `about` method lists the shipped models with their licences.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import licences from '../../../assets/licences.json' with { type: 'json' };
import { createApiService, defaultServiceOptions } from '../../../src-main/api/service.ts';
import { repoRoot } from '../../helpers/data.ts';

const readPkg = (p: string) =>
  JSON.parse(readFileSync(path.join(repoRoot, p, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };

describe('assets/licences.json', () => {
  it('matches the installed packages and the app licence', () => {
    expect(licences.app.licence).toBe(readPkg('.').license);
    for (const lib of licences.libraries) {
      const pkg = readPkg(path.join('node_modules', lib.name));
      expect(`${lib.name} ${lib.version} ${lib.licence}`).toBe(
        `${lib.name} ${pkg.version} ${pkg.license}`,
      );
    }
  });

  it('names every runtime dependency with native code or wasm and the viewer', () => {
    const names = licences.libraries.map((l) => l.name);
    for (const n of ['onnxruntime-node', '@cornerstonejs/core', 'dcmjs', '@itk-wasm/elastix']) {
      expect(names).toContain(n);
    }
  });
});

describe('about', () => {
  it('returns the version, the runtime and the shipped models with licences', async () => {
    const api = createApiService({ ...defaultServiceOptions(), dataDir: '/nonexistent' });
    const a = await api.invoke('about', {});
    expect(a.appVersion).toBe(readPkg('.').version);
    expect(a.node).toBe(process.versions.node);
    expect(a.electron).toBeNull();
    const metakd = a.models.find((m) => m.name === 'metakd-brats');
    expect(metakd?.licence).toMatch(/MIT/);
    const mindgrab = a.models.find((m) => m.name === 'mindgrab');
    if (mindgrab) expect(mindgrab.source).toMatch(/brainchop/);
    expect(a.libraries.length).toBe(licences.libraries.length);
  });
});
