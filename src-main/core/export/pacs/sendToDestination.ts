/**
 * Sends DICOM files to a configured destination (C-STORE or STOW-RS) and tests a destination
 * (C-ECHO or QIDO-RS): one entry point per action whatever the protocol.
 */
import type { Destination } from './Destination.ts';
import { echoDimse, storeDimse, type SendProgress, type StoredInstance } from './dimse.ts';
import { echoDicomWeb, storeDicomWeb } from './dicomweb.ts';

/** A DICOM file to send, with the identifiers the PACS confirms. */
export interface OutgoingFile {
  readonly file: string;
  readonly SOPInstanceUID: string;
  readonly SOPClassUID: string;
}

/** Sends `files`; resolves with what the destination confirmed, throws a MetaKdError otherwise. */
export function sendToDestination(
  d: Destination,
  files: readonly OutgoingFile[],
  onProgress?: SendProgress,
): Promise<StoredInstance[]> {
  return d.kind === 'dimse'
    ? storeDimse(d, files, onProgress)
    : storeDicomWeb(d, files, onProgress);
}

/** "Test connection": C-ECHO or a QIDO-RS query; resolves with the round-trip time. */
export function testDestination(d: Destination): Promise<{ readonly ms: number }> {
  return d.kind === 'dimse' ? echoDimse(d) : echoDicomWeb(d);
}
