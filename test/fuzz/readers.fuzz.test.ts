/**
 * Issue 12 — fuzzing in CI: a bounded, seeded mutation fuzzer over the NIfTI reader, the DICOM
 * reader (file → frames → assembled series, through importPath) and the SEG reader. Invariant:
 * every input ends in a MetaKdError or a valid result, within a time bound per input and a memory
 * bound for the process. CI runs a few thousand inputs per target (about a minute in all);
 * `npm run fuzz` runs long (FUZZ_ITERATIONS, FUZZ_SEED). Seeds: real files from ../shared/data
 * when present, and small files made in code. Reproducers found so far are fixed tests in
 * test/issues/issue12-fuzz-reproducers.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../src-main/core/io/nifti/readNifti.ts';
import { importPath } from '../../src-main/core/study/importStudy.ts';
import { readSeg } from '../../src-main/core/export/seg/readSeg.ts';
import type { Geometry } from '../../src-main/core/volume/Geometry.ts';
import { dataPath, hasData } from '../helpers/data.ts';
import { buildNifti, type TestVoxelType } from '../unit/io/nifti/buildNifti.ts';
import { enhancedBytes, sliceBytes } from '../unit/io/dicom/synthetic.ts';
import { fieldAt, makeRng } from './mutate.ts';
import { fuzzSeed, iterations, runFuzz, type FuzzReport, type FuzzTarget } from './harness.ts';

const work = mkdtempSync(path.join(tmpdir(), 'metakd-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bounds = (ciDefault: number) => ({
  iterations: iterations(ciDefault),
  seed: fuzzSeed(),
  timeoutMs: 5000,
  memoryMb: 1024,
});

/** Problems with a geometry, or undefined when it is a usable grid. */
function badGeometry(g: Geometry, voxels: number): string | undefined {
  if (!g.dims.every((d) => Number.isInteger(d) && d >= 1)) return `dims ${g.dims.join('×')}`;
  if (g.dims[0] * g.dims[1] * g.dims[2] !== voxels)
    return `dims ${g.dims.join('×')} ≠ ${voxels} voxels`;
  if (!g.spacing.every((s) => Number.isFinite(s) && s > 0))
    return `spacing ${g.spacing.join(', ')}`;
  if (!g.originLps.every(Number.isFinite)) return `origin ${g.originLps.join(', ')}`;
  if (!g.directionLps.flat().every(Number.isFinite)) return 'non-finite direction';
  return undefined;
}

/** Problems with a voxel array, or undefined. */
function badVoxels(data: ArrayLike<number>): string | undefined {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return `voxel ${i} is ${data[i]}`;
  }
  return undefined;
}

function report(name: string, r: FuzzReport): void {
  // One line per target, so a CI log shows what the fuzzer did.
  console.log(
    `fuzz ${name}: ${r.runs} inputs, ${r.errors} MetaKdError, ${r.valid} valid, slowest ${r.slowestMs.toFixed(0)} ms`,
  );
  expect(r.failures).toEqual([]);
}

// ---------------------------------------------------------------- NIfTI
/** NIfTI-1 offsets of dim[0..7], datatype, bitpix, vox_offset, scl_*, qform/sform codes. */
const NIFTI1_FIELDS = [40, 42, 44, 46, 48, 50, 52, 54, 70, 72, 108, 112, 116, 252, 254];
/** NIfTI-2 offsets of dim[0..7] (int64 low words), datatype, bitpix, vox_offset. */
const NIFTI2_FIELDS = [16, 24, 32, 40, 48, 12, 14, 168];

function niftiSeeds(): Buffer[] {
  const types: TestVoxelType[] = ['uint8', 'int16', 'float32', 'float64', 'uint16', 'int32'];
  const seeds = types.map((type, t) =>
    buildNifti({
      dims: [4, 3, 2 + t],
      type,
      values: Array.from({ length: 12 * (2 + t) }, (_, i) => i * (t + 1)),
      pixdim: [1, 0.9, 1.1, 2],
      sformCode: t % 2,
      qformCode: 1,
      srow: [-0.9, 0, 0, 10, 0, 1.1, 0, -20, 0, 0, 2, 5],
    }),
  );
  seeds.push(
    buildNifti({ version: 2, dims: [3, 3, 3], type: 'int16', values: Array(27).fill(7) }),
    buildNifti({ dims: [2, 2, 2, 3], type: 'float32', values: Array(24).fill(1.5) }),
    buildNifti({
      dims: [3, 2, 2],
      type: 'int16',
      values: Array(12).fill(3),
      sclSlope: 2,
      sclInter: -1,
    }),
  );
  return seeds;
}

const niftiTarget: FuzzTarget = {
  name: 'nifti',
  seeds: niftiSeeds(),
  mutators: [fieldAt(NIFTI1_FIELDS), fieldAt(NIFTI2_FIELDS)],
  // Half the inputs go through gunzip (mutated before compression: the gzip stream stays valid).
  wrap: (input, rng) => (rng.int(2) === 0 ? gzipSync(input) : input),
  async run(input) {
    const file = path.join(work, input[0] === 0x1f ? 'fuzz.nii.gz' : 'fuzz.nii');
    writeFileSync(file, input);
    const img = await readNifti(file);
    for (const f of img.frames) {
      const bad = badGeometry(img.geometry, f.length) ?? badVoxels(f);
      if (bad) return bad;
    }
    return img.frames.length === 0 ? 'no frames' : undefined;
  },
};

// ---------------------------------------------------------------- DICOM
const REAL_DICOM = [
  'dicom/transfer-syntaxes/deflated.dcm',
  'dicom/transfer-syntaxes/implicit_little.dcm',
  'dicom/transfer-syntaxes/explicit_big.dcm',
  'dicom/transfer-syntaxes/jpeg_2000.dcm',
  'dicom/transfer-syntaxes/jpeg_lossless_sel1.dcm',
  'dicom/transfer-syntaxes/jpeg_ls.dcm',
  'dicom/transfer-syntaxes/rle.dcm',
  'dicom/ge-signa-brain-pd/brain_002.dcm',
];

function realSeeds(files: readonly string[]): Buffer[] {
  if (!hasData) return [];
  return files
    .map((f) => dataPath(...f.split('/')))
    .filter(existsSync)
    .map((f) => readFileSync(f));
}

const SERIES = '1.2.826.0.1.3680043.2.1125.12.1';
const slice = (n: number): Buffer =>
  sliceBytes({ series: SERIES, instanceNumber: n, ipp: [0, 0, n], rows: 6, cols: 5 });

/** Checks every series an import produced. */
async function importAndCheck(folder: string): Promise<string | undefined> {
  const r = await importPath(folder);
  for (const st of r.studies) {
    for (const se of st.series) {
      const bad =
        badGeometry(se.volume.geometry, se.volume.data.length) ?? badVoxels(se.volume.data);
      if (bad) return `${se.SeriesDescription}: ${bad}`;
    }
  }
  return undefined;
}

const dicomFileTarget: FuzzTarget = {
  name: 'dicom-file',
  seeds: [...realSeeds(REAL_DICOM), slice(1), enhancedBytes()],
  async run(input, i) {
    const folder = path.join(work, `dicom-file-${i}`);
    mkdirSync(folder);
    try {
      writeFileSync(path.join(folder, 'one.dcm'), input);
      return await importAndCheck(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};

const dicomSeriesTarget: FuzzTarget = {
  name: 'dicom-series',
  seeds: [slice(2)],
  async run(input, i) {
    // The mutated middle slice between two intact ones: the series must still come out right.
    const folder = path.join(work, `dicom-series-${i}`);
    mkdirSync(folder);
    try {
      writeFileSync(path.join(folder, '1.dcm'), slice(1));
      writeFileSync(path.join(folder, '2.dcm'), input);
      writeFileSync(path.join(folder, '3.dcm'), slice(3));
      return await importAndCheck(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};

// ---------------------------------------------------------------- SEG
const REAL_SEG = [
  'seg/dcmqi/segmentations/24x38x3/seg/label.seg',
  'seg/dcmqi/segmentations/sparse-labelmap-noppv.dcm',
  'seg/dcmqi/segmentations/23x38x3/multiframe/mf.dcm',
  'seg/dcmqi/sr-example/seg.dcm',
];

const segTarget: FuzzTarget = {
  name: 'seg',
  seeds: realSeeds(REAL_SEG),
  async run(input) {
    const file = path.join(work, 'fuzz-seg.dcm');
    writeFileSync(file, input);
    const seg = readSeg(file);
    return badGeometry(seg.labelmap.geometry, seg.labelmap.data.length);
  },
};

/** Runs each seed once, unmutated, so the first timed input does not pay for WASM start-up. */
async function warmUp(t: FuzzTarget): Promise<void> {
  for (const s of t.seeds) await t.run(s, -1).catch(() => undefined);
}

describe('reader fuzzing (seeded, bounded)', () => {
  it('sanity: the mutator is deterministic for a seed', () => {
    const a = makeRng(7);
    const b = makeRng(7);
    expect([a.next(), a.int(100)]).toEqual([b.next(), b.int(100)]);
  });

  for (const [target, ci] of [
    [niftiTarget, 3000],
    [dicomFileTarget, 1500],
    [dicomSeriesTarget, 1000],
    [segTarget, 2000],
  ] as const) {
    const run = target.seeds.length > 0 ? it : it.skip;
    // Long runs (npm run fuzz) get time in proportion: 100 ms per input is ample.
    const testTimeout = Math.max(600_000, iterations(ci) * 100);
    run(
      `${target.name}: every input ends in a MetaKdError or a valid result`,
      async () => {
        await warmUp(target);
        report(target.name, await runFuzz(target, bounds(ci)));
      },
      testTimeout,
    );
  }
});
