/**
 * Service: DICOM tools (the study generator), bound to core.
 */
import path from 'node:path';
import { writeMrStudyFromBratsCase } from '../../core/io/dicom/writeMrStudy.ts';
import type { ServiceParts } from './types.ts';

/** Implements the DICOM-tools methods of the contract. */
export function createDicomService(): ServiceParts<'makeDicomStudy'> {
  return {
    makeDicomStudy: async ({ caseDir, outDir }) => {
      const w = await writeMrStudyFromBratsCase(path.resolve(caseDir), path.resolve(outDir));
      return {
        outDir: w.outDir,
        StudyInstanceUID: w.StudyInstanceUID,
        FrameOfReferenceUID: w.FrameOfReferenceUID,
        series: w.series.map((s) => ({
          slot: s.slot,
          SeriesInstanceUID: s.SeriesInstanceUID,
          SeriesDescription: s.SeriesDescription,
          SeriesNumber: s.SeriesNumber,
          fileCount: s.files.length,
          folder: path.dirname(s.files[0] ?? w.outDir),
        })),
      };
    },
  };
}
