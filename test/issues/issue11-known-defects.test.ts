/**
 * Issue 11, "Known defects": the parts that are pure logic or service behaviour (the screen itself
 * is covered by test/e2e/integrity.e2e.test.ts).
 *
 * - "slice 21/40" on a 26-slice series: Cornerstone counted the slices of a synchronised
 *   partner; the counter now counts the pane's own series (sliceOf).
 * - The provider menu offered DirectML / Core ML on Linux, and a failed provider named
 *   manifest.json as the file: the menu lists only what the service's platform can run (ping
 *   reports it) and the error names the provider, not the model's manifest.
 * - A case's `reference/` subfolder showed up as a study of its own in the study picker.
 */
import { describe, expect, it } from 'vitest';
import { providersFor, runErrorView } from '../../src-renderer/lib/providers.ts';
import { sliceOf } from '../../src-renderer/lib/viewGeometry.ts';
import { withoutNestedStudies } from '../../src-main/api/services/studyService.ts';
import { createApiService, defaultServiceOptions } from '../../src-main/api/service.ts';
import { dataPath, describeData } from '../helpers/data.ts';
import os from 'node:os';
import path from 'node:path';

describe('slice counter counts the pane’s own series', () => {
  const axial26 = {
    dims: [208, 256, 26] as const,
    spacing: [0.9, 0.9, 5.5] as const,
    originLps: [-90, -110, -60] as const,
    directionLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ] as const,
  };
  it('says "21 / 26" in slice 21 of 26, whatever the partner panes hold', () => {
    const focal = [0, 0, -60 + 20 * 5.5] as const;
    expect(sliceOf(axial26, focal, [0, 0, 1])).toEqual({ index: 21, count: 26, inside: true });
  });
  it('says when the plane lies outside the series', () => {
    const focal = [0, 0, -60 + 30 * 5.5] as const;
    expect(sliceOf(axial26, focal, [0, 0, -1]).inside).toBe(false);
  });
});

describe('provider menu and provider failures', () => {
  it('offers CUDA on Linux, DirectML on Windows, Core ML on macOS — never the others', () => {
    expect(providersFor('linux')).toEqual(['auto', 'cpu', 'webgpu', 'cuda']);
    expect(providersFor('win32')).toEqual(['auto', 'cpu', 'webgpu', 'dml']);
    expect(providersFor('darwin')).toEqual(['auto', 'cpu', 'webgpu', 'coreml']);
    expect(providersFor(null)).toEqual(['auto', 'cpu', 'webgpu']);
  });

  it('names the failed provider and leaves the model manifest out of the error', () => {
    const view = runErrorView(
      {
        code: 'PROVIDER_FAILED',
        message: 'No execution provider could run the model: cuda: Failed to load shared library',
        file: '/app/models/metakd-brats/manifest.json',
      },
      'cuda',
    );
    expect(view.file).toBeUndefined();
    expect(view.message).toMatch(/^The CUDA \(NVIDIA GPU\) provider could not run the model/);
    expect(view.message).toContain('back on automatic');
  });

  it('leaves other errors as they are', () => {
    const e = { code: 'NOT_FOUND', message: 'x', file: '/a' };
    expect(runErrorView(e, 'cpu')).toBe(e);
  });

  it('ping reports the service’s platform', async () => {
    const api = createApiService({ ...defaultServiceOptions(), dataDir: os.tmpdir() });
    expect((await api.invoke('ping', {})).platform).toBe(process.platform);
  });
});

describe('a study folder’s subfolders are not studies of their own', () => {
  it('drops a study whose folder lies inside another study’s folder', () => {
    const studies = [
      { sourcePath: '/d/case' },
      { sourcePath: '/d/case/reference' },
      { sourcePath: '/d/case-2' },
    ];
    const { kept, nested } = withoutNestedStudies(studies);
    expect(kept.map((s) => s.sourcePath)).toEqual(['/d/case', '/d/case-2']);
    expect(nested.map((n) => [n.study.sourcePath, n.parent.sourcePath])).toEqual([
      ['/d/case/reference', '/d/case'],
    ]);
  });
});

describeData('importing the raw TCGA case', () => {
  it('opens one study and says why reference/ was left out; reference/ alone still opens', async () => {
    const api = createApiService({ ...defaultServiceOptions(), dataDir: os.tmpdir() });
    const dir = dataPath('raw', 'TCGA-FG-6692');
    const r = await api.invoke('importStudy', { path: dir });
    expect(r.studies.map((s) => s.sourcePath)).toEqual([dir]);
    expect(r.warnings.some((w) => w.startsWith(`left out reference: a subfolder`))).toBe(true);
    const alone = await api.invoke('importStudy', { path: path.join(dir, 'reference') });
    expect(alone.studies).toHaveLength(1);
  });
});
