/**
 * Reads one candidate DICOM file for import. Reads the head of the file first: for native
 * little/big-endian files whose header fits the head, the pixel values stay on disk until the
 * volume is built and are then read straight into it, so import never holds a second copy of
 * every file (the largest cost of importing hundreds of slices was allocating and collecting those
 * buffers). Deflated, compressed and long-header files are read whole. Synchronous on purpose:
 * for small files readSync beats the promise API several times over; the caller yields between
 * batches.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ErrorCode, MetaKdError, isMetaKdError } from '../../errors.ts';
import { parseDicomBytes, parseDicomHead, type ParsedDicom } from './dicomParserAdapter.ts';
import { readInstance, type DicomInstance } from './readInstance.ts';

/** Bytes read first: MR headers are typically 2–10 KiB (Siemens CSA headers up to ~12 KiB). */
const HEAD_BYTES = 16 * 1024;

/** What reading one candidate file gave. */
export type DicomFileRead =
  | { readonly kind: 'instance'; readonly inst: DicomInstance }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'error'; readonly error: MetaKdError };

/** Reads `length` bytes at `position` (fewer at end of file). */
function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Parses the file (head first when it is large), returning what import needs. */
function parse(
  fd: number,
  file: string,
  size: number,
): { parsed: ParsedDicom; inFile: boolean } | undefined {
  if (size > HEAD_BYTES) {
    const head = parseDicomHead(readAt(fd, HEAD_BYTES, 0));
    if (head === undefined) return undefined;
    if (head !== 'read-all') return { parsed: head, inFile: true };
  }
  const parsed = parseDicomBytes(readAt(fd, size, 0), file);
  return parsed && { parsed, inFile: false };
}

/** A head-parsed file must hold all the pixel data its header announces (else: truncated). */
function checkPixelDataFits(inst: DicomInstance, size: number): void {
  const end = inst.pixelData.offset + inst.pixelData.length;
  if (end > size) {
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `the file ends ${end - size} bytes inside its pixel data; it is truncated.`,
      { file: inst.file },
    );
  }
}

/**
 * Reads one file that is not NIfTI: an instance, a skip (with the reason) or a DICOM error
 * (DicomInvalid naming the file). Never throws for file content; throws only unexpected errors.
 */
export function readDicomFile(file: string): DicomFileRead {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return { kind: 'skip', reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { kind: 'skip', reason: 'empty file (0 bytes)' };
    const r = parse(fd, file, size);
    if (!r) return { kind: 'skip', reason: 'not a DICOM or NIfTI file' };
    const inst = readInstance(file, r.parsed, r.inFile ? { fileSize: size } : undefined);
    if (!('skipReason' in inst) && r.inFile) checkPixelDataFits(inst, size);
    return 'skipReason' in inst
      ? { kind: 'skip', reason: inst.skipReason }
      : { kind: 'instance', inst };
  } catch (e) {
    if (isMetaKdError(e)) return { kind: 'error', error: e };
    throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `length` bytes of pixel data at file offset `offset` into `target` (or a new buffer).
 * @throws MetaKdError DicomInvalid when the file is shorter than its header says (truncated)
 */
export function readPixelBytes(
  file: string,
  offset: number,
  length: number,
  target?: Uint8Array,
): Uint8Array {
  const out = target ?? Buffer.allocUnsafe(length);
  const fd = openSync(file, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, out, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    if (got < length) {
      throw new MetaKdError(
        ErrorCode.DicomInvalid,
        `pixel data ends after ${got} of ${length} bytes; the file is truncated.`,
        { file },
      );
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
