/**
 * The fast head scanner (issue 13) against dicom-parser, which it stands in for: on every head it
 * accepts it must index the same elements at the same offsets, and the data set over its index
 * must answer every accessor (and readInstance) as the dicom-parser data set does; on anything
 * unusual it must step aside. A seeded mutation loop checks that damage never makes it accept a
 * head that dicom-parser reads differently.
 */
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import {
  parseDicomBytes,
  parseDicomHead,
  type ParsedDicom,
} from '../../../../src-main/core/io/dicom/dicomParserAdapter.ts';
import { scanDicomHead, type HeadIndex } from '../../../../src-main/core/io/dicom/headScanner.ts';
import { IndexedDataSet } from '../../../../src-main/core/io/dicom/IndexedDataSet.ts';
import { readInstance } from '../../../../src-main/core/io/dicom/readInstance.ts';
import { Tag } from '../../../../src-main/core/io/dicom/tags.ts';
import {
  encodeDataSet,
  encodePart10,
  type DicomElement,
} from '../../../../src-main/core/io/dicom/writeDicom.ts';
import { MR_SOP_CLASS, el, enhancedBytes, sliceBytes } from './synthetic.ts';

const IMPLICIT_VR_LE = '1.2.840.10008.1.2';
const UNDEFINED_LENGTH = 0xffffffff;

/** Extra elements: a coded contrast agent (nested sequences) and a private sequence. */
const SEQUENCES: DicomElement[] = [
  el(0x0018, 0x0012, 'SQ', [
    [
      el(0x0008, 0x0100, 'SH', 'C-B0317'),
      el(0x0008, 0x0104, 'LO', 'Gadobutrol'),
      el(0x0040, 0xa170, 'SQ', [[el(0x0008, 0x0104, 'LO', 'nested')]]),
    ],
  ]),
  el(0x0029, 0x1010, 'SQ', [[el(0x0029, 0x1011, 'LO', 'vendor')], []]),
  el(0x0018, 0x0081, 'DS', '98'),
  el(0x0018, 0x0086, 'IS', '1'),
  el(0x0018, 0x0080, 'DS', ' 4500 '),
  el(0x0020, 0x0032, 'DS', ['0', '-12.5', '3']),
];

/** A 64×64 slice (a head of 4 KiB ends inside its pixel data, as on real files). */
const slice = (extra: DicomElement[] = SEQUENCES): Buffer =>
  sliceBytes({ series: '1.2.3.7', rows: 64, cols: 64, instanceNumber: 4, extra });

/** Encodes elements in Implicit VR LE: tag, 4-byte length, value; sequences of undefined length. */
function implicitElements(elements: readonly DicomElement[]): Buffer {
  const parts: Buffer[] = [];
  const header = (g: number, e: number, length: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(g, 0);
    b.writeUInt16LE(e, 2);
    b.writeUInt32LE(length, 4);
    return b;
  };
  for (const x of [...elements].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1])) {
    if (x.vr === 'SQ') {
      parts.push(header(x.tag[0], x.tag[1], UNDEFINED_LENGTH));
      for (const item of x.value as readonly (readonly DicomElement[])[]) {
        parts.push(header(0xfffe, 0xe000, UNDEFINED_LENGTH), implicitElements(item));
        parts.push(header(0xfffe, 0xe00d, 0));
      }
      parts.push(header(0xfffe, 0xe0dd, 0));
      continue;
    }
    // The explicit encoding of the element, less its header, is the value.
    const explicit = Buffer.concat(encodeDataSet([x]));
    const long = ['OB', 'OW', 'UN', 'UT'].includes(x.vr);
    const value = explicit.subarray(long ? 12 : 8);
    parts.push(header(x.tag[0], x.tag[1], value.length), value);
  }
  return Buffer.concat(parts);
}

/** The same slice as an Implicit VR LE Part 10 file (meta group stays explicit). */
function implicitSlice(): Buffer {
  const explicit = slice();
  // The meta group: (0002,0000) UL at byte 132 gives the length of the rest of the group.
  const metaEnd = 132 + 12 + explicit.readUInt32LE(132 + 8);
  const meta = Buffer.from(explicit.subarray(0, metaEnd));
  const ts = meta.indexOf('1.2.840.10008.1.2.1', 132, 'latin1');
  // Same length ("1.2.840.10008.1.2" + NUL pad + one more NUL): the group length stays right.
  meta.write(`${IMPLICIT_VR_LE}\0\0`, ts, 'latin1');
  const px = new Uint8Array(64 * 64 * 2).fill(7);
  const data = implicitElements([
    el(0x0008, 0x0016, 'UI', MR_SOP_CLASS),
    el(0x0008, 0x0018, 'UI', '1.2.3.7.1'),
    el(0x0008, 0x103e, 'LO', 'AX FLAIR'),
    el(0x0020, 0x000d, 'UI', '1.2.3'),
    el(0x0020, 0x000e, 'UI', '1.2.3.7'),
    el(0x0020, 0x0037, 'DS', ['1', '0', '0', '0', '1', '0']),
    el(0x0028, 0x0002, 'US', [1]),
    el(0x0028, 0x0010, 'US', [64]),
    el(0x0028, 0x0011, 'US', [64]),
    el(0x0028, 0x0100, 'US', [16]),
    el(0x0028, 0x0103, 'US', [1]),
    ...SEQUENCES,
    el(0x7fe0, 0x0010, 'OW', px),
  ]);
  return Buffer.concat([meta, data]);
}

/** `x`-tag → [offset, length] of the scanner's index. */
function scannerIndex(scan: HeadIndex): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (let i = 0; i < scan.elements.length; i += 3) {
    const tag = `x${scan.elements[i].toString(16).padStart(8, '0')}`;
    m.set(tag, [scan.elements[i + 1], scan.elements[i + 2]]);
  }
  return m;
}

/** The same for dicom-parser's parse of the head (throws where dicom-parser throws). */
function parserIndex(head: Uint8Array): Map<string, [number, number]> {
  const ds = dicomParser.parseDicom(head, { untilTag: Tag.PixelData });
  return new Map(
    Object.entries(ds.elements).map(([tag, e]) => [
      tag,
      [e.dataOffset, e.length] as [number, number],
    ]),
  );
}

/** Every value accessor of two data sets, element by element, as plain data. */
function accessorView(p: ParsedDicom, tags: readonly string[]): unknown[] {
  const ds = p.dataSet;
  return tags.map((tag) => {
    if (tag === Tag.PixelData) return ds.pixelData();
    const items = ds.items(tag).map((it) => [it.string('x00080104'), it.items('x0040a170').length]);
    return {
      tag,
      has: ds.has(tag),
      string: ds.string(tag),
      first: ds.string(tag, 0),
      strings: ds.strings(tag),
      numbers: ds.numberStrings(tag),
      number: ds.numberString(tag),
      uint16: ds.uint16(tag),
      items,
    };
  });
}

/** What readInstance makes of a parse, as plain data (header included). */
function instanceView(p: ParsedDicom): unknown {
  const inst = readInstance('f.dcm', p);
  if ('skipReason' in inst) return inst;
  const { parsed: _parsed, header, ...rest } = inst;
  return { ...rest, header: { ...header } };
}

describe('head scanner', () => {
  for (const [name, bytes] of [
    ['explicit VR LE with nested and private sequences', slice],
    ['implicit VR LE with nested and private sequences', implicitSlice],
    ['enhanced MR (functional groups)', enhancedBytes],
  ] as const) {
    it(`${name}: same elements, values and instance as dicom-parser`, () => {
      const file = bytes();
      const head = file.subarray(0, 4096);
      const scan = scanDicomHead(head);
      if (typeof scan !== 'object') throw new Error(`scanner stepped aside: ${String(scan)}`);
      expect(scannerIndex(scan)).toEqual(parserIndex(head));
      const fast = parseDicomHead(head) as ParsedDicom;
      expect(fast.dataSet).toBeInstanceOf(IndexedDataSet);
      const slow = parseDicomBytes(file, 'f.dcm') as ParsedDicom;
      expect(slow.dataSet).not.toBeInstanceOf(IndexedDataSet);
      const tags = [...scannerIndex(scan).keys()];
      expect(accessorView(fast, tags)).toEqual(accessorView(slow, tags));
      expect(fast.transferSyntaxUID).toBe(slow.transferSyntaxUID);
      expect(instanceView(fast)).toEqual(instanceView(slow));
    });
  }

  it('keeps only the bytes before the pixel data, and a head buffer can be reused', () => {
    const file = slice();
    const head = Buffer.from(file.subarray(0, 4096));
    const parsed = parseDicomHead(head) as ParsedDicom;
    const before = parsed.dataSet.string(Tag.SeriesDescription);
    head.fill(0);
    expect(parsed.dataSet.string(Tag.SeriesDescription)).toBe(before);
    expect(parsed.dataSet.bytes.length).toBe(parsed.dataSet.pixelData()?.offset);
    expect(parsed.dataSet.items(Tag.ContrastBolusAgentSequence)).toHaveLength(1);
  });

  it('steps aside for what it does not read exactly as dicom-parser does', () => {
    const ids = { SOPClassUID: MR_SOP_CLASS, SOPInstanceUID: '1.2.3.9' };
    const px = el(0x7fe0, 0x0010, 'OW', new Uint8Array(64));
    const base = [el(0x0008, 0x0016, 'UI', MR_SOP_CLASS), px];
    // Headerless, big endian, deflated, JPEG: dicom-parser reads them.
    expect(scanDicomHead(Buffer.concat(encodeDataSet(base)))).toBeUndefined();
    for (const ts of ['1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.4.50']) {
      expect(scanDicomHead(encodePart10(base, { ...ids, transferSyntaxUID: ts }))).toBeUndefined();
    }
    const plain = encodePart10(base, ids);
    expect(scanDicomHead(plain)).toBeTypeOf('object');
    // An unknown VR.
    const badVr = Buffer.from(plain);
    const vrAt = plain.length - 76 - 34 + 4; // SOPClassUID's VR, before the 76-byte PixelData
    expect(plain.toString('latin1', vrAt, vrAt + 2)).toBe('UI');
    badVr.write('XX', vrAt, 'latin1');
    expect(scanDicomHead(badVr)).toBeUndefined();
    // Encapsulated (undefined-length) pixel data in a native syntax.
    const encapsulated = Buffer.from(plain);
    encapsulated.writeUInt32LE(UNDEFINED_LENGTH, plain.length - 64 - 4);
    expect(scanDicomHead(encapsulated)).toBeUndefined();
    // Tags out of order.
    const swapped = Buffer.concat([
      plain.subarray(0, plain.length - 76 - 34),
      Buffer.concat(encodeDataSet([el(0x0010, 0x0010, 'PN', 'A^B')])),
      Buffer.concat(encodeDataSet([el(0x0008, 0x0060, 'CS', 'MR')])),
      plain.subarray(plain.length - 76),
    ]);
    expect(scanDicomHead(swapped)).toBeUndefined();
    // A head that ends before the pixel data: a longer head may do.
    expect(scanDicomHead(slice().subarray(0, 600))).toBe('short');
    expect(parseDicomHead(slice().subarray(0, 600))).toBe('read-more');
  });

  it('never accepts a damaged head that dicom-parser reads differently (seeded mutations)', () => {
    let seed = 13;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let accepted = 0;
    for (const file of [slice(), implicitSlice()]) {
      const head = file.subarray(0, 4096);
      const end = (scanDicomHead(head) as HeadIndex).elements.at(-2) as number;
      for (let round = 0; round < 400; round++) {
        const m = Buffer.from(head);
        const flips = 1 + Math.floor(random() * 3);
        for (let f = 0; f < flips; f++) {
          const at = 132 + Math.floor(random() * (end - 132));
          m[at] =
            random() < 0.5 ? Math.floor(random() * 256) : m[at] ^ (1 << Math.floor(random() * 8));
        }
        const scan = scanDicomHead(m);
        if (typeof scan !== 'object') continue;
        accepted++;
        expect(scannerIndex(scan), `round ${round}`).toEqual(parserIndex(m));
      }
    }
    // Most single-byte damage lands in values, which both read alike.
    expect(accepted).toBeGreaterThan(200);
  });
});
