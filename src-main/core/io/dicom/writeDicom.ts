/**
 * A small DICOM Part 10 writer for Explicit VR Little Endian: enough for the study generator and
 * for tests that need synthetic files. We write our own instead of going through dcmjs because the
 * generator writes hundreds of files per study (dcmjs builds a naturalized dataset and a
 * WriteBufferStream per file, several times slower), and a typed element list keeps `any` out.
 * Correctness is checked with dciodvfy and by importing the files back.
 */
import { randomUUID } from 'node:crypto';

/** Value representations the writer supports. */
export type Vr =
  | 'AE'
  | 'AS'
  | 'AT'
  | 'CS'
  | 'DA'
  | 'DS'
  | 'DT'
  | 'FD'
  | 'FL'
  | 'IS'
  | 'LO'
  | 'LT'
  | 'OB'
  | 'OW'
  | 'PN'
  | 'SH'
  | 'SL'
  | 'SQ'
  | 'SS'
  | 'ST'
  | 'TM'
  | 'UI'
  | 'UL'
  | 'UN'
  | 'US'
  | 'UT';

/** One element: tag as [group, element], VR and value. */
export interface DicomElement {
  readonly tag: readonly [number, number];
  readonly vr: Vr;
  /** Strings (joined with '\\'), numbers (binary VRs US/UL/SS/SL/FL/FD), bytes, or items (SQ). */
  readonly value:
    | string
    | readonly string[]
    | readonly number[]
    | Uint8Array
    | readonly (readonly DicomElement[])[];
}

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 §7.1.2). */
const LONG_VRS = new Set<Vr>(['OB', 'OW', 'SQ', 'UN', 'UT']);
/** Explicit VR Little Endian transfer syntax UID. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Our implementation class UID (a UUID-derived 2.25 UID, fixed). */
export const IMPLEMENTATION_CLASS_UID = '2.25.173947386016549271203361538127826394874';
/** ImplementationVersionName (SH, ≤ 16 chars). */
export const IMPLEMENTATION_VERSION_NAME = 'METAKD_REVIEW_01';
/** Largest DS string (PS3.5 Table 6.2-1). */
const DS_MAX_LENGTH = 16;
/** Most significant digits toPrecision accepts that are still meaningful for a float64. */
const MAX_PRECISION = 15;
/** Item tags (PS3.5 §7.5). */
const ITEM_TAG = 0xe000;
const ITEM_DELIMITATION = 0xe00d;
const SEQUENCE_DELIMITATION = 0xe0dd;
/** Undefined length marker. */
const UNDEFINED_LENGTH = 0xffffffff;

/** A fresh UID from a random UUID, in the 2.25 arc (PS3.5 §B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** A decimal string of at most 16 characters, with as many significant digits as fit. */
export function formatDS(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`DS value ${v} is not finite`);
  if (Number.isInteger(v) && String(v).length <= DS_MAX_LENGTH) return String(v);
  for (let p = MAX_PRECISION; p >= 1; p--) {
    const s = String(Number(v.toPrecision(p)));
    if (s.length <= DS_MAX_LENGTH) return s;
  }
  throw new Error(`DS value ${v} does not fit 16 characters`);
}

/** Encodes a text value padded to even length (UI with NUL, others with space). */
function textBytes(vr: Vr, value: string | readonly string[]): Buffer {
  const s = typeof value === 'string' ? value : value.join('\\');
  const b = Buffer.from(s, 'latin1');
  if (b.length % 2 === 0) return b;
  return Buffer.concat([b, Buffer.from([vr === 'UI' ? 0 : 0x20])]);
}

/** Encodes binary numbers of a numeric VR. */
function numberBytes(vr: Vr, values: readonly number[]): Buffer {
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4 }[vr as 'US'];
  const b = Buffer.alloc(size * values.length);
  values.forEach((v, i) => {
    const o = i * size;
    if (vr === 'US') b.writeUInt16LE(v, o);
    else if (vr === 'SS') b.writeInt16LE(v, o);
    else if (vr === 'UL') b.writeUInt32LE(v, o);
    else if (vr === 'SL') b.writeInt32LE(v, o);
    else if (vr === 'FL') b.writeFloatLE(v, o);
    else if (vr === 'FD') b.writeDoubleLE(v, o);
    else throw new Error(`VR ${vr} cannot hold numbers`);
  });
  return b;
}

/** Tag and item header bytes. */
function tagHeader(group: number, element: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(element, 2);
  b.writeUInt32LE(length, 4);
  return b;
}

/** Encodes one element (explicit VR little endian), sequences with undefined lengths. */
function encodeElement(el: DicomElement): Buffer[] {
  const [group, element] = el.tag;
  let body: Buffer[];
  if (el.vr === 'SQ') {
    const items = el.value as readonly (readonly DicomElement[])[];
    body = items.flatMap((item) => [
      tagHeader(0xfffe, ITEM_TAG, UNDEFINED_LENGTH),
      ...encodeDataSet(item),
      tagHeader(0xfffe, ITEM_DELIMITATION, 0),
    ]);
    body.push(tagHeader(0xfffe, SEQUENCE_DELIMITATION, 0));
  } else if (el.value instanceof Uint8Array) {
    const v = Buffer.from(el.value.buffer, el.value.byteOffset, el.value.byteLength);
    body = v.length % 2 ? [v, Buffer.alloc(1)] : [v];
  } else if (
    typeof el.value === 'string' ||
    typeof (el.value as readonly unknown[])[0] === 'string'
  ) {
    body = [textBytes(el.vr, el.value as string | readonly string[])];
  } else {
    body = [numberBytes(el.vr, el.value as readonly number[])];
  }
  const length = el.vr === 'SQ' ? UNDEFINED_LENGTH : body.reduce((n, b) => n + b.length, 0);
  const head = Buffer.alloc(LONG_VRS.has(el.vr) ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.write(el.vr, 4, 'latin1');
  if (LONG_VRS.has(el.vr)) head.writeUInt32LE(length, 8);
  else head.writeUInt16LE(length, 6);
  return [head, ...body];
}

/** Encodes elements in ascending tag order. */
export function encodeDataSet(elements: readonly DicomElement[]): Buffer[] {
  const sorted = [...elements].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1]);
  return sorted.flatMap(encodeElement);
}

/**
 * A complete Part 10 file: preamble, 'DICM', the file meta group (with its group length) and the
 * data set in Explicit VR Little Endian.
 */
export function encodePart10(
  elements: readonly DicomElement[],
  ids: {
    readonly SOPClassUID: string;
    readonly SOPInstanceUID: string;
    /** Defaults to Explicit VR LE; an encapsulated syntax needs its pixel data pre-encoded. */
    readonly transferSyntaxUID?: string;
  },
): Buffer {
  const meta = Buffer.concat(
    encodeDataSet([
      { tag: [0x0002, 0x0001], vr: 'OB', value: new Uint8Array([0, 1]) },
      { tag: [0x0002, 0x0002], vr: 'UI', value: ids.SOPClassUID },
      { tag: [0x0002, 0x0003], vr: 'UI', value: ids.SOPInstanceUID },
      {
        tag: [0x0002, 0x0010],
        vr: 'UI',
        value: ids.transferSyntaxUID ?? EXPLICIT_VR_LITTLE_ENDIAN,
      },
      { tag: [0x0002, 0x0012], vr: 'UI', value: IMPLEMENTATION_CLASS_UID },
      { tag: [0x0002, 0x0013], vr: 'SH', value: IMPLEMENTATION_VERSION_NAME },
    ]),
  );
  const groupLength = Buffer.concat(
    encodeElement({ tag: [0x0002, 0x0000], vr: 'UL', value: [meta.length] }),
  );
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, groupLength, meta, ...encodeDataSet(elements)]);
}
