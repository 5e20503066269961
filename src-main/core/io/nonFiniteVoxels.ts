/**
 * Non-finite voxels (NaN, ±Inf) at import. Float NIfTI files written by registration and
 * skull-stripping tools often carry NaN outside the brain, and a float DICOM (FloatPixelData) or a
 * float64 value rescaled to float32 can hold ±Inf. Left in place, one NaN turns the z-score
 * statistics, and with them every model input, into NaN, and the mask comes out empty without a
 * word. Import therefore sets them to 0 (the background value every preprocessing step already
 * treats as "outside the head") and says how many it changed; a volume with no finite voxel at
 * all is refused. Pure functions.
 */
import type { VoxelArray } from '../volume/Volume.ts';

/** True for the array types that can hold NaN or ±Inf. */
function isFloat(a: VoxelArray): a is Float32Array | Float64Array {
  return a instanceof Float32Array || a instanceof Float64Array;
}

/**
 * Sets every NaN / ±Inf voxel of `data` to 0, in place.
 * @returns how many voxels were changed (always 0 for integer arrays)
 */
export function zeroNonFinite(data: VoxelArray): number {
  if (!isFloat(data)) return 0;
  let changed = 0;
  for (let i = 0; i < data.length; i++) {
    // v - v is NaN exactly for NaN and ±Inf: one subtraction instead of Number.isFinite's call.
    const v = data[i];
    if (v - v !== 0) {
      data[i] = 0;
      changed++;
    }
  }
  return changed;
}

/** Words every non-finite warning contains (importStudy lifts those warnings import-wide). */
export const NON_FINITE_MARK = 'were NaN or infinite';

/** The import note for `changed` of `total` voxels set to 0, or undefined when none were. */
export function nonFiniteWarning(changed: number, total: number): string | undefined {
  if (changed === 0) return undefined;
  const pct = (100 * changed) / total;
  const pctText = pct < 0.1 ? '< 0.1' : pct.toFixed(1);
  return `${changed} of ${total} voxels (${pctText} %) ${NON_FINITE_MARK} and were set to 0; results near them cannot be trusted.`;
}
