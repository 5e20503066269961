/**
 * `metakd segment` end to end with the tiny model (same contract as the shipped one): raw
 * clinical input (resampled, with warnings), BraTS 2023 naming, a cohort folder with a failing
 * case, and a corrupt model (clear error, nothing written).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, expect, it } from 'vitest';
import { describeData, dataPath } from '../../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../../fixtures/tinyModel.ts';
import { main } from '../../../src-main/cli/main.ts';
import { readNifti } from '../../../src-main/core/io/nifti/index.ts';

/** Runs the CLI in-process; returns exit code and captured output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (fn: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        fn(String(chunk));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
  });
  return { code, stdout, stderr };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'metakd-segment-cli-'));

(canMakeTinyModel() ? describeData : describeData.skip)('metakd segment (tiny model)', () => {
  let model: string;
  beforeAll(() => {
    model = tinyModelDir();
  });

  it('raw/TCGA-FG-6692 with --prep off: resampled into the model grid by world coordinates, labelmap in the reference geometry, warnings', async () => {
    const out = tmp();
    const r = await cli([
      'segment',
      dataPath('raw', 'TCGA-FG-6692'),
      '--prep',
      'off',
      '--out',
      out,
      '--model',
      model,
      '--provider',
      'cpu',
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(rep.usedSequences).toEqual(['flair', 't1', 't1ce', 't2']);
    const warnings = rep.warnings.join('\n');
    expect(warnings).toMatch(/not look skull-stripped/);
    expect(warnings).toMatch(/5\.5 mm slices were resampled/);
    expect(warnings).toMatch(/different grids/);
    const ref = rep.inputs[rep.referenceSlot];
    const lab = await readNifti(path.join(out, 'labelmap.nii.gz'));
    expect(lab.geometry.dims).toEqual(ref.dims);
    expect(rep.model.name).toBe('tiny-random');
    expect(rep.timings.inferenceMs).toBeGreaterThan(0);
    expect(typeof rep.importMs).toBe('number');
  });

  it('brats23 naming: all four sequences found and used', async () => {
    const out = tmp();
    const r = await cli([
      'segment',
      dataPath('brats23', 'BraTS-GLI-00001-000'),
      '--out',
      out,
      '--model',
      model,
      '--provider',
      'cpu',
      '--sequences',
      'flair,t1ce',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Sequences: flair, t1ce/);
    const rep = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(rep.inputs.t1ce.description).toMatch(/t1c/);
    expect(rep.expectedAccuracy.modalities).toEqual(['flair', 't1ce']);
  });

  it('a cohort folder: one process per case, continues past a failing case, writes a summary', async () => {
    const cohort = tmp();
    for (const c of ['Brats18_2013_20_1', 'Brats18_CBICA_AQQ_1'])
      symlinkSync(dataPath('brats18', c), path.join(cohort, c));
    mkdirSync(path.join(cohort, 'broken'));
    writeFileSync(
      path.join(cohort, 'broken', 'broken_flair.nii.gz'),
      Buffer.from([0x1f, 0x8b, 1, 2, 3]),
    );
    const out = tmp();
    const r = await cli([
      'segment',
      cohort,
      '--out',
      out,
      '--model',
      model,
      '--provider',
      'cpu',
      '--sequences',
      'flair',
    ]);
    expect(r.code).toBe(1);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.cases).toBe(3);
    expect(summary.ok).toBe(2);
    const broken = summary.outcomes.find((o: { case: string }) => o.case === 'broken');
    expect(broken.status).toBe('failed');
    expect(broken.exitCode).toBe(3);
    const tsv = readFileSync(path.join(out, 'summary.tsv'), 'utf8').trim().split('\n');
    expect(tsv).toHaveLength(4);
    expect(existsSync(path.join(out, 'Brats18_2013_20_1', 'labelmap.nii.gz'))).toBe(true);
    expect(existsSync(path.join(out, 'broken', 'labelmap.nii.gz'))).toBe(false);
  });

  it('a corrupt model: exit 4, the file named, nothing written', async () => {
    const bad = tmp();
    for (const f of ['manifest.json', 'encoder.onnx', 'decoder.onnx'])
      copyFileSync(path.join(model, f), path.join(bad, f));
    const enc = readFileSync(path.join(bad, 'encoder.onnx'));
    enc[100] ^= 1;
    writeFileSync(path.join(bad, 'encoder.onnx'), enc);
    const out = path.join(tmp(), 'out');
    const r = await cli([
      'segment',
      dataPath('brats18', 'Brats18_2013_20_1'),
      '--out',
      out,
      '--model',
      bad,
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/MODEL_CHECKSUM/);
    expect(r.stderr).toContain(path.join(bad, 'encoder.onnx'));
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
