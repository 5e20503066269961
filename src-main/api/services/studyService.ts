/**
 * Service: study import, sequence detection and assignment, bound to core. Imported studies live
 * in the shared in-memory store (studyStore.ts) that the other service parts read.
 */
import { relative, sep } from 'node:path';
import { importPath } from '../../core/study/importStudy.ts';
import { classifyStudy } from '../../core/sequences/index.ts';
import { readDicomFile } from '../../core/io/dicom/readDicomFile.ts';
import type { Classification, SeriesInfo } from '../../core/study/types.ts';
import type {
  AssignmentDto,
  ClassificationDto,
  NameRowDto,
  PatientDto,
  SeriesRowDto,
  StudySummaryDto,
} from '../contract/study.ts';
import type { ServiceParts, ServiceOptions } from './types.ts';
import { studyStore, type StoredStudy, type StudyStore } from './studyStore.ts';

/** Methods this part implements. */
type StudyMethodName =
  'ping' | 'importStudy' | 'getStudy' | 'classifyNames' | 'setAssignment' | 'getSeriesThumbnail';

/** Longest side of a series thumbnail (px). */
const THUMB_SIZE = 96;
/**
 * Imports started by this process: an import's progress events carry `import-<n>`. Not a random
 * UUID: the id only tells this process's imports apart, and node:crypto was the only reason
 * `metakd inspect` loaded it (about 2 ms of its start, issue 13).
 */
let imports = 0;

/**
 * The middle slice (along k) of a volume as a grey thumbnail: nearest-neighbour down-sampling,
 * windowed to the slice's 1–99 % range, flipped so that anterior is up and the patient's right is
 * on the left whatever the grid's axis signs.
 */
export function thumbnail(
  volume: {
    geometry: { dims: readonly number[]; directionLps: readonly (readonly number[])[] };
    data: ArrayLike<number>;
  },
  size = THUMB_SIZE,
): { width: number; height: number; data: Uint8Array<ArrayBuffer> } {
  const [nx, ny, nz] = volume.geometry.dims;
  const k = Math.floor(nz / 2);
  const scale = Math.max(nx, ny) / size;
  const width = Math.max(1, Math.round(nx / scale));
  const height = Math.max(1, Math.round(ny / scale));
  const flipI = volume.geometry.directionLps[0][0] < 0;
  const flipJ = volume.geometry.directionLps[1][1] < 0;
  const values = new Float64Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let i = Math.min(nx - 1, Math.floor((x + 0.5) * scale));
      let j = Math.min(ny - 1, Math.floor((y + 0.5) * scale));
      if (flipI) i = nx - 1 - i;
      if (flipJ) j = ny - 1 - j;
      values[x + width * y] = volume.data[i + nx * (j + ny * k)];
    }
  const sorted = Float64Array.from(values).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const hi = Math.max(lo + 1e-6, sorted[Math.floor(0.99 * (sorted.length - 1))]);
  const data = new Uint8Array(width * height);
  for (let p = 0; p < data.length; p++)
    data[p] = Math.max(0, Math.min(255, Math.round(((values[p] - lo) / (hi - lo)) * 255)));
  return { width, height, data };
}

/** The assignment part of a stored study as a DTO. */
export function toAssignmentDto(stored: StoredStudy): AssignmentDto {
  const a = stored.assignment;
  return {
    studyId: stored.study.id,
    assignment: a.assignment,
    missing: a.missing,
    ties: a.ties,
    slotReasons: a.reasons,
    overrides: stored.overrides,
  };
}

function toClassificationDto(c: Classification | undefined): ClassificationDto {
  return {
    label: c?.label ?? 'other',
    confidence: c?.confidence ?? 0,
    reasons: c?.reasons ?? ['not classified'],
    derived: c?.derived ?? false,
  };
}

/** DICOM keywords of the header line and their tags. */
const PATIENT_TAGS = {
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  PatientAge: 'x00101010',
} as const;

/** Patient facts read once per study from its first DICOM file (NIfTI has none). */
const patientCache = new WeakMap<StoredStudy, PatientDto | undefined>();

function patientOf(stored: StoredStudy): PatientDto | undefined {
  if (patientCache.has(stored)) return patientCache.get(stored);
  const file = stored.study.series.find((s) => s.source === 'dicom')?.files[0];
  let out: PatientDto | undefined;
  if (file) {
    const r = readDicomFile(file);
    if (r.kind === 'instance') {
      const ds = r.inst.parsed.dataSet;
      const facts: Record<string, string> = {};
      for (const [k, tag] of Object.entries(PATIENT_TAGS)) {
        const v = ds.string(tag)?.replace(/\^+/g, ' ').trim();
        if (v) facts[k] = v;
      }
      out = facts;
    }
  }
  patientCache.set(stored, out);
  return out;
}

/** A stored study as the summary the UI and CLI show. */
export function toStudySummaryDto(stored: StoredStudy): StudySummaryDto {
  const { study, classifications } = stored;
  const series: SeriesRowDto[] = study.series.map((s) => {
    const g = s.volume.geometry;
    return {
      id: s.id,
      description: s.SeriesDescription,
      protocolName: s.ProtocolName,
      seriesNumber: s.SeriesNumber,
      source: s.source,
      fileCount: s.files.length,
      dims: g.dims,
      spacing: g.spacing,
      ...toClassificationDto(classifications.get(s.id)),
      warnings: s.warnings,
    };
  });
  return {
    ...toAssignmentDto(stored),
    id: study.id,
    description: study.StudyDescription,
    date: study.StudyDate,
    sourcePath: study.sourcePath,
    series,
    patient: patientOf(stored),
  };
}

/**
 * Splits imported studies into those to offer and those that sit in a subfolder of another
 * study's folder. Such a folder is that study's auxiliary material — e.g. a case's `reference/`
 * with co-registered copies and a segmentation — not a study of its own (issue 11); importing the
 * subfolder itself still opens it.
 */
export function withoutNestedStudies<T extends { readonly sourcePath: string }>(
  studies: readonly T[],
): { kept: T[]; nested: { study: T; parent: T }[] } {
  const kept: T[] = [];
  const nested: { study: T; parent: T }[] = [];
  for (const s of studies) {
    const parent = studies.find(
      (p) =>
        p !== s &&
        p.sourcePath !== s.sourcePath &&
        s.sourcePath.startsWith(p.sourcePath.replace(/[\\/]+$/, '') + sep),
    );
    if (parent) nested.push({ study: s, parent });
    else kept.push(s);
  }
  return { kept, nested };
}

/** Turns name rows into SeriesInfo records (ids are the row index). */
function rowToSeriesInfo(row: NameRowDto, index: number): SeriesInfo {
  const { studyId: _studyId, ...fields } = row;
  return { id: String(index), source: 'dicom', files: [], warnings: [], ...fields };
}

/**
 * Classifies name rows: rows sharing a studyId are judged together as one study (so the
 * acquisition-order rules apply); a row without studyId is a study of its own.
 */
export function classifyNameRows(rows: readonly NameRowDto[]): ClassificationDto[] {
  const groups = new Map<string, SeriesInfo[]>();
  rows.forEach((row, i) => {
    const key = row.studyId !== undefined ? `study:${row.studyId}` : `row:${i}`;
    groups.set(key, [...(groups.get(key) ?? []), rowToSeriesInfo(row, i)]);
  });
  const labels = new Map<string, Classification>();
  for (const series of groups.values()) {
    for (const [id, c] of classifyStudy(series)) labels.set(id, c);
  }
  return rows.map((_row, i) => toClassificationDto(labels.get(String(i))));
}

/** Implements the study methods of the contract. */
export function createStudyService(
  options: ServiceOptions,
  store: StudyStore = studyStore,
): ServiceParts<StudyMethodName> {
  return {
    ping: async () => ({
      ok: true as const,
      version: options.appVersion,
      platform: process.platform,
    }),

    importStudy: async ({ path }, ctx) => {
      const jobId = `import-${++imports}`;
      const result = await importPath(path, {
        signal: ctx.signal,
        onProgress: (done, total) =>
          ctx.emit({ type: 'job.progress', jobId, stage: 'import', done, total }),
      });
      const { kept, nested } = withoutNestedStudies(result.studies);
      const studies = kept.map((s) => toStudySummaryDto(store.putStudy(s)));
      const notes = nested.map(
        ({ study, parent }) =>
          `left out ${relative(parent.sourcePath, study.sourcePath)}: a subfolder of the study in ${parent.sourcePath} (import it on its own to open it)`,
      );
      return { studies, skipped: result.skipped, warnings: [...result.warnings, ...notes] };
    },

    getStudy: async ({ studyId }) => toStudySummaryDto(store.getStudy(studyId)),

    classifyNames: async ({ rows }) => ({ results: classifyNameRows(rows) }),

    getSeriesThumbnail: async ({ studyId, seriesId }) => {
      const t = thumbnail(store.getSeries(studyId, seriesId).volume);
      return { seriesId, width: t.width, height: t.height, data: t.data.buffer };
    },

    setAssignment: async ({ studyId, overrides }) =>
      toAssignmentDto(store.setAssignment(studyId, overrides)),
  };
}
