/**
 * What the project export needs from a case's study beyond the session: the DICOM series a SEG
 * references, and the model's input sequences on the session's (reference) grid for the BraTS
 * training layout. The study is imported from disk once per case, only when a file needs it.
 */
import { ErrorCode, MetaKdError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomicWrite.ts';
import { writeNifti } from '../io/nifti/writeNifti.ts';
import { buildSeg } from '../export/seg/buildSeg.ts';
import { toSegSource } from '../export/seg/sourceSeries.ts';
import type { ExportSettings, Provenance } from '../export/provenance.ts';
import { resampleTrilinear } from '../preprocess/resample.ts';
import type { SessionRecord } from '../sessions/types.ts';
import { importPath } from '../study/importStudy.ts';
import type { Series, Study } from '../study/types.ts';
import { sameGrid } from '../volume/Geometry.ts';
import type { CaseAnnotation } from './projectTypes.ts';

/** The BraTS sequence names, as file suffixes (`<case>_<slot>.nii.gz`). */
export const BRATS_SLOTS = ['flair', 't1', 't1ce', 't2'] as const;

/** Imports each case's study at most once per export. */
export class CaseStudies {
  readonly #cache = new Map<string, Promise<Study>>();
  readonly #signal?: AbortSignal;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
  }

  /** The study a session was made from (imported again from its source path). */
  study(record: SessionRecord): Promise<Study> {
    const key = `${record.sourcePath}\n${record.studyId}`;
    let p = this.#cache.get(key);
    if (!p) {
      p = importPath(record.sourcePath, { signal: this.#signal }).then((r) => {
        const s = r.studies.find((x) => x.id === record.studyId) ?? r.studies[0];
        if (!s) {
          throw new MetaKdError(ErrorCode.NotFound, 'the case folder holds no study any more.', {
            file: record.sourcePath,
          });
        }
        return s;
      });
      this.#cache.set(key, p);
    }
    return p;
  }
}

/**
 * The DICOM series a SEG of the session references: the reference series when it is DICOM, else a
 * DICOM series on the session's grid; undefined for a NIfTI-only case.
 */
export function segSeries(study: Study, record: SessionRecord): Series | undefined {
  const dicom = study.series.filter((s) => s.source === 'dicom');
  return (
    dicom.find((s) => s.id === record.referenceSeriesId) ??
    dicom.find((s) => sameGrid(s.volume.geometry, record.geometry, 0.01))
  );
}

/** SEG provenance of a project annotation: MANUAL from scratch, else as the session says. */
export function annotationProvenance(
  record: SessionRecord,
  ann: CaseAnnotation,
  series: Series,
): Provenance {
  const editors = [...new Set(record.edits.map((e) => e.reader))];
  return {
    algorithm: 'MetaKD',
    modelName: record.model.name,
    modelVersion: record.model.version,
    modelSha256: record.model.sha256 ?? '',
    provider: record.model.provider,
    sequencesUsed: record.sequencesUsed,
    // A reader signed it off: edited, imported or a consensus → SEMIAUTOMATIC; the model's mask
    // accepted unchanged stays AUTOMATIC, as the single-case export writes it.
    editedByHuman: editors.length > 0 || ann.origin === 'imported' || ann.origin === 'consensus',
    manual: ann.origin === 'empty',
    editedBy: ann.reader,
    reviewSessionId: record.id,
    sourceSeries: {
      id: series.id,
      SeriesInstanceUID: series.SeriesInstanceUID,
      SeriesDescription: series.SeriesDescription,
    },
    createdAt: new Date().toISOString(),
  };
}

/** Writes the SEG of a session's labelmap on `series` to `file` (atomic). */
export async function writeAnnotationSeg(p: {
  readonly file: string;
  readonly labels: Uint8Array;
  readonly record: SessionRecord;
  readonly ann: CaseAnnotation;
  readonly series: Series;
  readonly settings: ExportSettings;
  readonly appVersion: string;
}): Promise<void> {
  const seg = buildSeg({
    labels: { geometry: p.record.geometry, data: p.labels },
    source: toSegSource(p.series),
    provenance: annotationProvenance(p.record, p.ann, p.series),
    // The reader is the content's creator, whoever runs the export.
    settings: { ...p.settings, ContentCreatorName: '' },
    appVersion: p.appVersion,
  });
  await writeFileAtomic(p.file, seg.bytes);
}

/** Int16 when every value is an integer in range (exact and smaller), else float32. */
function niftiType(data: Float32Array): 'int16' | 'float32' {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < -32768 || v > 32767) return 'float32';
  }
  return 'int16';
}

/**
 * Writes the model's input sequences of a session as `<base>_<slot>.nii.gz` on the session's grid
 * (trilinear, as the model's preprocessing resamples). Returns the slots written; a slot the
 * model had no series for is simply absent.
 */
export async function writeBratsImages(
  study: Study,
  record: SessionRecord,
  fileOf: (slot: string) => string,
): Promise<{ written: string[]; notes: string[] }> {
  const written: string[] = [];
  const notes: string[] = [];
  const inputs = record.result?.inputSeries ?? {};
  for (const slot of BRATS_SLOTS) {
    const id = inputs[slot];
    if (!id) continue;
    const series = study.series.find((s) => s.id === id);
    if (!series) {
      notes.push(`${slot} series ${id} is no longer in the case folder`);
      continue;
    }
    const data = sameGrid(series.volume.geometry, record.geometry, 1e-4)
      ? Float32Array.from(series.volume.data)
      : resampleTrilinear(series.volume, record.geometry);
    await writeNifti(
      fileOf(slot),
      { geometry: record.geometry, data },
      { datatype: niftiType(data), description: `MetaKD Review ${slot}` },
    );
    written.push(slot);
  }
  return { written, notes };
}
