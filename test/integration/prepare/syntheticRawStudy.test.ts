/**
 * Issue 10 on synthetic raw studies made from a BraTS validation case by test/fixtures/rawStudy.ts
 * (known head pose, per-series motion of a few degrees and millimetres, other intensity scales):
 * the co-registrations recover the true motion within 1 mm / 1°, and the segmentation from the
 * raw series is compared with the segmentation of the BraTS-space originals (which pass through
 * the stage untouched), both scored against the expert labels on the native T1ce grid, where the
 * stage's labelmap lives (both brought there the same way through the TRUE pose;
 * nativeEvaluation.ts).
 *
 * Two studies: 1 mm series (the stage's own error) and clinical 4–6 mm slices for FLAIR / T1 / T2
 * (motion still within 1 mm / 1°; the Dice drop there also holds what thick slices throw away).
 * Both are held to the 0.03.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { dataPath, describeData, repoRoot } from '../../helpers/data.ts';
import { readBratsCase, readBratsLabels } from '../../fixtures/bratsCase.ts';
import {
  BRATS_CENTRE,
  DEFAULT_SERIES,
  apply,
  makeRawStudy,
  mat4Mul,
  maxDisagreementMm,
  nativeLabelsToBrats,
  rigidInverse,
  rotationBetweenDeg,
  type RawSeriesSpec,
} from '../../fixtures/rawStudy.ts';
import { segmentStudy } from '../../../src-main/core/inference/segmentStudy.ts';
import { regionDice, REGIONS, type RegionScores } from '../../../src-main/core/metrics/regions.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';
import { bratsLabelsToNative } from './nativeEvaluation.ts';

const CASE = dataPath('brats18', 'Brats18_CBICA_AQQ_1');
const MODEL = path.join(repoRoot, 'models', 'metakd-brats');
const MAX_MM = 1;
const MAX_DEG = 1;
/**
 * Allowed Dice drop (ET, TC and WT each): the 0.03, for both studies. Measured on this
 * case (native-grid scores): 1 mm series ET 0.014 / TC 0.015 / WT 0.001, 4–6 mm series
 * 0.008 / 0.014 / 0.018. Before the stage kept only the voxels wholly inside a stripped
 * reference's non-zero region (resampleComposed.ts resampleMaskInsideThrough) they were
 * 0.020 / 0.034 / 0.029 and 0.012 / 0.035 / 0.069: the mask's rim of voxels interpolated with the
 * background was the cause (with the true pose in place of the registrations the 1 mm drop was
 * the same, 0.017 / 0.039 / 0.037, and 0.004 / 0.003 / −0.005 without the rim). Scoring in BraTS
 * space instead (the labelmap taken back by a second nearest lookup) moves the scores by ≤ 0.001.
 */
const MAX_DICE_DROP = 0.03;
const MAX_DICE_DROP_THICK = 0.03;
/** The default study's motions and scales on 1 mm grids. */
const THIN: Record<ModelSlot, RawSeriesSpec> = Object.fromEntries(
  Object.entries(DEFAULT_SERIES).map(([s, spec]) => [
    s,
    { ...spec, spacing: [1, 1, 1], dims: [230, 230, 170] },
  ]),
) as unknown as Record<ModelSlot, RawSeriesSpec>;

describeData('synthetic raw study from a BraTS case (issue 10)', () => {
  let brats: Record<ModelSlot, Volume>;
  let truth: Volume;
  let baseDice: RegionScores;
  let baseLabels: Volume;
  beforeAll(async () => {
    if (!existsSync(CASE)) return;
    brats = await readBratsCase(CASE);
    truth = await readBratsLabels(CASE);
    const base = await segmentStudy({ model: MODEL, volumes: brats, prep: 'auto', threads: 2 });
    expect(base.preparation?.ran).toBe(false);
    baseDice = regionDice(base.labelmap.data, truth.data);
    baseLabels = base.labelmap;
  }, 900_000);

  async function check(series: Record<ModelSlot, RawSeriesSpec>, maxDrop: number): Promise<void> {
    const raw = makeRawStudy(brats, series);
    const r = await segmentStudy({ model: MODEL, volumes: raw.volumes, prep: 'auto', threads: 2 });
    const prep = r.preparation;
    expect(prep?.ran).toBe(true);
    expect(prep?.referenceSlot).toBe('t1ce');
    expect(prep?.brainMask?.method).toBe('nonzero'); // the BraTS images are already stripped
    expect(prep?.excluded).toEqual([]);
    const fRef = raw.forward.t1ce;
    const centre = apply(fRef, BRATS_CENTRE);
    for (const slot of ['flair', 't1', 't2'] as const) {
      const rec = prep?.registrations.find((x) => x.slot === slot && x.kind === 'rigid');
      expect(rec, slot).toBeDefined();
      const trueT = mat4Mul(raw.forward[slot], rigidInverse(fRef)); // ref world → series world
      // Translation error at the brain centre and rotation error (the usual "mm / °"), plus the
      // worst displacement over a 60 mm ball around the centre for information.
      const est = rec?.matrix ?? [];
      const a = apply(est, centre);
      const b = apply(trueT, centre);
      const mm = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      const deg = rotationBetweenDeg(est, trueT);
      const ball = maxDisagreementMm(est, trueT, centre);
      console.log(
        `${slot}: ${mm.toFixed(2)} mm at the centre, ${deg.toFixed(2)}°, ${ball.toFixed(2)} mm ` +
          'worst in a 60 mm ball',
      );
      expect(mm, `${slot} mm`).toBeLessThanOrEqual(MAX_MM);
      expect(deg, `${slot} degrees`).toBeLessThanOrEqual(MAX_DEG);
      expect(rec?.after.nmi).toBeGreaterThan(rec?.before.nmi ?? Infinity);
    }
    // Alignment to BraTS space against the true pose (the template is a mean of other brains).
    const b2r = prep?.registrations.filter((x) => x.name.includes('template') && x.used).pop();
    console.log(
      `template alignment: ${maxDisagreementMm(b2r?.matrix ?? [], fRef, BRATS_CENTRE).toFixed(2)} mm`,
    );
    expect(r.labelmap.geometry).toEqual(raw.volumes.t1ce.geometry);
    // Scored on the native T1ce grid, where the stage's labelmap lives: the truth and the
    // BraTS-space run's labels brought there by one nearest lookup through the true pose
    // (nativeEvaluation.ts says why). The old score in BraTS space (the labelmap taken back
    // through a second nearest lookup, the BraTS-space run not resampled at all) is logged too.
    const g = raw.volumes.t1ce.geometry;
    const truthNative = bratsLabelsToNative(truth, fRef, g);
    const dice = regionDice(r.labelmap.data, truthNative);
    const base = regionDice(bratsLabelsToNative(baseLabels, fRef, g), truthNative);
    const inBrats = regionDice(nativeLabelsToBrats(r.labelmap, fRef), truth.data);
    const f3 = (d: RegionScores) => REGIONS.map((x) => `${x} ${d[x].toFixed(3)}`).join(' / ');
    console.log(
      `native grid: BraTS-space run ${f3(base)}, raw ${f3(dice)}, drop ` +
        REGIONS.map((x) => (base[x] - dice[x]).toFixed(3)).join(' / ') +
        ` | BraTS grid (old): BraTS-space run ${f3(baseDice)}, raw ${f3(inBrats)}`,
    );
    for (const reg of REGIONS) {
      expect(dice[reg], reg).toBeGreaterThanOrEqual(base[reg] - maxDrop);
    }
  }

  it('1 mm series: motion within 1 mm / 1°, Dice within 0.03 of the BraTS-space run', async (ctx) => {
    if (!existsSync(CASE)) ctx.skip();
    await check(THIN, MAX_DICE_DROP);
  }, 1_200_000);

  it('4–6 mm FLAIR / T1 / T2: motion within 1 mm / 1°, Dice within 0.03', async (ctx) => {
    if (!existsSync(CASE)) ctx.skip();
    await check(DEFAULT_SERIES, MAX_DICE_DROP_THICK);
  }, 1_200_000);
});
