/**
 * `metakd export` and `metakd send` through the real api service (temp data folder): SEG and NIfTI
 * export of a synthetic DICOM series, the plain message for a NIfTI-only study, the labelmap-source
 * rules of the export methods, an unknown destination, and --help.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../src-main/cli/main.ts';
import { createApiService } from '../../../src-main/api/service.ts';
import { writeNifti } from '../../../src-main/core/io/nifti/index.ts';
import { syntheticLabels, writeSyntheticSeries } from './syntheticSeries.ts';

let dir: string;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const api = createApiService({
    appVersion: '0.0.0-test',
    dataDir: path.join(dir, 'home'),
    modelsDir: dir,
  });
  const code = await main(args, { stdout, stderr }, api);
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'metakd-cli-export-'));
  writeSyntheticSeries(path.join(dir, 'study'));
  await writeNifti(path.join(dir, 'labels.nii.gz'), syntheticLabels());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('metakd export / send', () => {
  it('prints help', async () => {
    const r = await run(['export', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--format seg\|nifti/);
    expect((await run(['send', '--help'])).out).toMatch(/--to NAME/);
  });

  it('exports a SEG and a NIfTI mask with its provenance sidecar', async () => {
    const out = path.join(dir, 'out');
    const seg = await run([
      'export',
      path.join(dir, 'study'),
      '--format',
      'seg',
      '--labels',
      path.join(dir, 'labels.nii.gz'),
      '--out',
      out,
      '--edited',
    ]);
    expect(seg.err).toBe('');
    expect(seg.code).toBe(0);
    const file = seg.out.match(/wrote (.*\.dcm)/)?.[1] ?? '';
    expect(existsSync(file)).toBe(true);
    expect(seg.out).toMatch(/SEMIAUTOMATIC/);
    const nii = await run([
      'export',
      path.join(dir, 'study'),
      '--format',
      'nifti',
      '--labels',
      path.join(dir, 'labels.nii.gz'),
      '--out',
      out,
      '--json',
    ]);
    expect(nii.code).toBe(0);
    const r = JSON.parse(nii.out) as { file: string; sidecar: string };
    expect(existsSync(r.file)).toBe(true);
    const side = JSON.parse(readFileSync(r.sidecar, 'utf8')) as {
      Provenance: Record<string, unknown>;
    };
    expect(side.Provenance.EditedByHuman).toBe(false);
    expect(side.Provenance.AlgorithmType).toBe('AUTOMATIC');
    expect(side.Provenance.SourceSeries).toHaveProperty('SeriesDescription', 'AX T1 POST');
  });

  it('says plainly that a NIfTI-only study needs NIfTI export', async () => {
    const r = await run([
      'export',
      path.join(dir, 'labels.nii.gz'),
      '--format',
      'seg',
      '--labels',
      path.join(dir, 'labels.nii.gz'),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/EXPORT_INVALID.*DICOM SEG needs DICOM source images.*NIfTI/);
  });

  it('needs exactly one labelmap source, and knows no job it has not run', async () => {
    const api = createApiService({
      appVersion: '0.0.0-test',
      dataDir: path.join(dir, 'home'),
      modelsDir: dir,
    });
    const study = path.join(dir, 'study');
    const labels = path.join(dir, 'labels.nii.gz');
    await expect(
      api.invoke('exportSeg', { jobId: 'j', labelsPath: labels, studyPath: study }),
    ).rejects.toMatchObject({
      dto: { code: 'INVALID_ARGUMENT', message: /exactly one labelmap source/ },
    });
    await expect(api.invoke('exportSeg', { labelsPath: labels })).rejects.toMatchObject({
      dto: { message: /studyPath: labelsPath needs studyPath/ },
    });
    await expect(
      api.invoke('exportNifti', { jobId: 'j', studyPath: study, edited: true }),
    ).rejects.toMatchObject({ dto: { message: /studyPath goes with labelsPath.*edited goes/ } });
    await expect(api.invoke('exportSeg', { jobId: 'no-such-job' })).rejects.toMatchObject({
      dto: { code: 'NOT_FOUND', message: 'No segmentation job "no-such-job".' },
    });
    await expect(
      api.invoke('exportSeg', { sessionId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({ dto: { code: 'NOT_FOUND', message: /No such review session/ } });
    const r = await run(['export', study, '--format', 'seg', '--edited']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--edited goes with --labels/);
  });

  it('refuses an unknown destination before queueing', async () => {
    const r = await run(['send', path.join(dir, 'study'), '--to', 'nowhere']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/No PACS destination named "nowhere"/);
  });
});
