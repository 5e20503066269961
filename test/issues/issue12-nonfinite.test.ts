/**
 * Issue 12 — "Data that must never pass silently".
 *
 * Symptom: a NIfTI with NaN/Inf voxels was segmented as "0 mL" with exit 0 and no warning: the
 * non-finite values entered the z-score statistics, every model input became NaN and the mask
 * came out empty. Inputs the engine cannot trust (empty, constant, absurd range) gave a result
 * with no warning either.
 *
 * Contract pinned here:
 * - import sets NaN/±Inf voxels to 0 and says how many (a file with no finite voxel is refused);
 *   the note reaches the series and the import-wide warnings (CLI, report.json);
 * - the z-score statistics leave non-finite values out, and the z-score maps them to 0;
 * - the engine refuses to report a result from non-finite model outputs (MetaKdError);
 * - empty / constant / absurd-range inputs give a warning in the result's warnings list.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isMetaKdError } from '../../src-main/core/errors.ts';
import { readNifti } from '../../src-main/core/io/nifti/readNifti.ts';
import { importPath } from '../../src-main/core/study/importStudy.ts';
import {
  nonzeroStats,
  zscoreNonzeroInPlace,
} from '../../src-main/core/preprocess/cropNormalise.ts';
import { checkInputs } from '../../src-main/core/preprocess/inputChecks.ts';
import { assertFiniteProbabilities } from '../../src-main/core/inference/finiteOutput.ts';
import { segmentStudy } from '../../src-main/core/inference/segmentStudy.ts';
import { createModelRunner, type ModelRunner } from '../../src-main/core/inference/modelRunner.ts';
import { loadManifest } from '../../src-main/core/model/loadManifest.ts';
import type { Volume } from '../../src-main/core/volume/Volume.ts';
import { buildNifti } from '../unit/io/nifti/buildNifti.ts';
import { canMakeTinyModel, tinyModelDir } from '../fixtures/tinyModel.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-issue12-nonfinite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A 6×5×4 float32 image with values 1..120 and the given voxels replaced. */
function imageWith(replace: Record<number, number>): Buffer {
  const values = Array.from({ length: 120 }, (_, i) => replace[i] ?? i + 1);
  return buildNifti({ dims: [6, 5, 4], type: 'float32', values, pixdim: [1, 1, 1, 1] });
}

describe('non-finite voxels at import', () => {
  it('sets NaN and ±Inf to 0 and says how many', async () => {
    const file = path.join(dir, 'nan_t1.nii.gz');
    await writeFile(file, gzipSync(imageWith({ 3: NaN, 7: Infinity, 50: -Infinity })));
    const img = await readNifti(file);
    const data = img.frames[0];
    expect([...data].every(Number.isFinite)).toBe(true);
    expect([data[3], data[7], data[50]]).toEqual([0, 0, 0]);
    expect(data[4]).toBe(5);
    expect(img.warnings).toContainEqual(
      expect.stringMatching(/^3 of 120 voxels .* NaN or infinite .* set to 0/),
    );
  });

  it('refuses a file without one finite voxel', async () => {
    const file = path.join(dir, 'all_nan.nii');
    const all = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [i, NaN]));
    await writeFile(file, imageWith(all));
    const e = await readNifti(file).catch((x: unknown) => x);
    expect(isMetaKdError(e, ErrorCode.NiftiInvalid)).toBe(true);
    expect((e as Error).message).toMatch(/every one of its 120 voxels is NaN or infinite/);
  });

  it('carries the note to the series and to the import-wide warnings', async () => {
    const folder = path.join(dir, 'case');
    await rm(folder, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(folder));
    await writeFile(path.join(folder, 'case_flair.nii'), imageWith({ 0: NaN }));
    const r = await importPath(folder);
    const series = r.studies[0].series[0];
    expect(series.warnings.some((w) => /1 of 120 voxels/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /case_flair: 1 of 120 voxels/.test(w))).toBe(true);
  });
});

describe('z-score statistics', () => {
  it('leave non-finite values out of the mean and std', () => {
    const s = nonzeroStats(new Float32Array([0, 1, 3, NaN, Infinity, -Infinity]));
    expect(s).toEqual({ mean: 2, std: 1, count: 2 });
  });

  it('map non-finite voxels to 0 and keep the rest finite', () => {
    const a = new Float32Array([0, 1, 3, NaN, Infinity]);
    zscoreNonzeroInPlace(a, [-5, 5]);
    expect([...a]).toEqual([0, -1, 1, 0, 0]);
  });
});

describe('inputs the engine cannot trust carry a warning', () => {
  const geometry = {
    dims: [20, 20, 10] as const,
    spacing: [1, 1, 1] as const,
    originLps: [0, 0, 0] as const,
    directionLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ] as const,
  };
  /** A brain-like blob: 8×8×4 voxels of varied intensity in the middle. */
  const blob = (value: (i: number) => number): Volume => {
    const data = new Float32Array(4000);
    let n = 0;
    for (let k = 3; k < 7; k++)
      for (let j = 6; j < 14; j++)
        for (let i = 6; i < 14; i++) data[i + 20 * (j + 20 * k)] = value(n++);
    return { geometry, data };
  };
  const spacing = [1, 1, 1] as const;

  it('an empty series', () => {
    const w = checkInputs({ t1: { geometry, data: new Float32Array(4000) } }, ['t1'], spacing);
    expect(w).toContainEqual(expect.stringMatching(/T1.* is empty .* cannot be trusted/));
  });

  it('a constant series', () => {
    const w = checkInputs({ flair: blob(() => 500) }, ['flair'], spacing);
    expect(w).toContainEqual(expect.stringMatching(/constant intensity .* cannot be trusted/));
  });

  it('an absurd intensity range', () => {
    const w = checkInputs({ t2: blob((n) => 1e9 + n * 1e7) }, ['t2'], spacing);
    expect(w).toContainEqual(expect.stringMatching(/intensities reach \d\.\d+e\+9/));
  });

  it('but not a plain image', () => {
    const w = checkInputs({ t2: blob((n) => 100 + (n % 37) * 10) }, ['t2'], spacing);
    expect(w.filter((x) => /cannot be trusted/.test(x))).toEqual([]);
  });
});

describe('model outputs must be finite', () => {
  it('assertFiniteProbabilities refuses NaN and Inf, naming the count', () => {
    expect(() => assertFiniteProbabilities([new Float32Array([0.1, 0.9])], 'm.onnx')).not.toThrow();
    const e = (() => {
      try {
        assertFiniteProbabilities([new Float32Array([0.1, NaN, Infinity])], 'm.onnx');
      } catch (x) {
        return x;
      }
    })();
    expect(isMetaKdError(e, ErrorCode.ProviderFailed)).toBe(true);
    expect((e as Error).message).toMatch(/2 of 3 output values .* not finite/);
  });

  const describeModel = canMakeTinyModel() ? describe : describe.skip;
  describeModel('segmentStudy with a runner whose decoder gives NaN', () => {
    it('throws instead of reporting an empty mask', async () => {
      const model = tinyModelDir();
      const real = await createModelRunner(await loadManifest(model), { provider: 'cpu' });
      const nanRunner: ModelRunner = {
        provider: real.provider,
        attempts: real.attempts,
        encode: (...a) => real.encode(...a),
        decode: async (...a) => (await real.decode(...a)).fill(NaN),
        release: () => real.release(),
      };
      const g = {
        dims: [40, 40, 30] as const,
        spacing: [1, 1, 1] as const,
        originLps: [0, 0, 0] as const,
        directionLps: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ] as const,
      };
      const data = new Float32Array(40 * 40 * 30).map((_, i) => (i % 97) + 1);
      const e = await segmentStudy({
        model,
        volumes: { flair: { geometry: g, data } },
        runner: nanRunner,
      }).catch((x: unknown) => x);
      await real.release();
      expect(isMetaKdError(e, ErrorCode.ProviderFailed)).toBe(true);
      expect((e as Error).message).toMatch(/not finite numbers/);
    }, 120_000);
  });
});
