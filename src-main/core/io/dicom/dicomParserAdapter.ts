/**
 * The one place that touches dicom-parser: parses a DICOM byte buffer (Part 10 with the 'DICM'
 * preamble, or a headerless implicit/explicit VR little-endian data set) and exposes its elements
 * through a small typed wrapper, so the rest of the DICOM code never sees the library's types.
 * Deflated data sets are inflated with node:zlib. Truncated or malformed input becomes
 * MetaKdError DicomInvalid naming the file.
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { Tag, TransferSyntax } from './tags.ts';

/** Offset of the 'DICM' magic after the 128-byte preamble (PS3.10 §7.1). */
const PREAMBLE_LENGTH = 128;
/** Groups a headerless data set plausibly starts with (command/meta, identifying, patient). */
const PLAUSIBLE_FIRST_GROUPS = new Set([0x0002, 0x0008]);
/** Bytes of a tag plus a 2-byte VR: enough to sniff a headerless data set. */
const SNIFF_LENGTH = 8;
/** Value length that marks encapsulated pixel data / undefined-length elements. */
const UNDEFINED_LENGTH = 0xffffffff;
/** Backslash separates the values of a multi-valued string element (PS3.5 §6.4). */
const VALUE_SEPARATOR = '\\';

/** Where a fragment of encapsulated pixel data sits in the file's bytes. */
export interface PixelFragment {
  /** Byte offset in `DicomDataSet.bytes`. */
  readonly offset: number;
  readonly length: number;
}

/** Location of the pixel data element in the file's bytes. */
export interface PixelDataElement {
  /** Offset of the first value byte (native) in `DicomDataSet.bytes`. */
  readonly offset: number;
  /** Value length in bytes (native). */
  readonly length: number;
  /** True for compressed (encapsulated) pixel data. */
  readonly encapsulated: boolean;
  /** Fragments (encapsulated only), in order. */
  readonly fragments: readonly PixelFragment[];
  /** Basic offset table (encapsulated only; may be empty). */
  readonly basicOffsetTable: readonly number[];
  /** Which element held it: PixelData, FloatPixelData or DoubleFloatPixelData. */
  readonly tag: string;
}

/**
 * The bytes `[start, end)` as Latin-1 text, stopping at the first NUL: what dicom-parser's
 * readFixedString returns, decoded natively instead of one String.fromCharCode concatenation per
 * byte (which showed in profiles of importing a few hundred slices).
 */
function fixedString(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
    'latin1',
    start,
    stop,
  );
}

/** A parsed data set (or sequence item) with typed accessors by tag string from tags.ts. */
export class DicomDataSet {
  readonly #ds: DataSet;

  constructor(ds: DataSet) {
    this.#ds = ds;
  }

  /**
   * The element's value bytes as text (undefined when absent or empty), untrimmed; throws like
   * dicom-parser when the element runs past the end of the bytes (a truncated file).
   */
  #raw(tag: string): string | undefined {
    const el = this.#ds.elements[tag];
    if (!el || !(el.length > 0)) return undefined;
    const bytes = this.#ds.byteArray;
    if (el.dataOffset + el.length > bytes.length) {
      throw new Error('dicomParser.readFixedString: attempt to read past end of buffer');
    }
    return fixedString(bytes, el.dataOffset, el.dataOffset + el.length);
  }

  /** The bytes the element offsets refer to (after inflation for deflated files). */
  get bytes(): Uint8Array {
    return this.#ds.byteArray;
  }

  /** True when the data set is encoded little endian. */
  get littleEndian(): boolean {
    return this.#ds.byteArrayParser !== dicomParser.bigEndianByteArrayParser;
  }

  /** True when the element is present (even if empty). */
  has(tag: string): boolean {
    return this.#ds.elements[tag] !== undefined;
  }

  /** A string value (trimmed), or undefined when absent or empty. */
  string(tag: string, index?: number): string | undefined {
    // An indexed read, or a value dicom-parser decoded itself (Value), goes through the library.
    const s =
      index !== undefined || (this.#ds.elements[tag] as { Value?: unknown } | undefined)?.Value
        ? this.#ds.string(tag, index)
        : this.#raw(tag)?.trim();
    return s === undefined || s === '' ? undefined : s;
  }

  /** All values of a multi-valued string element. */
  strings(tag: string): string[] | undefined {
    const raw = this.#raw(tag);
    if (raw === undefined) return undefined;
    return raw.split(VALUE_SEPARATOR).map((s) => s.trim());
  }

  /** A number from a DS/IS element (string-encoded), or undefined. */
  numberString(tag: string, index = 0): number | undefined {
    const all = this.numberStrings(tag);
    return all?.[index];
  }

  /** All numbers of a DS/IS element, or undefined when absent or not numeric. */
  numberStrings(tag: string): number[] | undefined {
    const parts = this.strings(tag);
    if (!parts) return undefined;
    const out = parts.map((p) => Number(p));
    return out.some((v) => !Number.isFinite(v)) ? undefined : out;
  }

  /** An unsigned 16-bit value (US), or undefined. */
  uint16(tag: string): number | undefined {
    const el = this.#ds.elements[tag];
    if (!el || el.length < 2) return undefined;
    return this.#ds.uint16(tag);
  }

  /** A 64-bit float (FD) value, or undefined. */
  double(tag: string, index?: number): number | undefined {
    const el = this.#ds.elements[tag];
    if (!el || el.length < 8) return undefined;
    return this.#ds.double(tag, index);
  }

  /** Items of a sequence element (empty when absent). */
  items(tag: string): DicomDataSet[] {
    const el = this.#ds.elements[tag];
    if (!el?.items) return [];
    return el.items.flatMap((it: Element) => (it.dataSet ? [new DicomDataSet(it.dataSet)] : []));
  }

  /** The pixel data element, or undefined when the data set has none. */
  pixelData(): PixelDataElement | undefined {
    for (const tag of [Tag.PixelData, Tag.FloatPixelData, Tag.DoubleFloatPixelData]) {
      const el = this.#ds.elements[tag];
      if (!el) continue;
      return {
        tag,
        offset: el.dataOffset,
        length: el.length,
        encapsulated: el.encapsulatedPixelData === true,
        fragments: (el.fragments ?? []).map((f) => ({ offset: f.position, length: f.length })),
        basicOffsetTable: el.basicOffsetTable ?? [],
      };
    }
    return undefined;
  }
}

/** Result of parsing one file (or the head of one: see parseDicomHead). */
export interface ParsedDicom {
  readonly dataSet: DicomDataSet;
  /** From the meta header, or the guessed syntax of a headerless file. */
  readonly transferSyntaxUID: string;
  /** True when the file had no Part 10 preamble. */
  readonly headerless: boolean;
}

/** Cheap check: does the buffer carry the Part 10 'DICM' magic after the preamble? */
export function hasDicmPreamble(bytes: Uint8Array): boolean {
  return (
    bytes.length >= PREAMBLE_LENGTH + 4 &&
    bytes[PREAMBLE_LENGTH] === 0x44 &&
    bytes[PREAMBLE_LENGTH + 1] === 0x49 &&
    bytes[PREAMBLE_LENGTH + 2] === 0x43 &&
    bytes[PREAMBLE_LENGTH + 3] === 0x4d
  );
}

/** Guesses the syntax of a headerless data set, or undefined when it does not look like DICOM. */
export function sniffHeaderless(bytes: Uint8Array): string | undefined {
  if (bytes.length < SNIFF_LENGTH) return undefined;
  const group = bytes[0] | (bytes[1] << 8);
  if (!PLAUSIBLE_FIRST_GROUPS.has(group)) return undefined;
  const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
  return isUpper(bytes[4]) && isUpper(bytes[5])
    ? TransferSyntax.ExplicitVRLittleEndian
    : TransferSyntax.ImplicitVRLittleEndian;
}

/** Inflates the deflated part of a Deflated Explicit VR LE file (PS3.5 §A.5). */
function inflate(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position), 0);
  out.set(inflated, position);
  return out;
}

/** The message dicom-parser threw (it throws strings, Errors or `{exception}` objects). */
function parserMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'exception' in e) return parserMessage(e.exception);
  return String(e);
}

/**
 * Parses DICOM bytes. Returns undefined when the bytes are not DICOM at all (the caller counts
 * the file as skipped); throws DicomInvalid naming `file` when they are DICOM but broken.
 */
export function parseDicomBytes(bytes: Uint8Array, file: string): ParsedDicom | undefined {
  const part10 = hasDicmPreamble(bytes);
  const guessed = part10 ? undefined : sniffHeaderless(bytes);
  if (!part10 && !guessed) return undefined;
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, {
      ...(guessed ? { TransferSyntaxUID: guessed } : {}),
      inflater: (arr: Uint8Array, position: number) => inflate(arr, position),
    });
  } catch (e) {
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `not a readable DICOM file (${parserMessage(e)}); the file may be truncated or corrupt.`,
      { file, cause: e },
    );
  }
  const dataSet = new DicomDataSet(ds);
  const transferSyntaxUID = dataSet.string(Tag.TransferSyntaxUID) ?? guessed;
  if (!transferSyntaxUID) {
    throw new MetaKdError(ErrorCode.DicomInvalid, 'the meta header has no TransferSyntaxUID.', {
      file,
    });
  }
  return { dataSet, transferSyntaxUID, headerless: !part10 };
}

/**
 * Parses only the head of a file, up to the PixelData element header, so the caller can read
 * the pixel values straight from the file into a volume. Returns undefined when the head is not
 * DICOM; `'read-more'` when a longer head may do (it ends inside an element or before any
 * PixelData, or the data set is deflated); `'read-all'` when the whole file must be parsed (the
 * pixel data is encapsulated, or not in a native syntax).
 */
export function parseDicomHead(
  head: Uint8Array,
): ParsedDicom | 'read-more' | 'read-all' | undefined {
  const part10 = hasDicmPreamble(head);
  const guessed = part10 ? undefined : sniffHeaderless(head);
  if (!part10 && !guessed) return undefined;
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(head, {
      ...(guessed ? { TransferSyntaxUID: guessed } : {}),
      untilTag: Tag.PixelData,
    });
  } catch {
    return 'read-more'; // the head ends inside an element (or the data set is deflated)
  }
  const dataSet = new DicomDataSet(ds);
  const transferSyntaxUID = dataSet.string(Tag.TransferSyntaxUID) ?? guessed;
  const pd = ds.elements[Tag.PixelData];
  const native =
    transferSyntaxUID === TransferSyntax.ImplicitVRLittleEndian ||
    transferSyntaxUID === TransferSyntax.ExplicitVRLittleEndian ||
    transferSyntaxUID === TransferSyntax.ExplicitVRBigEndian;
  if (!pd) return 'read-more';
  if (!transferSyntaxUID || !native || pd.length === UNDEFINED_LENGTH) return 'read-all';
  return { dataSet, transferSyntaxUID, headerless: !part10 };
}
