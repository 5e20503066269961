/**
 * The shipped model folder: manifest.json passes the contract (loadManifest, which also checks
 * the sha256 of the graphs), the checksums and sizes match the files on disk, the split is
 * disjoint and the evaluation tables cover the 15 combinations on the validation cases only.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/data.ts';
import { loadManifest } from '../../../src-main/core/model/loadManifest.ts';
import type { EvaluationTable, ModelManifest } from '../../../src-main/core/model/Manifest.ts';

const MODEL = path.join(repoRoot, 'models', 'metakd-brats');
const MAX_SHIPPED_BYTES = 30 * 1024 * 1024;
const COMBINATIONS = 15;

const describeModel = existsSync(path.join(MODEL, 'manifest.json')) ? describe : describe.skip;

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function checkTable(table: EvaluationTable): void {
  expect(table.rows).toHaveLength(COMBINATIONS);
  const keys = new Set(table.rows.map((r) => [...r.modalities].sort().join('+')));
  expect(keys.size).toBe(COMBINATIONS);
  for (const region of ['et', 'tc', 'wt'] as const) {
    const mean = table.rows.reduce((s, r) => s + r.dice[region], 0) / COMBINATIONS;
    expect(table.mean[region]).toBeCloseTo(mean, 9);
    for (const row of table.rows) {
      expect(row.dice[region]).toBeGreaterThanOrEqual(0);
      expect(row.dice[region]).toBeLessThanOrEqual(1);
    }
  }
}

describeModel('shipped model manifest (models/metakd-brats)', () => {
  it('validates against the contract and the sha256 of the shipped ONNX files', async () => {
    const loaded = await loadManifest(MODEL);
    const m: ModelManifest = loaded.manifest;
    let total = 0;
    for (const g of [m.graphs.encoder, m.graphs.decoder]) {
      const file = path.join(MODEL, g.path);
      expect(sha256(file)).toBe(g.sha256);
      expect(statSync(file).size).toBe(g.bytes);
      total += g.bytes;
    }
    const card = path.join(MODEL, 'MODEL_CARD.md');
    total += statSync(card).size + statSync(path.join(MODEL, 'manifest.json')).size;
    expect(total).toBeLessThanOrEqual(MAX_SHIPPED_BYTES);
    expect(readFileSync(card, 'utf8')).toMatch(/not a\s+diagnostic device/i);
  });

  it('keeps validation cases out of training and reports both variants on all 15 combinations', async () => {
    const m = (await loadManifest(MODEL)).manifest;
    const { train, metaVal, val } = m.training.split;
    const all = [...train, ...metaVal, ...val];
    expect(new Set(all).size).toBe(all.length);
    expect([...m.evaluation.cases].sort()).toEqual([...val].sort());
    checkTable(m.evaluation.metakd);
    expect(m.evaluation.ablation).toBeDefined();
    checkTable(m.evaluation.ablation as EvaluationTable);
    const alpha = Object.values(m.importance).reduce((s, a) => s + a, 0);
    expect(alpha).toBeCloseTo(1, 6);
    expect(m.graphs.featureNames).toHaveLength(m.graphs.featureChannels.length);
  });
});
