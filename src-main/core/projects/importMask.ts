/**
 * Existing masks (NIfTI labelmaps or DICOM SEG) as annotations of a project case: read, checked for
 * BraTS labels (BraTS 2023's ET value 3 is mapped to 4, with a warning) and resampled by nearest
 * neighbour onto the case's reference grid.
 */
import { ErrorCode, MetaKdError } from '../errors.ts';
import { readNifti } from '../io/nifti/readNifti.ts';
import { readSeg } from '../export/seg/readSeg.ts';
import { resampleLabels } from '../export/resampleLabels.ts';
import type { Geometry } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';

/** A mask ready to become a session. */
export interface ImportedMask {
  readonly labels: Uint8Array;
  readonly warnings: readonly string[];
}

const BRATS = new Set([0, 1, 2, 4]);

/** Distinct values of a labelmap (at most `limit`). */
function distinct(data: ArrayLike<number>, limit = 16): number[] {
  const seen = new Set<number>();
  for (let x = 0; x < data.length && seen.size <= limit; x++) seen.add(data[x]);
  return [...seen].sort((a, b) => a - b);
}

/** Reads a NIfTI or DICOM SEG mask and puts it on `target`. */
export async function importMask(file: string, target: Geometry): Promise<ImportedMask> {
  const warnings: string[] = [];
  let volume: Volume;
  if (/\.nii(\.gz)?$/i.test(file)) {
    const img = await readNifti(file);
    volume = { geometry: img.geometry, data: img.frames[0] };
  } else {
    const seg = readSeg(file);
    if (!seg.bratsLabels) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `the SEG's segments (${seg.segments.map((s) => s.SegmentLabel).join(', ')}) are not the BraTS labels 1/2/4; export it with BraTS labels first.`,
        { file },
      );
    }
    warnings.push(...seg.warnings);
    volume = seg.labelmap;
  }
  const values = distinct(volume.data);
  let data: ArrayLike<number> = volume.data;
  if (values.includes(3) && !values.includes(4) && values.every((v) => v <= 3)) {
    data = Uint8Array.from(volume.data, (v) => (v === 3 ? 4 : v));
    warnings.push('label 3 read as enhancing tumour (BraTS 2023 numbering) and written as 4');
  } else if (!values.every((v) => BRATS.has(v))) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `the mask holds values ${values.join(', ')}; a BraTS labelmap holds only 0, 1, 2 and 4.`,
      { file },
    );
  }
  const onGrid = resampleLabels({ geometry: volume.geometry, data: Uint8Array.from(data) }, target);
  return { labels: onGrid.data as Uint8Array, warnings };
}
