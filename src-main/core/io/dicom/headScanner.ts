/**
 * A minimal scanner of a DICOM file's head, for the common case of import: a Part 10 file in
 * Implicit or Explicit VR Little Endian whose PixelData has a defined length. It records where
 * each top-level element's value sits ([tag, offset, length] in one Uint32Array) and stops at the
 * PixelData element header. Pure functions.
 *
 * Why not dicom-parser for these files: dicom-parser builds one object per element with a hex tag
 * string and a VR string, in a dictionary keyed by those strings, and was the largest single cost of
 * `metakd inspect` on a 620-file study (issue 13); this scanner allocates one typed array per file.
 * It is deliberately narrow: anything it does not recognise exactly as dicom-parser would read it
 * (big endian, deflate, headerless files, encapsulated pixel data, an unknown VR, tags out of
 * order, a UN element of undefined length, a malformed sequence, float pixel data) returns
 * `undefined`, and the caller parses the head with dicom-parser as before. Sequences are walked
 * only to skip them (with dicom-parser's rules for item structure); their items are read by
 * dicom-parser on demand (dicomParserAdapter.ts).
 */

/** Offset of the 'DICM' magic after the 128-byte preamble (PS3.10 §7.1). */
const DICM_OFFSET = 128;
/** First byte after the magic: the File Meta Information starts here. */
const META_START = DICM_OFFSET + 4;
/** Value length that marks undefined-length elements (PS3.5 §7.1.1). */
const UNDEFINED_LENGTH = 0xffffffff;
/** Item, item delimitation and sequence delimitation tags (PS3.5 §7.5). */
const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;
/** The element import stops at, and the float variants that come before it. */
const PIXEL_DATA = 0x7fe00010;
const FLOAT_PIXEL_DATA = 0x7fe00008;
const DOUBLE_FLOAT_PIXEL_DATA = 0x7fe00009;
/** File Meta Information group, and its TransferSyntaxUID. */
const META_GROUP = 0x0002;
const TRANSFER_SYNTAX_UID = 0x00020010;
/** The two syntaxes the scanner reads (as dicom-parser compares them: untrimmed, up to a NUL). */
export const IMPLICIT_VR_LE = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
/** Deepest sequence nesting the scanner walks before it leaves the file to dicom-parser. */
const MAX_DEPTH = 8;
/** Bytes of an element header: tag + length (implicit) or tag + VR + 2-byte length (explicit). */
const SHORT_HEADER = 8;
/** Explicit VR header with a 4-byte length: tag + VR + 2 reserved bytes + length. */
const LONG_HEADER = 12;

/** A two-letter VR as a 16-bit code, first letter high. */
const vrCode = (vr: string): number => (vr.charCodeAt(0) << 8) | vr.charCodeAt(1);
/** VRs with a 4-byte length in Explicit VR (dicom-parser 1.8's list; PS3.5 Table 7.1-1). */
const LONG_VRS = new Set('OB OD OF OL OW SQ UC UR UT UN'.split(' ').map(vrCode));
/**
 * VRs with a 2-byte length. OV, SV and UV are left out on purpose: the standard gives them a
 * 4-byte length but dicom-parser 1.8 reads 2, so such files go to dicom-parser to read as before.
 */
const SHORT_VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT PN SH SL SS ST TM UI UL US'.split(' ').map(vrCode),
);
const SQ = vrCode('SQ');

/** What the scanner found. */
export interface HeadIndex {
  /** The transfer syntax (one of the two the scanner reads). */
  readonly transferSyntaxUID: typeof IMPLICIT_VR_LE | typeof EXPLICIT_VR_LE;
  /**
   * `[tag, value offset, value length]` per top-level element (meta group included), tags
   * ascending; the last is PixelData, whose value may run past the head. A sequence's length is
   * its value's extent in bytes, as dicom-parser reports it.
   */
  readonly elements: Uint32Array;
}

/**
 * The scan result: the index; `'short'` when the head ends before PixelData (a longer head may
 * do); undefined when the file is not one the scanner reads (parse it with dicom-parser).
 */
export type HeadScan = HeadIndex | 'short' | undefined;

/** Cursor state while scanning (positions are byte offsets into the head). */
interface Scan {
  readonly b: Uint8Array;
  readonly implicit: boolean;
}

/** Grow-on-demand scratch for the element triplets, reused across files (one copy per file). */
let scratch = new Uint32Array(3 * 256);

function u16(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
}

/** A tag as group << 16 | element (both stored little endian). */
function tagAt(b: Uint8Array, p: number): number {
  return u16(b, p) * 0x10000 + u16(b, p + 2);
}

/** What `header` found: the element header was read (into HEADER), the head ends, or an unknown VR. */
const READ = 0;
const SHORT = 1;
const UNKNOWN_VR = 2;
type HeaderStatus = typeof READ | typeof SHORT | typeof UNKNOWN_VR;

/**
 * The element header `header` read last: where its value starts, its length and (explicit VR)
 * its VR code. One object for every element of every file rather than one per element: import
 * scans about a hundred elements per file, and those objects were a fifth of what reading a
 * study's heads allocated (issue 13). Callers copy the fields out before reading another header.
 */
const HEADER = { offset: 0, length: 0, vr: 0 };

/** A scan that stopped at a header: 'short' past the end of the head, undefined otherwise. */
function stopped(status: HeaderStatus): 'short' | undefined {
  return status === SHORT ? 'short' : undefined;
}

/** Reads the header of the element at `p` into HEADER. */
function header(b: Uint8Array, p: number, implicit: boolean): HeaderStatus {
  if (p + SHORT_HEADER > b.length) return SHORT;
  if (implicit) {
    HEADER.offset = p + SHORT_HEADER;
    HEADER.length = u32(b, p + 4);
    HEADER.vr = 0;
    return READ;
  }
  const vr = (b[p + 4] << 8) | b[p + 5];
  HEADER.vr = vr;
  if (SHORT_VRS.has(vr)) {
    HEADER.offset = p + SHORT_HEADER;
    HEADER.length = u16(b, p + 6);
    return READ;
  }
  if (!LONG_VRS.has(vr)) return UNKNOWN_VR;
  if (p + LONG_HEADER > b.length) return SHORT;
  HEADER.offset = p + LONG_HEADER;
  HEADER.length = u32(b, p + 8);
  return READ;
}

/** True when the 4 bytes at `p` are an item or sequence delimitation tag (dicom-parser's peek). */
function startsSequence(b: Uint8Array, p: number): boolean {
  if (p + 4 > b.length) return false;
  const t = tagAt(b, p);
  return t === ITEM || t === SEQUENCE_DELIMITATION;
}

/** Private tags have an odd group number. */
function isPrivate(tag: number): boolean {
  return ((tag >>> 16) & 1) === 1;
}

/**
 * Walks the elements of a data set (an item's, or a sequence item of undefined length when
 * `end` is undefined: up to its item delimitation). Returns the position after it.
 */
function walkDataSet(
  s: Scan,
  p: number,
  end: number | undefined,
  depth: number,
): number | HeadScan {
  for (;;) {
    if (end !== undefined && p >= end) return p === end ? p : undefined;
    if (p + 4 > s.b.length) return 'short';
    const tag = tagAt(s.b, p);
    if (tag === ITEM_DELIMITATION && end === undefined) {
      if (p + SHORT_HEADER > s.b.length) return 'short';
      return u32(s.b, p + 4) === 0 ? p + SHORT_HEADER : undefined;
    }
    const status = header(s.b, p, s.implicit);
    if (status !== READ) return stopped(status);
    const next = skipValue(s, tag, HEADER.offset, HEADER.length, HEADER.vr, depth);
    if (typeof next !== 'number') return next;
    p = next;
  }
}

/** Walks a sequence's items from `p` (to `end`, or to its sequence delimitation). */
function walkItems(s: Scan, p: number, end: number | undefined, depth: number): number | HeadScan {
  if (depth > MAX_DEPTH) return undefined;
  for (;;) {
    if (end !== undefined && p >= end) return p === end ? p : undefined;
    if (p + SHORT_HEADER > s.b.length) return 'short';
    const tag = tagAt(s.b, p);
    const length = u32(s.b, p + 4);
    if (tag === SEQUENCE_DELIMITATION && end === undefined) {
      return length === 0 ? p + SHORT_HEADER : undefined;
    }
    if (tag !== ITEM) return undefined; // dicom-parser throws: let it say so
    const start = p + SHORT_HEADER;
    const after =
      length === UNDEFINED_LENGTH
        ? walkDataSet(s, start, undefined, depth + 1)
        : walkDataSet(s, start, start + length, depth + 1);
    if (typeof after !== 'number') return after;
    p = after;
  }
}

/** Skips one element's value (walking sequences); the position after it. */
function skipValue(
  s: Scan,
  tag: number,
  offset: number,
  length: number,
  vr: number,
  depth: number,
): number | HeadScan {
  if (length === UNDEFINED_LENGTH) {
    // Explicit: only SQ (UN of undefined length holds implicit VR data). Implicit: only a
    // sequence, which dicom-parser recognises by the item tag that follows.
    const sequence = s.implicit ? startsSequence(s.b, offset) : vr === SQ;
    return sequence ? walkItems(s, offset, undefined, depth) : undefined;
  }
  const end = offset + length;
  if (end > s.b.length) return 'short';
  const sequence = s.implicit ? startsSequence(s.b, offset) && !isPrivate(tag) : vr === SQ;
  return sequence ? walkItems(s, offset, end, depth) : end;
}

/** The syntaxes the scanner reads. */
const SYNTAXES = [IMPLICIT_VR_LE, EXPLICIT_VR_LE] as const;

/**
 * Which of SYNTAXES the value `[start, end)` names, compared as dicom-parser compares them
 * (Latin-1 up to the first NUL, untrimmed); null for any other. Compared in place: building the
 * UID string of every file, one character at a time, showed as garbage in profiles (issue 13).
 */
function syntaxAt(
  b: Uint8Array,
  start: number,
  end: number,
): HeadIndex['transferSyntaxUID'] | null {
  for (const uid of SYNTAXES) {
    const stop = start + uid.length;
    if (stop > end || (stop < end && b[stop] !== 0)) continue;
    let i = 0;
    while (i < uid.length && b[start + i] === uid.charCodeAt(i)) i++;
    if (i === uid.length) return uid;
  }
  return null;
}

/** Appends a triplet to the scratch array (growing it), returning the new count. */
function push(n: number, tag: number, offset: number, length: number): number {
  if (3 * n + 3 > scratch.length) {
    const grown = new Uint32Array(scratch.length * 2);
    grown.set(scratch);
    scratch = grown;
  }
  scratch[3 * n] = tag;
  scratch[3 * n + 1] = offset;
  scratch[3 * n + 2] = length;
  return n + 1;
}

/** Where the meta group ends (p), its element count (n), syntax (ts) and last tag. */
interface MetaScan {
  readonly p: number;
  readonly n: number;
  readonly ts: HeadIndex['transferSyntaxUID'];
  readonly last: number;
}

/** Reads the File Meta Information group (Explicit VR LE); the position after it and its syntax. */
function scanMeta(s: Scan): MetaScan | 'short' | undefined {
  let p = META_START;
  let n = 0;
  let ts: HeadIndex['transferSyntaxUID'] | undefined;
  let last = -1;
  for (;;) {
    if (p + 4 > s.b.length) return 'short';
    const tag = tagAt(s.b, p);
    const group = tag >>> 16;
    if (group > META_GROUP) break;
    // Groups below 2 (which dicom-parser reads as meta) and tags out of order: unusual.
    if (group < META_GROUP || tag <= last) return undefined;
    last = tag;
    const status = header(s.b, p, false);
    if (status !== READ) return stopped(status);
    const { offset, length, vr } = HEADER;
    if (length === UNDEFINED_LENGTH || vr === SQ) return undefined; // no sequences in meta
    const end = offset + length;
    if (end > s.b.length) return 'short';
    if (tag === TRANSFER_SYNTAX_UID) {
      const syntax = syntaxAt(s.b, offset, end);
      if (syntax === null) return undefined; // a syntax the scanner does not read
      ts = syntax;
    }
    n = push(n, tag, offset, length);
    p = end;
  }
  return ts === undefined ? undefined : { p, n, ts, last };
}

/** Where the PixelData value starts: every other element of the index lies before it. */
export function pixelValueOffset(index: HeadIndex): number {
  return index.elements[index.elements.length - 2];
}

/**
 * Scans the head of a Part 10 file up to its PixelData element header.
 * @param b the first bytes of the file (the whole file also works)
 */
export function scanDicomHead(b: Uint8Array): HeadScan {
  if (
    b.length < META_START ||
    b[DICM_OFFSET] !== 0x44 ||
    b[DICM_OFFSET + 1] !== 0x49 ||
    b[DICM_OFFSET + 2] !== 0x43 ||
    b[DICM_OFFSET + 3] !== 0x4d
  ) {
    return undefined; // headerless files go to dicom-parser
  }
  const meta = scanMeta({ b, implicit: false });
  if (typeof meta !== 'object') return meta;
  const { ts } = meta;
  const s: Scan = { b, implicit: ts === IMPLICIT_VR_LE };
  let { p, n } = meta;
  let previous = meta.last;
  for (;;) {
    if (p + 4 > b.length) return 'short';
    const tag = tagAt(b, p);
    // Out of order or repeated tags (dicom-parser keeps the last), float pixel data: unusual.
    if (tag <= previous || tag === FLOAT_PIXEL_DATA || tag === DOUBLE_FLOAT_PIXEL_DATA) {
      return undefined;
    }
    previous = tag;
    const status = header(b, p, s.implicit);
    if (status !== READ) return stopped(status);
    const { offset, length, vr } = HEADER;
    if (tag === PIXEL_DATA) {
      if (length === UNDEFINED_LENGTH) return undefined; // encapsulated: read whole
      n = push(n, tag, offset, length);
      return { transferSyntaxUID: ts, elements: scratch.slice(0, 3 * n) };
    }
    const next = skipValue(s, tag, offset, length, vr, 0);
    if (typeof next !== 'number') return next;
    // An undefined-length sequence's length, as dicom-parser sets it, stops before its delimiter.
    n = push(n, tag, offset, length === UNDEFINED_LENGTH ? next - SHORT_HEADER - offset : length);
    p = next;
  }
}
