/**
 * Issue 13: checkInputs reads each voxel twice instead of three times (the non-zero count rides
 * on the statistics' first pass). A pure refactor: the numbers must be bit-identical to the
 * former separate functions, reproduced here verbatim as the reference.
 */
import { describe, expect, it } from 'vitest';
import { dataPath, describeData } from '../../helpers/data.ts';
import {
  intensityStats,
  nonzeroFractions,
  surveyVolume,
} from '../../../src-main/core/preprocess/inputChecks.ts';
import { loadNiftiSeries } from '../../../src-main/core/io/nifti/loadNiftiSeries.ts';
import type { Volume, VoxelArray } from '../../../src-main/core/volume/Volume.ts';

/** The former nonzeroFractions (before issue 13). */
function referenceFractions(v: Volume): { all: number; border: number } {
  const [nx, ny, nz] = v.geometry.dims;
  const d = v.data;
  let nonzero = 0;
  for (let x = 0; x < d.length; x++) if (d[x] !== 0) nonzero++;
  let border = 0;
  let borderTotal = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const onFaceJk = k === 0 || k === nz - 1 || j === 0 || j === ny - 1;
      const row = (k * ny + j) * nx;
      if (onFaceJk) {
        for (let i = 0; i < nx; i++) if (d[row + i] !== 0) border++;
        borderTotal += nx;
      } else {
        if (d[row] !== 0) border++;
        if (nx > 1 && d[row + nx - 1] !== 0) border++;
        borderTotal += Math.min(nx, 2);
      }
    }
  }
  return { all: nonzero / d.length, border: border / Math.max(1, borderTotal) };
}

/** The former intensityStats (before issue 13). */
function referenceStats(d: ArrayLike<number>) {
  let n = 0;
  let s1 = 0;
  let neg = 0;
  let maxAbs = 0;
  for (let x = 0; x < d.length; x++) {
    const v = d[x];
    if (v === 0 || v - v !== 0) continue;
    n++;
    s1 += v;
    if (v < 0) neg++;
    const a = v < 0 ? -v : v;
    if (a > maxAbs) maxAbs = a;
  }
  if (n === 0) return { count: 0, mean: 0, std: 0, maxAbs: 0, skew: 0, negative: 0 };
  const mean = s1 / n;
  let m2 = 0;
  let m3 = 0;
  for (let x = 0; x < d.length; x++) {
    const v = d[x];
    if (v === 0 || v - v !== 0) continue;
    const c = v - mean;
    m2 += c * c;
    m3 += c * c * c;
  }
  m2 /= n;
  m3 /= n;
  return {
    count: n,
    mean,
    std: Math.sqrt(m2),
    maxAbs,
    skew: m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0,
    negative: neg / n,
  };
}

/** Bit-identical comparison (Object.is tells -0 from 0 and NaN from NaN alike). */
function expectSame(a: object, b: object): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const [k, v] of Object.entries(a)) {
    expect(
      Object.is(v, (b as Record<string, unknown>)[k]),
      `${k}: ${v} vs ${String((b as Record<string, unknown>)[k])}`,
    ).toBe(true);
  }
}

function volume(data: VoxelArray, dims: [number, number, number]): Volume {
  return {
    data,
    geometry: {
      dims,
      spacing: [1, 1, 1],
      originLps: [0, 0, 0],
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    },
  } as unknown as Volume;
}

function check(v: Volume): void {
  const s = surveyVolume(v);
  expectSame(s.stats, referenceStats(v.data));
  expectSame(s.fractions, referenceFractions(v));
  expectSame(intensityStats(v.data), referenceStats(v.data));
  expectSame(nonzeroFractions(v), referenceFractions(v));
}

describe('input survey (synthetic)', () => {
  it('matches the former functions with NaN, ±Inf, -0, negatives and empty volumes', () => {
    const f = new Float32Array(4 * 5 * 6);
    for (let i = 0; i < f.length; i++) f[i] = ((i * 37) % 11) - 3 + i / 7;
    f[3] = NaN;
    f[10] = Infinity;
    f[11] = -Infinity;
    f[12] = -0;
    f[40] = 0;
    check(volume(f, [4, 5, 6]));
    check(volume(new Float32Array(24), [2, 3, 4]));
    check(volume(Float32Array.from([NaN, Infinity, 0, 0]), [4, 1, 1]));
    check(volume(Int16Array.from([0, -5, 7, 0, 32767, -32768]), [1, 2, 3]));
    check(volume(Float64Array.from([0, 1e-300, -7.25, 0, 1e300, NaN]), [3, 2, 1]));
    check(volume(Uint8Array.from([0, 255, 3, 0]), [2, 2, 1]));
    const plain = [0, 1.5, -2, NaN, 3, 0.1];
    expectSame(intensityStats(plain), referenceStats(plain));
  });
});

describeData('input survey (BraTS volumes)', () => {
  it('gives bit-identical numbers on the four series of a real case', async () => {
    const c = 'Brats18_2013_20_1';
    for (const s of ['flair', 't1', 't1ce', 't2']) {
      const [series] = await loadNiftiSeries(dataPath('brats18', c, `${c}_${s}.nii.gz`));
      check(series.volume);
      // As float data too (the dtype the prepared inputs can have).
      check({ ...series.volume, data: Float32Array.from(series.volume.data) });
    }
  });
});
