/**
 * NIfTI mask export: the labelmap on the grid of the chosen source image (the source NIfTI or
 * the source DICOM series), BraTS labels 1/2/4 as uint8 with NIFTI_INTENT_LABEL, and a JSON
 * sidecar beside it holding the provenance (BIDS-style: same base name, `.json`).
 */
import { writeNifti } from '../../io/nifti/index.ts';
import type { Geometry } from '../../volume/Geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { LABELS } from '../labelColours.ts';
import type { Provenance } from '../provenance.ts';
import { segmentAlgorithmType } from '../provenance.ts';
import { resampleLabels } from '../resampleLabels.ts';
import { writeJsonAtomic } from '../../io/atomicWrite.ts';
import { scrubProvenance } from '../provenancePaths.ts';
import path from 'node:path';

/** NIFTI_INTENT_LABEL: voxel values are indices into a label table (nifti1.h). */
export const NIFTI_INTENT_LABEL = 1002;

/** Parameters of a NIfTI mask export. */
export interface ExportNiftiParams {
  /** Labelmap (0/1/2/4) on any grid. */
  readonly labels: Volume;
  /** Grid of the source image the mask must overlay. */
  readonly target: Geometry;
  /** Output file, `.nii` or `.nii.gz`. */
  readonly file: string;
  readonly provenance: Provenance;
  readonly appVersion: string;
  /** Remove every path and DICOM UID from the sidecar (provenancePaths.ts). */
  readonly anonymise?: boolean;
}

/** What was written. */
export interface ExportedNifti {
  readonly file: string;
  readonly sidecar: string;
  /** Voxel counts per label value on the target grid. */
  readonly voxels: Readonly<Record<'1' | '2' | '4', number>>;
}

/** The sidecar path for a NIfTI file: same base name, `.json`. */
export function niftiSidecarPath(file: string): string {
  return file.replace(/\.nii(\.gz)?$/i, '') + '.json';
}

/** Writes the mask and its sidecar; both atomically. */
export async function exportNiftiMask(p: ExportNiftiParams): Promise<ExportedNifti> {
  if (!/\.nii(\.gz)?$/i.test(p.file)) {
    throw new MetaKdError(ErrorCode.InvalidArgument, 'a NIfTI mask must end in .nii or .nii.gz.', {
      file: p.file,
    });
  }
  const mask = resampleLabels(p.labels, p.target);
  const counts = { '1': 0, '2': 0, '4': 0 };
  let other = 0;
  for (const v of mask.data) {
    if (v === 1 || v === 2 || v === 4) counts[String(v) as '1' | '2' | '4']++;
    else if (v !== 0) other++;
  }
  if (other > 0) {
    throw new MetaKdError(
      ErrorCode.ExportInvalid,
      `the labelmap has ${other} voxels with values other than 0, 1, 2 and 4; it is not a BraTS mask.`,
      { file: p.file },
    );
  }
  await writeNifti(p.file, mask, {
    datatype: 'uint8',
    intentCode: NIFTI_INTENT_LABEL,
    intentName: 'BraTS labels',
    description: `${p.provenance.algorithm} ${p.provenance.modelVersion} mask`,
  });
  const sidecar = niftiSidecarPath(p.file);
  const json = {
    Description: 'Brain tumour sub-region mask (BraTS labels)',
    Labels: Object.fromEntries([
      ['0', 'background'],
      ...LABELS.map((l) => [String(l.value), l.name]),
    ]),
    LabelColours: Object.fromEntries(LABELS.map((l) => [String(l.value), l.rgb])),
    VoxelCounts: counts,
    Provenance: {
      Algorithm: p.provenance.algorithm,
      AlgorithmType: segmentAlgorithmType(p.provenance),
      ModelName: p.provenance.modelName,
      ModelVersion: p.provenance.modelVersion,
      ModelSha256: p.provenance.modelSha256,
      ...(p.provenance.modelGraphsSha256
        ? { ModelGraphsSha256: p.provenance.modelGraphsSha256 }
        : {}),
      Provider: p.provenance.provider,
      ...(p.provenance.sequencesUsed ? { SequencesUsed: p.provenance.sequencesUsed } : {}),
      EditedByHuman: p.provenance.editedByHuman,
      ...(p.provenance.editedBy ? { EditedBy: p.provenance.editedBy } : {}),
      ...(p.provenance.reviewSessionId ? { ReviewSessionId: p.provenance.reviewSessionId } : {}),
      ...(p.provenance.warnings?.length ? { Warnings: p.provenance.warnings } : {}),
      SourceSeries: p.provenance.sourceSeries,
      CreatedAt: p.provenance.createdAt,
      Software: `MetaKD Review ${p.appVersion}`,
    },
  };
  await writeJsonAtomic(
    sidecar,
    p.anonymise
      ? scrubProvenance(json, { studyPath: path.parse(p.file).root, anonymise: true })
      : json,
  );
  return { file: p.file, sidecar, voxels: counts };
}
