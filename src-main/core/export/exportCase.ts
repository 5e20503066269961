/**
 * Export of one case: write a DICOM SEG or a NIfTI mask (+ sidecar) of a labelmap in a source
 * series' geometry into an output folder (atomic). `exportLabelmap` takes a labelmap in memory (the
 * engine's result or a review session's, resolved by the api); `exportCase` reads a labelmap file
 * and imports the study from disk first. Either way the labelmap comes with a provenance record.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { importPath } from '../study/importStudy.ts';
import type { Series } from '../study/types.ts';
import { readNifti } from '../io/nifti/index.ts';
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';
import { sameGrid } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { writeFileAtomic } from '../io/atomicWrite.ts';
import { buildSeg } from './seg/buildSeg.ts';
import { toSegSource } from './seg/sourceSeries.ts';
import { exportNiftiMask, niftiSidecarPath } from './nifti/exportNiftiMask.ts';
import { REMOVED } from './provenancePaths.ts';
import type { ExportSettings, Provenance } from './provenance.ts';

/** Parameters of exportCase. */
export interface ExportCaseParams {
  /** Study folder or file (DICOM or NIfTI), as import takes it. */
  readonly studyPath: string;
  /** Labelmap NIfTI (0/1/2/4) on any grid. */
  readonly labelsPath: string;
  readonly format: 'seg' | 'nifti';
  readonly outDir: string;
  /** Source series: its id, SeriesInstanceUID or SeriesDescription. Default: see pickSeries. */
  readonly series?: string;
  /** True when a person edited the mask. */
  readonly edited?: boolean;
  /** Provenance fields that override the labelmap's sidecar. */
  readonly provenance?: Partial<
    Omit<Provenance, 'sourceSeries' | 'createdAt' | 'editedByHuman' | 'sequencesUsed'>
  >;
  readonly settings: ExportSettings;
  readonly appVersion: string;
  readonly signal?: AbortSignal;
  /** NIfTI: no paths or UIDs in the sidecar (default: the settings' anonymiseProvenance). */
  readonly anonymise?: boolean;
}

/** What exportCase wrote. */
export interface ExportCaseResult {
  readonly format: 'seg' | 'nifti';
  readonly file: string;
  readonly sidecar?: string;
  readonly sourceSeriesId: string;
  readonly SOPInstanceUID?: string;
  readonly SeriesInstanceUID?: string;
  readonly ReferencedSeriesInstanceUID?: string;
  readonly numberOfFrames?: number;
  /** Voxel counts per label key on the source grid. */
  readonly voxels: Readonly<Record<string, number>>;
  readonly provenance: Provenance;
}

const UNKNOWN = 'unknown';

/**
 * Chooses the source series: the one named, else (for SEG) a DICOM series on the labelmap's grid,
 * else the first DICOM series, else the first series.
 */
export function pickSeries(all: readonly Series[], labels: Volume, wanted?: string): Series {
  if (wanted) {
    const s = all.find(
      (x) => x.id === wanted || x.SeriesInstanceUID === wanted || x.SeriesDescription === wanted,
    );
    if (!s) {
      const known = all.map((x) => `"${x.SeriesDescription}"`).join(', ');
      throw new MetaKdError(
        ErrorCode.NotFound,
        `No series "${wanted}" in the study (series: ${known}).`,
      );
    }
    return s;
  }
  const dicom = all.filter((x) => x.source === 'dicom');
  return (
    dicom.find((x) => sameGrid(x.volume.geometry, labels.geometry, 0.01)) ??
    dicom[0] ??
    all.find((x) => sameGrid(x.volume.geometry, labels.geometry, 0.01)) ??
    all[0]
  );
}

/** Provenance from the labelmap's JSON sidecar (our NIfTI export or the engine's), when present. */
async function sidecarProvenance(labelsPath: string): Promise<Partial<Provenance>> {
  try {
    const json = JSON.parse(await readFile(niftiSidecarPath(labelsPath), 'utf8')) as {
      Provenance?: Record<string, unknown>;
    };
    const p = json.Provenance ?? {};
    const str = (k: string): string | undefined =>
      typeof p[k] === 'string' ? (p[k] as string) : undefined;
    return {
      algorithm: str('Algorithm'),
      modelName: str('ModelName'),
      modelVersion: str('ModelVersion'),
      modelSha256: str('ModelSha256'),
      provider: str('Provider'),
      editedByHuman: typeof p.EditedByHuman === 'boolean' ? p.EditedByHuman : undefined,
      editedBy: str('EditedBy'),
      sequencesUsed: Array.isArray(p.SequencesUsed)
        ? p.SequencesUsed.filter((x): x is string => typeof x === 'string')
        : undefined,
    };
  } catch {
    return {}; // no sidecar: the caller's fields or "unknown"
  }
}

async function readLabels(file: string): Promise<Volume> {
  const img = await readNifti(file);
  const src = img.frames[0];
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = Math.round(src[i]);
  return { geometry: img.geometry, data };
}

function slug(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
      .slice(0, 40) || 'series'
  );
}

/** Provenance fields a caller supplies; the series and the time are filled in at export. */
export type ProvenanceInput = Omit<Provenance, 'sourceSeries' | 'createdAt'>;

/** Parameters of exportLabelmap: a labelmap already in memory and the series to export on. */
export interface ExportLabelmapParams {
  /** Labelmap (0/1/2/4) on any grid; mapped onto the series' grid by nearest neighbour. */
  readonly labels: Volume;
  /** The source series (for SEG it must be a DICOM series). */
  readonly series: Series;
  readonly format: 'seg' | 'nifti';
  readonly outDir: string;
  readonly provenance: ProvenanceInput;
  readonly settings: ExportSettings;
  readonly appVersion: string;
  readonly signal?: AbortSignal;
  /** NIfTI: no paths or UIDs in the sidecar (default: the settings' anonymiseProvenance). */
  readonly anonymise?: boolean;
}

/**
 * Writes the SEG or NIfTI export of an in-memory labelmap on `series` (the engine's result, a
 * review session's labelmap, or a file read by exportCase).
 */
export async function exportLabelmap(p: ExportLabelmapParams): Promise<ExportCaseResult> {
  const { labels, series } = p;
  const anonymise =
    p.format === 'nifti' && (p.anonymise ?? p.settings.anonymiseProvenance ?? false);
  // A NIfTI series' id is its file path and its description its file name: both may carry the
  // patient's name, so anonymising removes them, and their traces in the warnings.
  const file0 = series.files[0] ?? '';
  const fromFile = series.source === 'nifti';
  const hidden = fromFile
    ? [path.basename(path.dirname(file0)), path.basename(file0), series.SeriesDescription]
    : [];
  const hide = (t: string) =>
    anonymise ? hidden.filter(Boolean).reduce((acc, h) => acc.split(h).join(REMOVED), t) : t;
  const provenance: Provenance = {
    ...p.provenance,
    ...(p.provenance.warnings ? { warnings: p.provenance.warnings.map(hide) } : {}),
    sourceSeries: {
      // Series ids are SeriesInstanceUIDs or path hashes (nifti-<sha256>), never paths.
      id: anonymise ? REMOVED : series.id,
      SeriesInstanceUID: anonymise ? undefined : series.SeriesInstanceUID,
      SeriesDescription: anonymise && fromFile ? REMOVED : series.SeriesDescription,
    },
    createdAt: new Date().toISOString(),
  };
  throwIfCancelled(p.signal);
  await mkdir(p.outDir, { recursive: true });
  if (p.format === 'nifti') {
    const name = anonymise ? 'metakd_mask' : `${slug(series.SeriesDescription)}_metakd_mask`;
    const file = path.join(p.outDir, `${name}.nii.gz`);
    const r = await exportNiftiMask({
      labels,
      target: series.volume.geometry,
      file,
      provenance,
      appVersion: p.appVersion,
      anonymise,
    });
    return {
      format: 'nifti',
      file,
      sidecar: r.sidecar,
      sourceSeriesId: series.id,
      voxels: { NCR: r.voxels['1'], ED: r.voxels['2'], ET: r.voxels['4'] },
      provenance,
    };
  }
  const seg = buildSeg({
    labels,
    source: toSegSource(series),
    provenance,
    settings: p.settings,
    appVersion: p.appVersion,
  });
  const file = path.join(
    p.outDir,
    `${slug(series.SeriesDescription)}_metakd_seg_${seg.SOPInstanceUID.slice(-8)}.dcm`,
  );
  await writeFileAtomic(file, seg.bytes);
  return {
    format: 'seg',
    file,
    sourceSeriesId: series.id,
    SOPInstanceUID: seg.SOPInstanceUID,
    SeriesInstanceUID: seg.SeriesInstanceUID,
    ReferencedSeriesInstanceUID: seg.ReferencedSeriesInstanceUID,
    numberOfFrames: seg.numberOfFrames,
    voxels: Object.fromEntries([
      ...seg.segments.map((s) => [s.label.key, s.voxels]),
      ...seg.emptyLabels.map((l) => [l.key, 0]),
    ]),
    provenance,
  };
}

/** Writes the SEG or NIfTI export for one case: a labelmap file on a study read from disk. */
export async function exportCase(p: ExportCaseParams): Promise<ExportCaseResult> {
  const labels = await readLabels(p.labelsPath);
  throwIfCancelled(p.signal);
  const imported = await importPath(p.studyPath, { signal: p.signal });
  const all = imported.studies.flatMap((s) => s.series);
  if (all.length === 0)
    throw new MetaKdError(ErrorCode.NoImages, 'The study has no image series.', {
      file: p.studyPath,
    });
  const series = pickSeries(all, labels, p.series);
  const side = await sidecarProvenance(p.labelsPath);
  return exportLabelmap({
    labels,
    series,
    format: p.format,
    outDir: p.outDir,
    settings: p.settings,
    appVersion: p.appVersion,
    signal: p.signal,
    anonymise: p.anonymise,
    provenance: {
      algorithm: p.provenance?.algorithm ?? side.algorithm ?? 'MetaKD',
      modelName: p.provenance?.modelName ?? side.modelName ?? UNKNOWN,
      modelVersion: p.provenance?.modelVersion ?? side.modelVersion ?? UNKNOWN,
      modelSha256: p.provenance?.modelSha256 ?? side.modelSha256 ?? '',
      provider: p.provenance?.provider ?? side.provider ?? '',
      editedByHuman: p.edited ?? side.editedByHuman ?? false,
      editedBy: p.provenance?.editedBy ?? side.editedBy,
      ...(side.sequencesUsed ? { sequencesUsed: side.sequencesUsed } : {}),
    },
  });
}
