/**
 * Contract: DICOM SEG / NIfTI export, PACS destinations, outbox. Owner: the export work (issue 6).
 */
export const exportMethods = {} as const;
