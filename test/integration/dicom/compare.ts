/**
 * Test helpers: run a reference tool (dcmtk, dcm2niix) into a temp folder, and compare two
 * volumes voxel by voxel through patient coordinates (so flips and axis orders made by the
 * reference tool do not matter).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { lpsToVoxel, voxelToLps } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';
import { voxelIndex } from '../../../src-main/core/volume/Volume.ts';
import { readNifti } from '../../../src-main/core/io/nifti/readNifti.ts';

/** Result of comparing two volumes at sampled voxels. */
export interface Comparison {
  /** Voxels compared. */
  readonly samples: number;
  /** Largest |fractional index| of our voxel centres in the reference grid (0 = same grid). */
  readonly maxIndexError: number;
  /** Largest |ours − reference| value difference. */
  readonly maxValueDiff: number;
}

/** Compares `ours` with `ref` at every `stride`-th voxel along each axis. */
export function compareThroughWorld(ours: Volume, ref: Volume, stride = 7): Comparison {
  const g = ours.geometry;
  let samples = 0;
  let maxIndexError = 0;
  let maxValueDiff = 0;
  for (let k = 0; k < g.dims[2]; k += Math.min(stride, Math.max(1, g.dims[2] - 1))) {
    for (let j = 0; j < g.dims[1]; j += stride) {
      for (let i = 0; i < g.dims[0]; i += stride) {
        const q = lpsToVoxel(ref.geometry, voxelToLps(g, [i, j, k]));
        const r = q.map(Math.round) as [number, number, number];
        maxIndexError = Math.max(maxIndexError, ...q.map((v, a) => Math.abs(v - r[a])));
        if (r.some((v, a) => v < 0 || v >= ref.geometry.dims[a])) {
          maxIndexError = Infinity;
          continue;
        }
        const a = ours.data[voxelIndex(g.dims, i, j, k)];
        const b = ref.data[voxelIndex(ref.geometry.dims, r[0], r[1], r[2])];
        maxValueDiff = Math.max(maxValueDiff, Math.abs(a - b));
        samples++;
      }
    }
  }
  return { samples, maxIndexError, maxValueDiff };
}

/** Converts DICOM (a file with -s y, or a folder) with dcm2niix; returns the first NIfTI volume. */
export async function dcm2niixVolume(
  input: string,
  outDir: string,
  single: boolean,
): Promise<Volume> {
  execFileSync('dcm2niix', [...(single ? ['-s', 'y'] : []), '-o', outDir, '-f', 'ref', input], {
    stdio: 'pipe',
  });
  const nii = readdirSync(outDir)
    .filter((f) => f.endsWith('.nii'))
    .sort()[0];
  if (!nii) throw new Error(`dcm2niix wrote no NIfTI for ${input}`);
  const img = await readNifti(path.join(outDir, nii));
  return { geometry: img.geometry, data: img.frames[0] };
}

/** Runs a dcmtk tool `tool [args…] in out` and returns `out`. */
export function dcmtk(
  tool: string,
  input: string,
  out: string,
  args: readonly string[] = [],
): string {
  execFileSync(tool, [...args, input, out], { stdio: 'pipe' });
  return out;
}
