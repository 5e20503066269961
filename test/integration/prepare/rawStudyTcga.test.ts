/**
 * Issue 10 end to end on a real raw clinical study (TCGA-FG-6692: skull on, 5.5 mm oblique
 * slices, the patient moving between series): `segmentStudy` with preparation `auto` from the raw
 * NIfTI files; the labelmap on the native T1ce grid is scored against
 * reference/fusion_majority_vote_seg.nii.gz brought onto that grid by an independent registration
 * (Debian's elastix CLI; independentRegistration.ts says why in that direction). Before the stage:
 * WT 0.04, TC 0.00 (RAW-INPUT.md).
 */
import { existsSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { dataPath, describeData, repoRoot } from '../../helpers/data.ts';
import { readNifti } from '../../../src-main/core/io/nifti/index.ts';
import { writeNifti } from '../../../src-main/core/io/nifti/writeNifti.ts';
import { segmentStudy } from '../../../src-main/core/inference/segmentStudy.ts';
import { regionDice } from '../../../src-main/core/metrics/regions.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';
import { hasElastixCli, pipelineLabelsIntoNative } from './independentRegistration.ts';

const CASE = dataPath('raw', 'TCGA-FG-6692');
const MODEL = path.join(repoRoot, 'models', 'metakd-brats');
/** A label farther than this from the pipeline's brain lies outside the brain (orbits, scalp). */
const FAR_MM = 6;
const SUFFIX: Record<ModelSlot, string> = {
  t1ce: '_t1c.nii.gz',
  flair: '_fla.nii.gz',
  t1: '_t1.nii.gz',
  t2: '_t2.nii.gz',
};

/** The raw series of the case, by slot (file names end in the BraTS-toolkit suffixes). */
export async function readRawCase(
  dir: string,
): Promise<Record<ModelSlot, Volume> & { paths: Record<ModelSlot, string> }> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.nii.gz'));
  const out = { paths: {} } as Record<ModelSlot, Volume> & { paths: Record<ModelSlot, string> };
  for (const slot of Object.keys(SUFFIX) as ModelSlot[]) {
    const f = files.find((n) => n.endsWith(SUFFIX[slot]));
    if (!f) throw new Error(`${dir}: no ${slot} series`);
    const file = realpathSync(path.join(dir, f));
    const img = await readNifti(file);
    out[slot] = { geometry: img.geometry, data: img.frames[0] };
    out.paths[slot] = file;
  }
  return out;
}

describeData('raw clinical study TCGA-FG-6692 (issue 10)', () => {
  it('segments from the raw files: WT ≥ 0.75, TC ≥ 0.60, nothing far outside the brain (orbits, scalp)', async (ctx) => {
    if (!existsSync(CASE) || !(await hasElastixCli())) ctx.skip();
    const raw = await readRawCase(CASE);
    const stages = new Set<string>();
    const r = await segmentStudy({
      model: MODEL,
      volumes: { flair: raw.flair, t1: raw.t1, t1ce: raw.t1ce, t2: raw.t2 },
      prep: 'auto',
      threads: 2,
      onProgress: (s) => stages.add(s),
    });
    const prep = r.preparation;
    expect(prep?.ran).toBe(true);
    expect(prep?.decision.reasons.map((x) => x.code)).toContain('not-skull-stripped');
    expect(prep?.referenceSlot).toBe('t1ce');
    expect(prep?.brainMask?.method).toBe('mindgrab');
    expect([...stages]).toEqual(
      expect.arrayContaining(['register', 'brain-extraction', 'align', 'resample', 'inference']),
    );
    // The labelmap is on the native T1ce grid; volumes were measured there.
    expect(r.labelmap.geometry).toEqual(raw.t1ce.geometry);
    expect(r.volumes.wt).toBeGreaterThan(5);
    // Real head motion in this study (RAW-INPUT.md: FLAIR ≈ 10° and 14 mm; T1 ≈ 8°).
    const flair = prep?.registrations.find((x) => x.slot === 'flair');
    expect(flair?.after.nmi).toBeGreaterThan(flair?.before.nmi ?? Infinity);

    const ref = path.join(CASE, 'reference');
    const bet = path.join(ref, 'OtherEXampleFromTCIA_t1c_bet.nii.gz');
    const truth = await pipelineLabelsIntoNative({
      nativeImagePath: raw.paths.t1ce,
      pipelineImagePath: bet,
      labelsPath: path.join(ref, 'fusion_majority_vote_seg.nii.gz'),
    });
    const dice = regionDice(r.labelmap.data, truth);
    // The pipeline's brain (its stripped T1ce, non-zero), brought over the same way.
    const betImg = await readNifti(realpathSync(bet));
    const brainPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'metakd-bet-')), 'b.nii.gz');
    await writeNifti(brainPath, {
      geometry: betImg.geometry,
      data: Uint8Array.from(betImg.frames[0], (v) => (v > 0 ? 1 : 0)),
    });
    const brain = await pipelineLabelsIntoNative({
      nativeImagePath: raw.paths.t1ce,
      pipelineImagePath: bet,
      labelsPath: brainPath,
    });
    // Labels outside the pipeline's brain: near its edge (thick-slice partial volume) or far
    // from it (orbits, scalp). None may be far.
    const g = r.labelmap.geometry;
    const [nx, ny, nz] = g.dims;
    const reach = [0, 1, 2].map((ax) => Math.ceil(FAR_MM / g.spacing[ax]));
    let outside = 0;
    let far = 0;
    let labelled = 0;
    for (let x = 0; x < r.labelmap.data.length; x++) {
      if (!r.labelmap.data[x]) continue;
      labelled++;
      if (brain[x]) continue;
      outside++;
      const [i, j, k] = [x % nx, Math.floor(x / nx) % ny, Math.floor(x / (nx * ny))];
      let near = false;
      for (let c = Math.max(0, k - reach[2]); c <= Math.min(nz - 1, k + reach[2]) && !near; c++) {
        for (
          let bb = Math.max(0, j - reach[1]);
          bb <= Math.min(ny - 1, j + reach[1]) && !near;
          bb++
        ) {
          for (let aa = Math.max(0, i - reach[0]); aa <= Math.min(nx - 1, i + reach[0]); aa++) {
            if (brain[aa + nx * (bb + ny * c)]) {
              near = true;
              break;
            }
          }
        }
      }
      if (!near) far++;
    }
    console.log(
      `TCGA-FG-6692 raw → Dice ET ${dice.et.toFixed(3)} TC ${dice.tc.toFixed(3)} WT ` +
        `${dice.wt.toFixed(3)}; ${outside}/${labelled} labelled voxels outside the brain, ${far} farther than ${FAR_MM} mm; ` +
        `prep ${JSON.stringify(prep?.timings)}`,
    );
    expect(dice.wt).toBeGreaterThanOrEqual(0.75);
    expect(dice.tc).toBeGreaterThanOrEqual(0.6);
    expect(far).toBe(0);
    expect(outside / Math.max(1, labelled)).toBeLessThan(0.05);
  }, 1_200_000);
});
