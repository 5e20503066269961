/**
 * The typed view of a parsed DICOM data set that the rest of the DICOM code reads: values by tag
 * string from tags.ts, the pixel data element, the bytes the offsets refer to. Two kinds stand
 * behind it: dicom-parser's data set (dicomParserAdapter.ts) and the head index of the fast
 * scanner (IndexedDataSet.ts). Shared value decoding lives here. Pure.
 */

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
export function fixedString(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  const buf =
    bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('latin1', start, stop);
}

/** The numbers of a multi-valued DS/IS text, or undefined when one is not a number. */
function parseNumbers(raw: string): readonly number[] | undefined {
  const parts = raw.split(VALUE_SEPARATOR);
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const v = Number(parts[i]);
    if (!Number.isFinite(v)) return undefined;
    out[i] = v;
  }
  return out;
}

/** Per tag, the last text numberStrings converted and its numbers. */
const LAST_NUMBERS = new Map<string, { text: string; numbers: readonly number[] | undefined }>();

/** A parsed data set (or sequence item) with typed accessors by tag string from tags.ts. */
export abstract class DicomDataSet {
  /** The bytes the element offsets refer to (after inflation for deflated files). */
  abstract get bytes(): Uint8Array;

  /** True when the data set is encoded little endian. */
  abstract get littleEndian(): boolean;

  /** True when the element is present (even if empty). */
  abstract has(tag: string): boolean;

  /**
   * True when every accessor but items() answers from bytes already checked to hold the
   * element (any element but PixelData), so it cannot throw (the scanner's data sets).
   */
  abstract get valuesInHand(): boolean;

  /**
   * The element's value bytes as text (undefined when absent or empty), untrimmed; throws like
   * dicom-parser when the element runs past the end of the bytes (a truncated file).
   */
  protected abstract raw(tag: string): string | undefined;

  /** A string value (trimmed), or undefined when absent or empty. */
  abstract string(tag: string, index?: number): string | undefined;

  /** An unsigned 16-bit value (US), or undefined. */
  abstract uint16(tag: string): number | undefined;

  /** A 64-bit float (FD) value, or undefined. */
  abstract double(tag: string, index?: number): number | undefined;

  /** Items of a sequence element (empty when absent). */
  abstract items(tag: string): DicomDataSet[];

  /** The pixel data element, or undefined when the data set has none. */
  abstract pixelData(): PixelDataElement | undefined;

  /** All values of a multi-valued string element. */
  strings(tag: string): string[] | undefined {
    const raw = this.raw(tag);
    if (raw === undefined) return undefined;
    // Plain loops: import calls these a few dozen times per file, mostly while V8 still
    // interprets the code, where every closure call shows.
    const parts = raw.split(VALUE_SEPARATOR);
    for (let i = 0; i < parts.length; i++) parts[i] = parts[i].trim();
    return parts;
  }

  /** A number from a DS/IS element (string-encoded), or undefined. */
  numberString(tag: string, index = 0): number | undefined {
    const raw = this.raw(tag);
    if (raw === undefined) return undefined;
    // One value (the usual case): Number() ignores the same surrounding white space trim() does.
    if (!raw.includes(VALUE_SEPARATOR)) {
      const v = Number(raw);
      return index === 0 && Number.isFinite(v) ? v : undefined;
    }
    return this.numberStrings(tag)?.[index];
  }

  /**
   * All numbers of a DS/IS element, or undefined when absent or not numeric. The array may be
   * shared with other data sets: copy it to keep it.
   */
  numberStrings(tag: string): readonly number[] | undefined {
    const raw = this.raw(tag);
    if (raw === undefined) return undefined;
    // The files of a series repeat most such values (orientation, pixel spacing): the last text
    // of each tag is remembered, and converting decimal strings showed in profiles of import.
    const last = LAST_NUMBERS.get(tag);
    if (last?.text === raw) return last.numbers;
    const numbers = parseNumbers(raw);
    LAST_NUMBERS.set(tag, { text: raw, numbers });
    return numbers;
  }
}
