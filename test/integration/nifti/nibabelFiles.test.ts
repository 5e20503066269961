/**
 * Files written by nibabel (an independent writer): NIfTI-2, big-endian, qform-only left-handed,
 * scl_slope/scl_inter chosen by nibabel, 4-D with sform_code 2 beside a different qform, and no
 * transform at all. Our reader must see what nibabel sees. Skips when nibabel is unavailable.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../../src-main/core/io/nifti/readNifti.ts';
import { affineRas } from '../../../src-main/core/volume/Geometry.ts';
import {
  nibabelPython,
  nibabelSummaries,
  nibabelWriteTestFiles,
  sampleIndices,
} from './nibabel.ts';

const describeNibabel = nibabelPython ? describe : describe.skip;

let dir: string;
let files: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-nibabel-'));
  if (nibabelWriteTestFiles(dir)) files = (await readdir(dir)).map((f) => path.join(dir, f));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeNibabel('NIfTI written by nibabel', () => {
  it('reads every file as nibabel does (geometry ≤ 1e-4 mm, voxels, scaling)', async () => {
    expect(files).toHaveLength(5);
    const ref = nibabelSummaries(files);
    for (const file of files) {
      const img = await readNifti(file);
      const nb = ref?.[file];
      if (!nb) throw new Error(`no nibabel summary for ${file}`);
      const name = path.basename(file);
      expect(nb.shape, name).toEqual([
        ...img.geometry.dims,
        ...(img.frames.length > 1 ? [img.frames.length] : []),
      ]);
      const ours = affineRas(img.geometry);
      // With no sform and no qform, nibabel centres the grid and flips x (its ANALYZE "base
      // affine"); we follow nifti1.h method 1 (x = pixdim[1]·i, …, origin 0). Known, intended.
      const expected =
        img.info.transformSource === 'pixdim'
          ? [0.9, 0, 0, 0, 0, 1.1, 0, 0, 0, 0, 5.5, 0].map((v) => Math.fround(v))
          : nb.affine.slice(0, 12);
      expected.forEach((v, i) =>
        expect(Math.abs(v - ours[i]), `${name} affine[${i}]`).toBeLessThan(1e-4),
      );
      // All frames in nibabel's i-fastest order, scaled values compared to float32 precision.
      const all = img.frames.flatMap((f) => Array.from(f));
      const sum = all.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - nb.sum), `${name} sum`).toBeLessThanOrEqual(Math.abs(nb.sum) * 1e-6);
      sampleIndices(all.length).forEach((idx, k) =>
        expect(Math.abs(all[idx] - nb.samples[k]), `${name} sample ${idx}`).toBeLessThanOrEqual(
          1e-4 * Math.max(1, Math.abs(nb.samples[k])),
        ),
      );
    }
  });

  it('takes the transform nibabel takes', async () => {
    const src = async (n: string) => (await readNifti(path.join(dir, n))).info.transformSource;
    expect(await src('bigendian-qform-lefthanded.nii')).toBe('qform');
    expect(await src('fourd-sform-and-qform.nii.gz')).toBe('sform');
    expect(await src('nifti2-oblique.nii.gz')).toBe('sform');
    expect(await src('no-transform.nii')).toBe('pixdim');
    const be = await readNifti(path.join(dir, 'bigendian-qform-lefthanded.nii'));
    expect(be.info.header.littleEndian).toBe(false);
    expect(be.info.header.pixdim[0]).toBe(-1);
    const sc = await readNifti(path.join(dir, 'scaled-int16.nii.gz'));
    expect(sc.info.scaled).toBe(true);
  });
});
