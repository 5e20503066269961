/**
 * The pure parts of the build: what stays external, where a worker's entry is looked up, and when
 * out/ counts as stale (bin/buildState.cjs, used by `npm start` and `metakd`).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isExternal, WORKER_ENTRIES } from '../../vite.config.ts';
import { workerEntryUrl } from '../../src-main/core/workerEntry.ts';
import { productionPackages } from './packagedLayout.ts';
// @ts-expect-error plain CommonJS launcher helper without type declarations
import { buildState } from '../../bin/buildState.cjs';

describe('bundle externals', () => {
  it('keeps builtins, native/wasm packages and dev dependencies external; bundles pure JS', () => {
    for (const id of ['node:fs', 'fs', 'worker_threads', 'electron', 'onnxruntime-node']) {
      expect(isExternal(id), id).toBe(true);
    }
    for (const id of ['@itk-wasm/elastix', '@cornerstonejs/codec-openjpeg/decode', 'vite']) {
      expect(isExternal(id), id).toBe(true);
    }
    for (const id of ['zod', 'dicom-parser', './x.ts', '/abs/y.ts', '\0virtual:metakd-cli']) {
      expect(isExternal(id), id).toBe(false);
    }
  });

  it('lists the segmentation worker', () => {
    expect(Object.keys(WORKER_ENTRIES)).toContain('segmentWorker');
  });
});

describe('workerEntryUrl', () => {
  it('uses the tsx bootstrap from source and the bundled worker from a build', () => {
    expect(workerEntryUrl('segmentWorker', 'file:///r/src-main/core/inference/x.ts').href).toBe(
      'file:///r/src-main/core/inference/segmentWorker.mjs',
    );
    expect(workerEntryUrl('segmentWorker', 'file:///app/out/main/service-abc.cjs').href).toBe(
      'file:///app/out/main/segmentWorker.cjs',
    );
  });
});

describe('productionPackages', () => {
  it('takes top-level packages that are not dev-only', () => {
    const lock = {
      packages: {
        '': {},
        'node_modules/zod': {},
        'node_modules/tsx': { dev: true },
        'node_modules/fsevents': { devOptional: true },
        'node_modules/dcmjs-codecs/node_modules/dcmjs': {},
      },
    };
    expect(productionPackages(lock)).toEqual(['node_modules/zod']);
  });
});

describe('buildState', () => {
  it('is missing, current or stale from the stamp and the inputs', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-bs-'));
    try {
      mkdirSync(path.join(dir, 'src-main'));
      mkdirSync(path.join(dir, 'out'));
      writeFileSync(path.join(dir, 'src-main', 'a.ts'), '');
      expect(buildState(dir, ['src-main'])).toBe('missing');
      const stamp = path.join(dir, 'out', 'BUILD_STAMP');
      writeFileSync(stamp, '');
      const t = Date.now() / 1000;
      utimesSync(path.join(dir, 'src-main', 'a.ts'), t - 10, t - 10);
      utimesSync(stamp, t - 5, t - 5);
      expect(buildState(dir, ['src-main'])).toBe('current');
      expect(buildState(dir, ['src-main', 'absent-input'])).toBe('current');
      utimesSync(path.join(dir, 'src-main', 'a.ts'), t, t);
      expect(buildState(dir, ['src-main'])).toBe('stale');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
