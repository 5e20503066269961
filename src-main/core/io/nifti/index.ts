/**
 * NIfTI-1 / NIfTI-2 import and export: the public surface of core/io/nifti.
 */
export { readNifti, decodeNifti, isGzip } from './readNifti.ts';
export type { NiftiImage, NiftiInfo } from './readNifti.ts';
export { loadNiftiSeries, niftiSeriesId, MSD_BRAIN_TUMOUR_CHANNELS } from './loadNiftiSeries.ts';
export {
  encodeNifti,
  encodeNiftiFrames,
  writeNifti,
  NIFTI_XFORM_SCANNER_ANAT,
} from './writeNifti.ts';
export type { NiftiWriteOptions } from './writeNifti.ts';
export { NiftiDatatype } from './datatype.ts';
export type { NiftiDatatypeName } from './datatype.ts';
export type { NiftiHeader } from './header.ts';
export type { TransformSource } from './transform.ts';
export { niftiBaseName, sidecarPath, sidecarFields } from './sidecar.ts';
