/**
 * The one place that touches dicom-parser: parses a DICOM byte buffer (Part 10 with the 'DICM'
 * preamble, or a headerless implicit/explicit VR little-endian data set) and exposes its elements
 * through a small typed wrapper, so the rest of the DICOM code never sees the library's types.
 * Deflated data sets are inflated with node:zlib. Truncated or malformed input becomes
 * MetaKdError DicomInvalid naming the file. The heads of plain little-endian files are read by
 * the faster headScanner.ts first; dicom-parser reads every other head and whole file.
 */
import { createRequire } from 'node:module';
import type DicomParserLib from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { nodeZlib } from '../../lazyBuiltins.ts';
import { DicomDataSet, fixedString, type PixelDataElement } from './DicomDataSet.ts';
import { pixelValueOffset, scanDicomHead } from './headScanner.ts';
import { IndexedDataSet } from './IndexedDataSet.ts';
import { Tag, TransferSyntax } from './tags.ts';

export { DicomDataSet } from './DicomDataSet.ts';
export type { PixelDataElement, PixelFragment } from './DicomDataSet.ts';

/**
 * dicom-parser, loaded on first use: the heads of plain little-endian files, which import reads
 * most, never need it (headScanner.ts), and evaluating the library cost every process that
 * imported DICOM about 2 ms at start (issue 13). It stays a plain dependency (node_modules).
 */
const requireHere = createRequire(import.meta.url);
let library: typeof DicomParserLib | undefined;
function dicomParser(): typeof DicomParserLib {
  return (library ??= requireHere('dicom-parser') as typeof DicomParserLib);
}

/** node:zlib's raw inflate, loaded on first use (lazyBuiltins.ts: deflated files are rare). */
function inflateRawSync(bytes: Uint8Array): Buffer {
  return nodeZlib().inflateRawSync(bytes);
}

/** Offset of the 'DICM' magic after the 128-byte preamble (PS3.10 §7.1). */
const PREAMBLE_LENGTH = 128;
/** Groups a headerless data set plausibly starts with (command/meta, identifying, patient). */
const PLAUSIBLE_FIRST_GROUPS = new Set([0x0002, 0x0008]);
/** Bytes of a tag plus a 2-byte VR: enough to sniff a headerless data set. */
const SNIFF_LENGTH = 8;
/** Value length that marks encapsulated pixel data / undefined-length elements. */
const UNDEFINED_LENGTH = 0xffffffff;

/** A dicom-parser data set (or sequence item) behind the typed DicomDataSet view. */
class ParserDataSet extends DicomDataSet {
  readonly #ds: DataSet;

  constructor(ds: DataSet) {
    super();
    this.#ds = ds;
  }

  protected raw(tag: string): string | undefined {
    const el = this.#ds.elements[tag];
    if (!el || !(el.length > 0)) return undefined;
    const bytes = this.#ds.byteArray;
    if (el.dataOffset + el.length > bytes.length) {
      throw new Error('dicomParser.readFixedString: attempt to read past end of buffer');
    }
    return fixedString(bytes, el.dataOffset, el.dataOffset + el.length);
  }

  get bytes(): Uint8Array {
    return this.#ds.byteArray;
  }

  get valuesInHand(): boolean {
    return false; // dicom-parser's lazy reads may run past the end of a truncated file
  }

  get littleEndian(): boolean {
    return this.#ds.byteArrayParser !== dicomParser().bigEndianByteArrayParser;
  }

  has(tag: string): boolean {
    return this.#ds.elements[tag] !== undefined;
  }

  string(tag: string, index?: number): string | undefined {
    // An indexed read, or a value dicom-parser decoded itself (Value), goes through the library.
    const s =
      index !== undefined || (this.#ds.elements[tag] as { Value?: unknown } | undefined)?.Value
        ? this.#ds.string(tag, index)
        : this.raw(tag)?.trim();
    return s === undefined || s === '' ? undefined : s;
  }

  uint16(tag: string): number | undefined {
    const el = this.#ds.elements[tag];
    if (!el || el.length < 2) return undefined;
    return this.#ds.uint16(tag);
  }

  double(tag: string, index?: number): number | undefined {
    const el = this.#ds.elements[tag];
    if (!el || el.length < 8) return undefined;
    return this.#ds.double(tag, index);
  }

  items(tag: string): DicomDataSet[] {
    const el = this.#ds.elements[tag];
    if (!el?.items) return [];
    return el.items.flatMap((it: Element) => (it.dataSet ? [new ParserDataSet(it.dataSet)] : []));
  }

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
    ds = dicomParser().parseDicom(bytes, {
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
  const dataSet = new ParserDataSet(ds);
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
 * pixel data is encapsulated, or not in a native syntax). The result keeps its own copy of the
 * bytes it needs, so the caller may reuse `head` for the next file.
 */
export function parseDicomHead(
  head: Uint8Array,
): ParsedDicom | 'read-more' | 'read-all' | undefined {
  const scan = scanDicomHead(head);
  if (scan === 'short') return 'read-more';
  if (scan) {
    // Everything import reads lies before the pixel data: keep only those bytes (~1.5 KB for a
    // plain MR slice rather than the whole head).
    const kept = Buffer.from(head.subarray(0, pixelValueOffset(scan)));
    // The items of a sequence (rare in what import reads) come from dicom-parser, on demand;
    // it throws strings and wrapper objects, which become an Error with its message.
    const parseItems = (): ParserDataSet => {
      try {
        return new ParserDataSet(dicomParser().parseDicom(kept, { untilTag: Tag.PixelData }));
      } catch (e) {
        throw new Error(parserMessage(e), { cause: e });
      }
    };
    return {
      dataSet: new IndexedDataSet(kept, scan, parseItems),
      transferSyntaxUID: scan.transferSyntaxUID,
      headerless: false,
    };
  }
  return parseHeadWithDicomParser(Buffer.from(head));
}

/** parseDicomHead for the heads the scanner leaves to dicom-parser. */
function parseHeadWithDicomParser(
  head: Uint8Array,
): ParsedDicom | 'read-more' | 'read-all' | undefined {
  const part10 = hasDicmPreamble(head);
  const guessed = part10 ? undefined : sniffHeaderless(head);
  if (!part10 && !guessed) return undefined;
  let ds: DataSet;
  try {
    ds = dicomParser().parseDicom(head, {
      ...(guessed ? { TransferSyntaxUID: guessed } : {}),
      untilTag: Tag.PixelData,
    });
  } catch {
    return 'read-more'; // the head ends inside an element (or the data set is deflated)
  }
  const dataSet = new ParserDataSet(ds);
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
