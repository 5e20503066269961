/**
 * Acceptance with the shipped model: `metakd segment` output scored against the expert labels of
 * the manifest's validation cases reproduces the manifest's evaluation table (±0.005) for all four
 * sequences and three subsets — the app runs the model exactly as it was evaluated. Skips with a
 * clear message while models/metakd-brats/manifest.json is absent.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeData, dataPath, repoRoot } from '../../helpers/data.ts';
import { readBratsLabels } from '../../fixtures/bratsCase.ts';
import { main } from '../../../src-main/cli/main.ts';
import { createApiService } from '../../../src-main/api/service.ts';
import { readNifti } from '../../../src-main/core/io/nifti/index.ts';
import { regionDice, REGIONS } from '../../../src-main/core/metrics/regions.ts';
import type { ModelManifest } from '../../../src-main/core/model/Manifest.ts';

const MODEL = path.join(repoRoot, 'models', 'metakd-brats');
const MANIFEST = path.join(MODEL, 'manifest.json');
const TOLERANCE = 0.005;
/** All four, then three subsets that drop sequences the way clinics do. */
const COMBINATIONS = [
  ['flair', 't1', 't1ce', 't2'],
  ['flair', 't1ce', 't2'],
  ['flair', 't2'],
  ['t1ce'],
];
const describeModel = existsSync(MANIFEST)
  ? describeData
  : (((name: string, fn: () => void) =>
      describeData.skip(
        `${name} [skipped: ${MANIFEST} is absent — the model has not landed]`,
        fn,
      )) as typeof describeData);

const silent = { write: () => true } as unknown as NodeJS.WritableStream;

describeModel('shipped model reproduces its evaluation table', () => {
  // One service for every run, as a long-lived app would have: its worker and sessions are reused
  // (each `metakd segment` process would start its own; the command code path is the same).
  const api = createApiService();
  const manifest = existsSync(MANIFEST)
    ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as ModelManifest)
    : undefined;
  for (const combo of COMBINATIONS) {
    it(`validation Dice for ${combo.join('+')} matches the manifest (±${TOLERANCE})`, async () => {
      const m = manifest as ModelManifest;
      const row = m.evaluation.metakd.rows.find(
        (r) => [...r.modalities].sort().join() === [...combo].sort().join(),
      );
      expect(row, `manifest has no row for ${combo.join('+')}`).toBeDefined();
      const sums = { et: 0, tc: 0, wt: 0 };
      for (const id of m.evaluation.cases) {
        const caseDir = dataPath('brats18', id);
        const out = mkdtempSync(path.join(os.tmpdir(), 'metakd-accept-'));
        const code = await main(
          [
            'segment',
            caseDir,
            '--out',
            out,
            '--single',
            '--provider',
            'cpu',
            '--sequences',
            combo.join(','),
            '--model',
            MODEL,
          ],
          { stdout: silent, stderr: silent },
          api,
        );
        expect(code, `segment ${id}`).toBe(0);
        const pred = await readNifti(path.join(out, 'labelmap.nii.gz'));
        const truth = await readBratsLabels(caseDir);
        const d = regionDice(pred.frames[0], truth.data);
        for (const r of REGIONS) sums[r] += d[r];
      }
      for (const r of REGIONS) {
        const mean = sums[r] / m.evaluation.cases.length;
        console.log(
          `${combo.join('+')} ${r}: app ${mean.toFixed(4)} manifest ${row?.dice[r].toFixed(4)}`,
        );
        expect(Math.abs(mean - (row?.dice[r] ?? NaN))).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }
});
