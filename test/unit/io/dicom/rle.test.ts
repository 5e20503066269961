/**
 * The RLE Lossless decoder (PS3.5 Annex G) on hand-made frames whose byte layout is spelled out,
 * plus its errors. Real RLE data is compared with dcmtk's dcmdrle in test/integration/dicom.
 */
import { describe, expect, it } from 'vitest';
import { decodeRleFrame } from '../../../../src-main/core/io/dicom/rle.ts';

/** A 64-byte RLE header listing segment offsets. */
function header(offsets: readonly number[]): Buffer {
  const h = Buffer.alloc(64);
  h.writeUInt32LE(offsets.length, 0);
  offsets.forEach((o, i) => h.writeUInt32LE(o, 4 + 4 * i));
  return h;
}

describe('decodeRleFrame', () => {
  it('decodes literal and replicate runs of an 8-bit frame', () => {
    // 2×3 pixels: literal run of 2 (control 1), then 4 × 0x07 (control −3 = 0xFD).
    const seg = Buffer.from([0x01, 0x0a, 0x0b, 0xfd, 0x07]);
    const frame = Buffer.concat([header([64]), seg]);
    const out = decodeRleFrame(frame, {
      Rows: 2,
      Columns: 3,
      BitsAllocated: 8,
      SamplesPerPixel: 1,
    });
    expect(Array.from(out)).toEqual([0x0a, 0x0b, 7, 7, 7, 7]);
  });

  it('puts the high-byte segment first and returns little-endian 16-bit samples', () => {
    // Values 0x0102, 0x0102, 0xff03: high bytes [01 01 ff], low bytes [02 02 03].
    const hi = Buffer.from([0x02, 0x01, 0x01, 0xff]); // literal run of 3
    const lo = Buffer.from([0xff, 0x02, 0x00, 0x03]); // 2 × 0x02, then literal 0x03
    const frame = Buffer.concat([header([64, 64 + hi.length]), hi, lo]);
    const out = decodeRleFrame(frame, {
      Rows: 1,
      Columns: 3,
      BitsAllocated: 16,
      SamplesPerPixel: 1,
    });
    expect(Array.from(new Int16Array(out.buffer, out.byteOffset, 3))).toEqual([
      0x0102, 0x0102, -253,
    ]);
  });

  it('rejects a wrong segment count and a segment that ends early', () => {
    const seg = Buffer.from([0x00, 0x05]);
    expect(() =>
      decodeRleFrame(Buffer.concat([header([64]), seg]), {
        Rows: 1,
        Columns: 1,
        BitsAllocated: 16,
        SamplesPerPixel: 1,
      }),
    ).toThrow(/1 segments, expected 2/);
    expect(() =>
      decodeRleFrame(Buffer.concat([header([64]), seg]), {
        Rows: 2,
        Columns: 2,
        BitsAllocated: 8,
        SamplesPerPixel: 1,
      }),
    ).toThrow(/ended after 1 of 4 bytes/);
  });
});
