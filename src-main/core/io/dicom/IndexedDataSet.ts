/**
 * A DicomDataSet over the head index of headScanner.ts: values are decoded straight from the head
 * bytes by binary search over the element table. Sequence items, which the scanner only skips,
 * come from a dicom-parser parse of the same head made on first use (`parseItems`), so every
 * accessor answers exactly as the dicom-parser-backed data set would.
 */
import { DicomDataSet, type PixelDataElement } from './DicomDataSet.ts';
import type { HeadIndex } from './headScanner.ts';
import { Tag } from './tags.ts';

/**
 * A tag string (`x0008103e`) as a number, and where it was found last (its triplet index): the
 * files of a series share one layout, so the next file's element is usually at the same index,
 * and a lookup costs one comparison instead of a binary search (import asks each file for about
 * thirty tags, mostly while V8 still interprets the code; issue 13).
 */
interface TagLookup {
  readonly n: number;
  at: number;
}
const TAGS = new Map<string, TagLookup>();

function tagLookup(tag: string): TagLookup {
  let t = TAGS.get(tag);
  if (t === undefined) {
    t = { n: Number.parseInt(tag.slice(1), 16), at: 0 };
    TAGS.set(tag, t);
  }
  return t;
}

/** Bytes of a US and an FD value. */
const UINT16_BYTES = 2;
const FLOAT64_BYTES = 8;

/** The data set of a head the scanner read. */
export class IndexedDataSet extends DicomDataSet {
  readonly #bytes: Buffer;
  readonly #view: DataView;
  readonly #elements: Uint32Array;
  readonly #parseItems: () => DicomDataSet;
  #parsed: DicomDataSet | undefined;

  /**
   * @param bytes the head the index was made from
   * @param index the scanner's element table
   * @param parseItems parses the same head with dicom-parser (for sequence items)
   */
  constructor(bytes: Buffer, index: HeadIndex, parseItems: () => DicomDataSet) {
    super();
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#elements = index.elements;
    this.#parseItems = parseItems;
  }

  /** Index (in triplets) of the element with this tag, or -1. */
  #find(tag: string): number {
    const lookup = tagLookup(tag);
    const t = lookup.n;
    const e = this.#elements;
    if (e[3 * lookup.at] === t) return lookup.at;
    let lo = 0;
    let hi = e.length / 3 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = e[3 * mid];
      if (v === t) return (lookup.at = mid);
      if (v < t) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get bytes(): Uint8Array {
    return this.#bytes;
  }

  get valuesInHand(): boolean {
    return true; // the scanner checked that every element but PixelData lies inside the bytes
  }

  get littleEndian(): boolean {
    return true; // the scanner reads little-endian syntaxes only
  }

  has(tag: string): boolean {
    return this.#find(tag) >= 0;
  }

  protected raw(tag: string): string | undefined {
    const i = this.#find(tag);
    if (i < 0) return undefined;
    const offset = this.#elements[3 * i + 1];
    const end = offset + this.#elements[3 * i + 2];
    if (end === offset) return undefined;
    const b = this.#bytes;
    if (end > b.length) {
      throw new Error('dicomParser.readFixedString: attempt to read past end of buffer');
    }
    // Latin-1 up to the first NUL, as dicom-parser's readFixedString reads it.
    let stop = offset;
    while (stop < end && b[stop] !== 0) stop++;
    return b.toString('latin1', offset, stop);
  }

  string(tag: string, index?: number): string | undefined {
    const raw = this.raw(tag);
    if (raw === undefined) return undefined;
    // dicom-parser's DataSet.string: the index-th backslash-separated value, trimmed.
    const s = index !== undefined && index >= 0 ? raw.split('\\')[index].trim() : raw.trim();
    return s === '' ? undefined : s;
  }

  /** Reads a fixed-size number at `offset`, throwing like dicom-parser past the end. */
  #at(offset: number, size: number): number {
    if (offset + size > this.#bytes.length) {
      throw new Error('dicomParser: attempt to read past end of buffer');
    }
    return size === UINT16_BYTES
      ? this.#view.getUint16(offset, true)
      : this.#view.getFloat64(offset, true);
  }

  uint16(tag: string): number | undefined {
    const i = this.#find(tag);
    if (i < 0 || this.#elements[3 * i + 2] < UINT16_BYTES) return undefined;
    return this.#at(this.#elements[3 * i + 1], UINT16_BYTES);
  }

  double(tag: string, index?: number): number | undefined {
    const i = this.#find(tag);
    if (i < 0 || this.#elements[3 * i + 2] < FLOAT64_BYTES) return undefined;
    return this.#at(this.#elements[3 * i + 1] + (index ?? 0) * FLOAT64_BYTES, FLOAT64_BYTES);
  }

  items(tag: string): DicomDataSet[] {
    if (!this.has(tag)) return [];
    this.#parsed ??= this.#parseItems();
    return this.#parsed.items(tag);
  }

  pixelData(): PixelDataElement | undefined {
    const i = this.#find(Tag.PixelData);
    if (i < 0) return undefined;
    return {
      tag: Tag.PixelData,
      offset: this.#elements[3 * i + 1],
      length: this.#elements[3 * i + 2],
      encapsulated: false,
      fragments: [],
      basicOffsetTable: [],
    };
  }
}
