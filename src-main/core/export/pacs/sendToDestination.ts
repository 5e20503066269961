/**
 * Sends DICOM files to a configured destination (C-STORE or STOW-RS) and tests a destination
 * (C-ECHO or QIDO-RS): one entry point per action whatever the protocol.
 */
import type { Destination } from './Destination.ts';
import type { SendOptions, SendProgress, StoredInstance } from './dimse.ts';
import { echoDicomWeb, storeDicomWeb } from './dicomweb.ts';

/** dimse.ts loads dcmjs-dimse (~0.3 s at start-up); only a DIMSE send or echo needs it. */
const dimse = () => import('./dimse.ts');

/** A DICOM file to send, with the identifiers the PACS confirms. */
export interface OutgoingFile {
  readonly file: string;
  readonly SOPInstanceUID: string;
  readonly SOPClassUID: string;
}

/**
 * Sends `files`; resolves with what the destination confirmed, throws a MetaKdError otherwise.
 * `opts.onStored` hears of each instance as it is confirmed; `opts.signal` ends the send.
 */
export function sendToDestination(
  d: Destination,
  files: readonly OutgoingFile[],
  onProgress?: SendProgress,
  opts: SendOptions = {},
): Promise<StoredInstance[]> {
  return d.kind === 'dimse'
    ? dimse().then((m) => m.storeDimse(d, files, onProgress, opts))
    : storeDicomWeb(d, files, onProgress, opts);
}

/** "Test connection": C-ECHO or a QIDO-RS query; resolves with the round-trip time. */
export function testDestination(d: Destination): Promise<{ readonly ms: number }> {
  return d.kind === 'dimse' ? dimse().then((m) => m.echoDimse(d)) : echoDicomWeb(d);
}
