/**
 * Contract: DICOM tools that are not part of reviewing a study — today the study generator that
 * turns a BraTS NIfTI case into a four-series MR DICOM study (tests, benchmarks, demos).
 * Owner: the DICOM import work (issue 2). Types only from core (`import type`).
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { ModelSlot } from '../../core/enums/SequenceLabel.ts';

/** One written series. */
export interface WrittenSeriesDto {
  readonly slot: ModelSlot;
  readonly SeriesInstanceUID: string;
  readonly SeriesDescription: string;
  readonly SeriesNumber: number;
  /** Files written (one per slice). */
  readonly fileCount: number;
  /** Folder holding the series' files. */
  readonly folder: string;
}

/** Result of makeDicomStudy. */
export interface MakeDicomStudyResultDto {
  readonly outDir: string;
  readonly StudyInstanceUID: string;
  readonly FrameOfReferenceUID: string;
  readonly series: readonly WrittenSeriesDto[];
}

/** Methods of the DICOM-tools part of the api. */
export const dicomMethods = {
  makeDicomStudy: method<MakeDicomStudyResultDto>()(
    () =>
      z.strictObject({
        caseDir: z.string().check(z.minLength(1, 'caseDir is required')),
        outDir: z.string().check(z.minLength(1, 'outDir is required')),
      }),
    'Writes a BraTS NIfTI case folder as a four-series MR DICOM study into an empty folder.',
  ),
} as const;
