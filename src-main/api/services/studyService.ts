/**
 * Service: study import, sequence detection and assignment, bound to core. Imported studies live
 * in the shared in-memory store (studyStore.ts) that the other service parts read.
 */
import { randomUUID } from 'node:crypto';
import { importPath } from '../../core/study/importStudy.ts';
import { classifyStudy } from '../../core/sequences/index.ts';
import type { Classification, SeriesInfo } from '../../core/study/types.ts';
import type {
  AssignmentDto,
  ClassificationDto,
  NameRowDto,
  SeriesRowDto,
  StudySummaryDto,
} from '../contract/study.ts';
import type { ServiceParts, ServiceOptions } from './types.ts';
import { studyStore, type StoredStudy, type StudyStore } from './studyStore.ts';

/** Methods this part implements. */
type StudyMethodName = 'ping' | 'importStudy' | 'getStudy' | 'classifyNames' | 'setAssignment';

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
  };
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
    ping: async () => ({ ok: true as const, version: options.appVersion }),

    importStudy: async ({ path }, ctx) => {
      const jobId = randomUUID();
      const result = await importPath(path, {
        signal: ctx.signal,
        onProgress: (done, total) =>
          ctx.emit({ type: 'job.progress', jobId, stage: 'import', done, total }),
      });
      const studies = result.studies.map((s) => toStudySummaryDto(store.putStudy(s)));
      return { studies, skipped: result.skipped, warnings: result.warnings };
    },

    getStudy: async ({ studyId }) => toStudySummaryDto(store.getStudy(studyId)),

    classifyNames: async ({ rows }) => ({ results: classifyNameRows(rows) }),

    setAssignment: async ({ studyId, overrides }) =>
      toAssignmentDto(store.setAssignment(studyId, overrides)),
  };
}
