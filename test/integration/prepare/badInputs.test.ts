/**
 * Issue 10, bad inputs to the preparation stage: a localizer-like 3-slice series and a non-brain
 * volume are left out of the model input with a warning naming them (the rest is prepared), a
 * cancel during registration ends the stage with CANCELLED, and a reference with no brain in it
 * fails with a clear error. prepareStudy only returns values (nothing is written), so a failure
 * leaves the imported study as it was.
 */
import { existsSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { dataPath, describeData } from '../../helpers/data.ts';
import { readBratsCase } from '../../fixtures/bratsCase.ts';
import { DEFAULT_SERIES, makeRawStudy, type RawStudy } from '../../fixtures/rawStudy.ts';
import { prepareStudy } from '../../../src-main/core/prepare/prepareStudy.ts';
import { ErrorCode, MetaKdError } from '../../../src-main/core/errors.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';

const CASE = dataPath('brats18', 'Brats18_CBICA_AQQ_1');
const ORDER: readonly ModelSlot[] = ['flair', 't1', 't1ce', 't2'];

describeData('preparation with bad inputs (issue 10)', () => {
  let raw: RawStudy;
  beforeAll(async () => {
    if (!existsSync(CASE)) return;
    const b = await readBratsCase(CASE);
    raw = makeRawStudy(b, { t1ce: DEFAULT_SERIES.t1ce, t1: DEFAULT_SERIES.t1 });
  }, 300_000);

  it('leaves out a 3-slice localizer and a non-brain volume, naming them, and prepares the rest', async (ctx) => {
    if (!existsSync(CASE)) ctx.skip();
    const t1 = raw.volumes.t1;
    const localizer: Volume = {
      geometry: { ...t1.geometry, dims: [t1.geometry.dims[0], t1.geometry.dims[1], 3] },
      data: t1.data.slice(0, t1.geometry.dims[0] * t1.geometry.dims[1] * 3),
    };
    // Non-brain: deterministic noise in a box, on a plausible grid.
    let seed = 7;
    const noise = Int16Array.from(t1.data, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 1000;
    });
    const r = await prepareStudy({
      volumes: {
        t1ce: raw.volumes.t1ce,
        t1,
        flair: localizer,
        t2: { geometry: t1.geometry, data: noise },
      },
      order: ORDER,
      mode: 'auto',
      affine: 'never',
    });
    expect(r.record.ran).toBe(true);
    expect(r.record.excluded.map((x) => x.slot).sort()).toEqual(['flair', 't2']);
    expect(r.record.warnings.join('\n')).toMatch(/FLAIR left out.*3 voxels/);
    expect(r.record.warnings.join('\n')).toMatch(/T2 left out/);
    expect(Object.keys(r.volumes).sort()).toEqual(['t1', 't1ce']);
  }, 900_000);

  it('stops with CANCELLED when cancelled during registration', async (ctx) => {
    if (!existsSync(CASE)) ctx.skip();
    const ac = new AbortController();
    const p = prepareStudy({
      volumes: { t1ce: raw.volumes.t1ce, t1: raw.volumes.t1 },
      order: ORDER,
      mode: 'auto',
      signal: ac.signal,
      onProgress: (stage) => {
        if (stage === 'register') ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: ErrorCode.Cancelled });
  }, 900_000);

  it('fails clearly when the reference has no brain to align', async (ctx) => {
    if (!existsSync(CASE)) ctx.skip();
    const t1ce = raw.volumes.t1ce;
    const flat: Volume = {
      geometry: t1ce.geometry,
      data: new Int16Array(t1ce.data.length).fill(100),
    };
    const p = prepareStudy({
      volumes: { t1ce: flat },
      order: ORDER,
      mode: 'force',
      extractBrain: async () => {
        throw new MetaKdError(ErrorCode.BrainMaskEmpty, 'Brain extraction found no brain.');
      },
    });
    await expect(p).rejects.toMatchObject({ code: ErrorCode.BrainMaskEmpty });
  }, 900_000);
});
