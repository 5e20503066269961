/** Test helper: a SeriesInfo with only the fields a test cares about. */
import type { SeriesInfo } from '../../../src-main/core/study/types.ts';

let counter = 0;

/** Builds a DICOM-like SeriesInfo; `id` defaults to a fresh unique id. */
export function makeSeries(
  fields: Partial<SeriesInfo> & { SeriesDescription: string },
): SeriesInfo {
  counter += 1;
  return { id: `s${counter}`, source: 'dicom', files: [], warnings: [], ...fields };
}

/** Builds a NIfTI SeriesInfo for a file name (the description is the stem, as the loader does). */
export function makeNifti(fileName: string, fields: Partial<SeriesInfo> = {}): SeriesInfo {
  const stem = fileName.replace(/\.nii(\.gz)?$/, '');
  return makeSeries({
    source: 'nifti',
    files: [`/data/${fileName}`],
    SeriesDescription: stem,
    ...fields,
  });
}
