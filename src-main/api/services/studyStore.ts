/**
 * The in-memory store of imported studies, keyed by study id: each study with its series
 * classifications, the caller's slot overrides and the resulting assignment. One shared instance
 * (`studyStore`) serves every service part (study, inference, export, viewer), so a study imported
 * once is read everywhere. Re-importing a study replaces it. State is replaced, never mutated.
 */
import { ErrorCode, MetaKdError } from '../../core/errors.ts';
import {
  assignSlots,
  classifyStudy,
  type SlotAssignmentResult,
  type SlotOverrides,
} from '../../core/sequences/index.ts';
import type { Classification, Series, Study } from '../../core/study/types.ts';

/** One imported study with its sequence detection and assignment. */
export interface StoredStudy {
  readonly study: Study;
  /** Labels keyed by series id. */
  readonly classifications: ReadonlyMap<string, Classification>;
  /** The overrides the caller set (empty: fully automatic). */
  readonly overrides: SlotOverrides;
  /** Assignment after the overrides. */
  readonly assignment: SlotAssignmentResult;
}

/** Imported studies, keyed by study id. */
export class StudyStore {
  readonly #studies = new Map<string, StoredStudy>();

  /** Classifies the study, assigns the slots automatically and stores it (replacing any earlier). */
  putStudy(study: Study): StoredStudy {
    const classifications = classifyStudy(study);
    const stored: StoredStudy = Object.freeze({
      study,
      classifications,
      overrides: Object.freeze({}),
      assignment: assignSlots(study.series, classifications),
    });
    this.#studies.set(study.id, stored);
    return stored;
  }

  /** The stored study. @throws MetaKdError NotFound when no study with that id is imported. */
  getStudy(studyId: string): StoredStudy {
    const s = this.#studies.get(studyId);
    if (!s) {
      throw new MetaKdError(
        ErrorCode.NotFound,
        `Study "${studyId}" is not imported: import its folder or file first.`,
      );
    }
    return s;
  }

  /** True when a study with this id is imported. */
  hasStudy(studyId: string): boolean {
    return this.#studies.has(studyId);
  }

  /** One series with its voxels. @throws MetaKdError NotFound for an unknown study or series. */
  getSeries(studyId: string, seriesId: string): Series {
    const series = this.getStudy(studyId).study.series.find((s) => s.id === seriesId);
    if (!series) {
      throw new MetaKdError(
        ErrorCode.NotFound,
        `Series "${seriesId}" is not part of study "${studyId}".`,
      );
    }
    return series;
  }

  /** The current assignment of a study. */
  getAssignment(studyId: string): SlotAssignmentResult {
    return this.getStudy(studyId).assignment;
  }

  /**
   * Replaces the study's overrides (slots not named are chosen automatically) and recomputes
   * the assignment. @throws MetaKdError InvalidArgument for a bad override (nothing changes then).
   */
  setAssignment(studyId: string, overrides: SlotOverrides): StoredStudy {
    const current = this.getStudy(studyId);
    const assignment = assignSlots(current.study.series, current.classifications, overrides);
    const next: StoredStudy = Object.freeze({
      ...current,
      overrides: Object.freeze({ ...overrides }),
      assignment,
    });
    this.#studies.set(studyId, next);
    return next;
  }

  /** Ids of the imported studies, in import order. */
  listStudyIds(): string[] {
    return [...this.#studies.keys()];
  }

  /** Forgets a study (frees its voxels). */
  removeStudy(studyId: string): void {
    this.#studies.delete(studyId);
  }
}

/** The store every service part of one process shares. */
export const studyStore = new StudyStore();

/** The shared store's study. @see StudyStore.getStudy */
export function getStudy(studyId: string): StoredStudy {
  return studyStore.getStudy(studyId);
}

/** The shared store's series. @see StudyStore.getSeries */
export function getSeries(studyId: string, seriesId: string): Series {
  return studyStore.getSeries(studyId, seriesId);
}

/** Stores a study in the shared store. @see StudyStore.putStudy */
export function putStudy(study: Study): StoredStudy {
  return studyStore.putStudy(study);
}
