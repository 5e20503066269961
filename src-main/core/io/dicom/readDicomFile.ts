/**
 * Reads one candidate DICOM file for import. Reads the head of the file first: for native
 * little/big-endian files whose header fits the head, the pixel values stay on disk until the
 * volume is built (for plain 16-bit data: until its voxels are first used) and are then read
 * straight into it, so import never holds a second copy of every file (the largest cost of
 * importing hundreds of slices was allocating and collecting those buffers). Deflated, compressed and long-header files are read whole. Synchronous on purpose:
 * for small files readSync beats the promise API several times over; the caller yields between
 * batches.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ErrorCode, MetaKdError, isMetaKdError } from '../../errors.ts';
import { parseDicomBytes, parseDicomHead, type ParsedDicom } from './dicomParserAdapter.ts';
import { readInstance, type DicomInstance } from './readInstance.ts';
import { Tag } from './tags.ts';

/**
 * Heads tried in turn before reading a whole file: plain MR headers fit the first (the generated
 * study's are 1.4 KiB), Siemens CSA headers (up to ~12 KiB) the second. A small first head keeps
 * the per-file buffers that import allocates, and then collects, small.
 */
const HEAD_BYTES = [4 * 1024, 16 * 1024] as const;

/** What reading one candidate file gave. */
export type DicomFileRead =
  | { readonly kind: 'instance'; readonly inst: DicomInstance }
  | { readonly kind: 'skip'; readonly reason: string }
  | {
      readonly kind: 'error';
      readonly error: MetaKdError;
      /** The series the broken file says it belongs to, when that much could be read. */
      readonly SeriesInstanceUID?: string;
    };

/** Reads `length` bytes at `position` into `buf` (fewer at end of file); the bytes read. */
function readInto(fd: number, buf: Buffer, length: number, position: number): Buffer {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

/** Reads `length` bytes at `position` (fewer at end of file). */
function readAt(fd: number, length: number, position: number): Buffer {
  return readInto(fd, Buffer.allocUnsafe(length), length, position);
}

/**
 * One buffer the heads of every file are read into, in turn: parseDicomHead keeps a copy of the
 * bytes it needs (~1.5 KB, from Node's buffer pool), where a fresh 4 KiB buffer per file (too
 * large for the pool) showed in profiles of import. Files are read one at a time on this thread.
 */
let headBuffer: Buffer | undefined;

/** Parses the file (head first when it is large), returning what import needs. */
function parse(
  fd: number,
  file: string,
  size: number,
): { parsed: ParsedDicom; inFile: boolean } | undefined {
  for (let i = 0; i < HEAD_BYTES.length; i++) {
    const n = HEAD_BYTES[i];
    if (size <= n) break;
    headBuffer ??= Buffer.allocUnsafe(HEAD_BYTES[HEAD_BYTES.length - 1]);
    const head = parseDicomHead(readInto(fd, headBuffer, n, 0));
    if (head === undefined) return undefined;
    if (head === 'read-all') break;
    if (head !== 'read-more') return { parsed: head, inFile: true };
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

/** The SeriesInstanceUID of a parsed (but otherwise broken) file, when it can be read. */
function seriesUidOf(parsed: ParsedDicom | undefined): string | undefined {
  try {
    return parsed?.dataSet.string(Tag.SeriesInstanceUID);
  } catch {
    return undefined; // the element itself is damaged
  }
}

/**
 * Any failure while reading one file's content, as a DicomInvalid naming the file: dicom-parser
 * throws plain strings and Errors from lazy accessors (`readFixedString: attempt to read past end
 * of buffer`), which must fail this file only, never the folder it is in.
 */
function asFileError(e: unknown, file: string): MetaKdError {
  if (isMetaKdError(e)) return e;
  const reason = e instanceof Error ? e.message : String(e);
  return new MetaKdError(
    ErrorCode.DicomInvalid,
    `not a readable DICOM file (${reason}); the file may be truncated or corrupt.`,
    { file, cause: e },
  );
}

/**
 * Reads one file that is not NIfTI: an instance, a skip (with the reason) or a DICOM error
 * (DicomInvalid naming the file, with the series it belonged to when known). Never throws: one
 * bad file is reported, and the rest of the folder imports.
 */
export function readDicomFile(file: string): DicomFileRead {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return { kind: 'skip', reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let parsed: ParsedDicom | undefined;
  try {
    const { size, mtimeMs } = fstatSync(fd);
    if (size === 0) return { kind: 'skip', reason: 'empty file (0 bytes)' };
    const r = parse(fd, file, size);
    if (!r) return { kind: 'skip', reason: 'not a DICOM or NIfTI file' };
    parsed = r.parsed;
    const inst = readInstance(file, r.parsed, r.inFile ? { fileSize: size, mtimeMs } : undefined);
    if (!('skipReason' in inst) && r.inFile) checkPixelDataFits(inst, size);
    return 'skipReason' in inst
      ? { kind: 'skip', reason: inst.skipReason }
      : { kind: 'instance', inst };
  } catch (e) {
    const uid = seriesUidOf(parsed);
    return {
      kind: 'error',
      error: asFileError(e, file),
      ...(uid ? { SeriesInstanceUID: uid } : {}),
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `length` bytes of pixel data at file offset `offset` into `target` (or a new buffer).
 * With `seen` (the file's size and modification time at import) a file changed since then is
 * refused rather than read as if it were the same.
 * @throws MetaKdError DicomInvalid when the file is shorter than its header says (truncated) or
 *   changed since import or cannot be opened
 */
export function readPixelBytes(
  file: string,
  offset: number,
  length: number,
  target?: Uint8Array,
  seen?: { readonly fileSize: number; readonly mtimeMs: number },
): Uint8Array {
  const out = target ?? Buffer.allocUnsafe(length);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const why = `cannot open it to read its pixel data (${(e as NodeJS.ErrnoException).code ?? 'error'}); was it moved or deleted since the import? Import the study again.`;
    throw new MetaKdError(ErrorCode.DicomInvalid, why, { file, cause: e });
  }
  try {
    if (seen) {
      const st = fstatSync(fd);
      if (st.size !== seen.fileSize || st.mtimeMs !== seen.mtimeMs) {
        throw new MetaKdError(
          ErrorCode.DicomInvalid,
          'the file changed since it was imported; import the study again.',
          { file },
        );
      }
    }
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
