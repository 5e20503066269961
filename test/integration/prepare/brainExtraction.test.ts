/**
 * Brain extraction on real data (issue 10), at the default working resolution:
 * - TCGA-FG-6692's raw T1ce (skull on, 5.5 mm slices): the mask lies on the series' own grid, its
 *   volume is plausible for an adult, and it stays out of the most anterior-inferior part of the
 *   head (eyes, nose: the head's front 30 mm within its lowest 40 mm);
 * - a BraTS T1 (already skull-stripped): the mask covers most of the nonzero brain (MindGrab is
 *   built for heads with the skull on; see the test);
 * - bad inputs: an empty or flat volume is BRAIN_MASK_EMPTY, a forced provider that cannot load is
 *   PROVIDER_FAILED, and an abort during the network is CANCELLED promptly.
 * With METAKD_SLOW_TESTS=1 it also runs brainchop's own 1 mm grid (~100 s of CPU) and requires
 * Dice ≥ 0.95 between the default mask and that one (bench/brain-extraction.bench.ts measures
 * the same on every run).
 */
import { beforeAll, expect, it } from 'vitest';
import { dataPath, describeData } from '../../helpers/data.ts';
import { ErrorCode, isMetaKdError } from '../../../src-main/core/errors.ts';
import { readNifti } from '../../../src-main/core/io/nifti/index.ts';
import {
  DEFAULT_WORKING_SPACING_MM,
  PLAUSIBLE_BRAIN_ML,
  extractBrain,
  type BrainExtractionResult,
} from '../../../src-main/core/prepare/brainExtraction.ts';
import { voxelToLps, type Geometry } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const T1CE = dataPath(
  'raw',
  'TCGA-FG-6692',
  'MRHR_T1_AX_POST_GAD_OtherEXampleTCIA_TCGA-FG-6692_Si_TCGA-FG-6692_MRHR_T1_AX_POST_GAD_SE_13_se2d1r_t1c.nii.gz',
);
const BRATS_T1 = dataPath('brats18', 'Brats18_2013_20_1', 'Brats18_2013_20_1_t1.nii.gz');
const SLOW = process.env.METAKD_SLOW_TESTS === '1';

async function load(file: string): Promise<Volume> {
  const img = await readNifti(file);
  return { geometry: img.geometry, data: img.frames[0] };
}

/** Voxels of the head (above the median of nonzero intensities) and of the mask, in LPS. */
function anteriorInferiorCount(vol: Volume, mask: Uint8Array): { head: number; mask: number } {
  const g: Geometry = vol.geometry;
  const nz = Array.from(vol.data).filter((v) => v > 0);
  nz.sort((a, b) => a - b);
  const median = nz[nz.length >> 1];
  const head: number[][] = [];
  let v = 0;
  const inMask: boolean[] = [];
  for (let k = 0; k < g.dims[2]; k++)
    for (let j = 0; j < g.dims[1]; j++)
      for (let i = 0; i < g.dims[0]; i++, v++) {
        if (vol.data[v] > median || mask[v]) {
          head.push([...voxelToLps(g, [i, j, k])]);
          inMask.push(mask[v] === 1 && vol.data[v] > median);
        }
      }
  // LPS: anterior = −y, inferior = −z.
  const front = head.reduce((a, p) => Math.min(a, p[1]), Infinity);
  const bottom = head.reduce((a, p) => Math.min(a, p[2]), Infinity);
  let h = 0;
  let m = 0;
  head.forEach((p, n) => {
    if (p[1] < front + 30 && p[2] < bottom + 40) {
      h++;
      if (inMask[n]) m++;
    }
  });
  return { head: h, mask: m };
}

function dice(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let sa = 0;
  let sb = 0;
  for (let v = 0; v < a.length; v++) {
    inter += a[v] & b[v];
    sa += a[v];
    sb += b[v];
  }
  return (2 * inter) / (sa + sb);
}

describeData('brain extraction (MindGrab) on real series', () => {
  let t1ce: Volume;
  let result: BrainExtractionResult;
  beforeAll(async () => {
    t1ce = await load(T1CE);
  });

  it('TCGA-FG-6692 T1ce: a plausible adult brain on the native grid, orbits left out', async () => {
    const stages: string[] = [];
    result = await extractBrain({
      volume: t1ce,
      provider: 'cpu',
      threads: 2,
      onProgress: (s, done, total) => stages.push(`${s} ${done}/${total}`),
    });
    expect(result.workingSpacingMm).toBe(DEFAULT_WORKING_SPACING_MM);
    expect(result.mask.geometry).toBe(t1ce.geometry);
    expect(result.mask.data).toBeInstanceOf(Uint8Array);
    expect(result.mask.data.length).toBe(t1ce.data.length);
    expect(result.mask.data.every((x) => x === 0 || x === 1)).toBe(true);
    expect(result.volumeMl).toBeGreaterThan(PLAUSIBLE_BRAIN_ML[0]);
    expect(result.volumeMl).toBeLessThan(PLAUSIBLE_BRAIN_ML[1]);
    expect(result.warnings).toEqual([]);
    expect(result.provider).toBe('cpu');
    expect(stages).toEqual(['conform 0/3', 'inference 1/3', 'postprocess 2/3', 'postprocess 3/3']);
    const front = anteriorInferiorCount(t1ce, result.mask.data as Uint8Array);
    expect(front.head).toBeGreaterThan(1000); // the box does hold head tissue (eyes, nose)
    expect(front.mask).toBeLessThanOrEqual(front.head * 0.01);
  }, 600_000); // ≈ 22 s of CPU; generous for a shared machine

  it.skipIf(!SLOW)(
    `agrees with brainchop's 1 mm grid (Dice ≥ 0.95)${SLOW ? '' : ' [skipped: set METAKD_SLOW_TESTS=1]'}`,
    async () => {
      const naive = await extractBrain({
        volume: t1ce,
        provider: 'cpu',
        threads: 2,
        workingSpacingMm: 1,
      });
      expect(dice(naive.mask.data as Uint8Array, result.mask.data as Uint8Array)).toBeGreaterThan(
        0.95,
      );
    },
    600_000,
  );

  it('BraTS T1 (already stripped): the mask covers most of the nonzero brain', async () => {
    const t1 = await load(BRATS_T1);
    const r = await extractBrain({ volume: t1, provider: 'cpu', threads: 2 });
    let brain = 0;
    let covered = 0;
    let outside = 0;
    const m = r.mask.data;
    for (let v = 0; v < m.length; v++) {
      if (t1.data[v] > 0) {
        brain++;
        covered += m[v];
      } else outside += m[v];
    }
    // MindGrab was built for heads with the skull on: on an already-stripped brain it leaves out
    // part of the rim even on brainchop's own 1 mm grid (measured: 82.5 % covered, 0.5 % outside;
    // 1.5 mm: 88.0 % / 5.9 %; bench/results/brain-extraction.md). That is why the preparation
    // stage uses the nonzero voxels of a series that already looks stripped. Pinned here: most of
    // the brain is covered and little is added outside it.
    expect(covered / brain).toBeGreaterThan(0.85);
    expect(outside / brain).toBeLessThan(0.08);
  }, 600_000);

  it('an empty or flat volume is BRAIN_MASK_EMPTY, before any network run', async () => {
    const geometry = { ...t1ce.geometry };
    for (const fill of [0, 100]) {
      const data = new Float32Array(t1ce.data.length).fill(fill);
      const e: unknown = await extractBrain({ volume: { geometry, data } }).catch((x) => x);
      expect(isMetaKdError(e, ErrorCode.BrainMaskEmpty)).toBe(true);
      expect((e as Error).message).toMatch(/no brain/);
    }
  });

  it('a forced provider that cannot run is PROVIDER_FAILED, naming the provider', async () => {
    const e: unknown = await extractBrain({ volume: t1ce, provider: 'coreml' }).catch((x) => x);
    expect(isMetaKdError(e, ErrorCode.ProviderFailed)).toBe(true);
    expect((e as Error).message).toMatch(/coreml/);
  });

  it('an abort during the network cancels promptly', async () => {
    const ctrl = new AbortController();
    let abortedAt = 0;
    const e: unknown = await extractBrain({
      volume: t1ce,
      provider: 'cpu',
      signal: ctrl.signal,
      onProgress: (stage, done) => {
        if (stage === 'inference' && done === 1) {
          // Abort once the session is running, not before it starts.
          setTimeout(() => {
            abortedAt = performance.now();
            ctrl.abort();
          }, 300);
        }
      },
    }).catch((x) => x);
    const latency = performance.now() - abortedAt;
    expect(isMetaKdError(e, ErrorCode.Cancelled)).toBe(true);
    expect(abortedAt).toBeGreaterThan(0);
    // Session creation is not interruptible; the run itself is abandoned at once.
    expect(latency).toBeLessThan(2000);
  });
});
