/**
 * segmentStudy end to end on a real BraTS case with the tiny random-weight model (same contract
 * as the shipped model): labelmap on the reference grid, worker thread = direct call, progress,
 * contributions consistent with the plain run, and the bad-input paths (no usable sequence,
 * corrupt model, forced provider that is not there, provider failing mid-run, cancel).
 */
import { beforeAll, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeData, dataPath } from '../../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../../fixtures/tinyModel.ts';
import { readBratsCase } from '../../fixtures/bratsCase.ts';
import { segmentStudy } from '../../../src-main/core/inference/segmentStudy.ts';
import { segmentInWorker } from '../../../src-main/core/inference/segmentInWorker.ts';
import {
  createModelRunner,
  type ModelRunner,
} from '../../../src-main/core/inference/modelRunner.ts';
import { loadManifest } from '../../../src-main/core/model/loadManifest.ts';
import { labelVolumes } from '../../../src-main/core/metrics/regions.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const CASE = 'brats18/Brats18_2013_20_1';
const describeModel = canMakeTinyModel() ? describeData : describeData.skip;

describeModel('segmentStudy with the tiny model on ' + CASE, () => {
  let model: string;
  let vols: Record<ModelSlot, Volume>;
  beforeAll(async () => {
    model = tinyModelDir();
    vols = await readBratsCase(dataPath(CASE));
  });

  it('segments on CPU into the reference grid and reports how it ran', async () => {
    const r = await segmentStudy({ model, volumes: vols, provider: 'cpu' });
    expect(r.referenceSlot).toBe('flair');
    expect(r.labelmap.geometry).toEqual(vols.flair.geometry);
    expect(new Set(r.labelmap.data)).toSatisfy((s: Set<number>) =>
      [...s].every((v) => [0, 1, 2, 4].includes(v)),
    );
    expect(r.volumes).toEqual(labelVolumes(r.labelmap.data, r.labelmap.geometry));
    expect(r.volumes.wt).toBeGreaterThan(0);
    expect(r.provider).toBe('cpu');
    expect(r.providerAttempts).toEqual([expect.objectContaining({ provider: 'cpu', ok: true })]);
    expect(r.modelGrid.geometry.dims).toEqual([120, 120, 77]);
    expect(r.usedSequences).toEqual(['flair', 't1', 't1ce', 't2']);
    expect(r.expectedAccuracy?.modalities).toEqual(['flair', 't1', 't1ce', 't2']);
    expect(r.warnings).toEqual([]);
  });

  it('gives the same labelmap in a worker thread, with tile progress', async () => {
    const direct = await segmentStudy({
      model,
      volumes: { flair: vols.flair, t1ce: vols.t1ce },
      provider: 'cpu',
    });
    const events: [string, number, number][] = [];
    const r = await segmentInWorker(
      { model, volumes: { flair: vols.flair, t1ce: vols.t1ce }, provider: 'cpu' },
      { onProgress: (s, d, t) => events.push([s, d, t]) },
    );
    expect(
      Buffer.from(r.labelmap.data.buffer).equals(Buffer.from(direct.labelmap.data.buffer)),
    ).toBe(true);
    const tiles = events.filter((e) => e[0] === 'inference');
    expect(tiles.length).toBe(r.tiles);
    expect(tiles[tiles.length - 1]).toEqual(['inference', r.tiles, r.tiles]);
    expect(r.missingSequences).toEqual(['t1', 't2']);
    expect(r.expectedAccuracy?.modalities).toEqual(['flair', 't1ce']);
  });

  it('contributions: the full subset equals the plain run; Shapley values sum to its volume', async () => {
    const volumes = { flair: vols.flair, t2: vols.t2 };
    const plain = await segmentStudy({ model, volumes, provider: 'cpu' });
    const full = await segmentStudy({ model, volumes, provider: 'cpu', contributions: true });
    expect(
      Buffer.from(full.labelmap.data.buffer).equals(Buffer.from(plain.labelmap.data.buffer)),
    ).toBe(true);
    const c = full.contributions;
    expect(c?.subsets).toHaveLength(3);
    const all = c?.subsets.find((s) => s.modalities.length === 2);
    expect(all?.diceVsFull).toEqual({ et: 1, tc: 1, wt: 1 });
    for (const region of ['et', 'tc', 'wt'] as const) {
      const sum = Object.values(c?.shapley[region] ?? {}).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(all?.volumesMl[region] ?? NaN, 9);
    }
    expect(Object.keys(c?.leaveOneOut.wt ?? {})).toEqual(['flair', 't2']);
    // Readout cost against one segmentation (the goal ≤ 2× is measured with the real model in bench:segment).
    console.log(
      `tiny model: inference ${plain.timings.inferenceMs.toFixed(0)} ms, with contributions ` +
        `${full.timings.inferenceMs.toFixed(0)} ms (ratio ${(full.timings.inferenceMs / plain.timings.inferenceMs).toFixed(2)})`,
    );
  });

  it('refuses a study with no usable sequence', async () => {
    const e = await segmentStudy({ model, volumes: {} }).catch((x: unknown) => x);
    expect(isMetaKdError(e, 'NO_USABLE_SEQUENCE')).toBe(true);
  });

  it('refuses a corrupt model file, naming it (sha256 mismatch)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-corrupt-'));
    for (const f of ['manifest.json', 'encoder.onnx', 'decoder.onnx'])
      copyFileSync(path.join(model, f), path.join(dir, f));
    const bytes = readFileSync(path.join(dir, 'decoder.onnx'));
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(path.join(dir, 'decoder.onnx'), bytes);
    const e = await segmentStudy({ model: dir, volumes: { flair: vols.flair } }).catch(
      (x: unknown) => x,
    );
    expect(isMetaKdError(e, 'MODEL_CHECKSUM')).toBe(true);
    expect((e as Error).message).toContain(path.join(dir, 'decoder.onnx'));
  });

  it('a forced provider that is not available fails clearly, listing the attempt', async () => {
    const e = await segmentStudy({
      model,
      volumes: { flair: vols.flair },
      provider: 'coreml',
    }).catch((x: unknown) => x);
    expect(isMetaKdError(e, 'PROVIDER_FAILED')).toBe(true);
    expect((e as Error).message).toMatch(/coreml/);
  });

  it('a provider that fails mid-run ends with a clear ProviderFailed error', async () => {
    const real = await createModelRunner(await loadManifest(model), { provider: 'cpu' });
    let calls = 0;
    const flaky: ModelRunner = {
      provider: real.provider,
      attempts: real.attempts,
      encode: (...a) => real.encode(...a),
      decode: async (...a) => {
        if (++calls === 3) throw new Error('device lost');
        return real.decode(...a);
      },
      release: () => real.release(),
    };
    const e = await segmentStudy({ model, volumes: { flair: vols.flair }, runner: flaky }).catch(
      (x: unknown) => x,
    );
    await real.release();
    expect(isMetaKdError(e, 'PROVIDER_FAILED')).toBe(true);
    expect((e as Error).message).toMatch(/cpu provider failed during inference: device lost/);
  });

  it('cancels within one tile in the worker', async () => {
    const ac = new AbortController();
    let tilesAfterCancel = -1;
    const e = await segmentInWorker(
      { model, volumes: vols, provider: 'cpu' },
      {
        signal: ac.signal,
        onProgress: (stage, done) => {
          if (stage !== 'inference') return;
          if (done === 2) ac.abort();
          if (ac.signal.aborted) tilesAfterCancel++;
        },
      },
    ).catch((x: unknown) => x);
    expect(isMetaKdError(e, 'CANCELLED')).toBe(true);
    expect(tilesAfterCancel).toBeLessThanOrEqual(1);
  });
});
