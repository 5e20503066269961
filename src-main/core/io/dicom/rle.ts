/**
 * DICOM RLE Lossless decoder (PS3.5 Annex G). Pure function. The codec packages we use do not
 * cover RLE, and the format is small: a 64-byte header with the segment count and up to 15
 * segment offsets, then one PackBits-coded segment per byte plane (most significant byte first)
 * per sample.
 */

/** Size of the RLE header: 16 little-endian uint32 values (PS3.5 §G.5). */
const RLE_HEADER_BYTES = 64;
/** Most segments the header can list. */
const MAX_SEGMENTS = 15;
/** PackBits control byte that means "no operation" (PS3.5 §G.3.1). */
const PACKBITS_NOOP = -128;

/** Decodes one PackBits segment into `out` (bytes at `out[start + n·stride]`). */
function decodeSegment(
  src: Uint8Array,
  out: Uint8Array,
  opts: { start: number; stride: number; count: number },
): void {
  let pos = 0;
  let n = 0;
  const { start, stride, count } = opts;
  while (pos < src.length && n < count) {
    const control = (src[pos++] << 24) >> 24; // as signed byte
    if (control >= 0) {
      const len = Math.min(control + 1, count - n, src.length - pos);
      for (let i = 0; i < len; i++) out[start + n++ * stride] = src[pos++];
    } else if (control !== PACKBITS_NOOP) {
      const len = Math.min(-control + 1, count - n);
      const value = src[pos++];
      for (let i = 0; i < len; i++) out[start + n++ * stride] = value;
    }
  }
  if (n < count) throw new Error(`RLE segment ended after ${n} of ${count} bytes`);
}

/** Shape of the decoded frame. */
export interface RleFrameFormat {
  readonly Rows: number;
  readonly Columns: number;
  readonly BitsAllocated: number;
  readonly SamplesPerPixel: number;
}

/**
 * Decodes one RLE-compressed frame to native little-endian bytes (samples interleaved, as in
 * PlanarConfiguration 0). Throws an Error with the reason when the frame is malformed.
 */
export function decodeRleFrame(frame: Uint8Array, fmt: RleFrameFormat): Uint8Array {
  if (frame.length < RLE_HEADER_BYTES) throw new Error('RLE frame shorter than its header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = fmt.BitsAllocated / 8;
  const expected = bytesPerSample * fmt.SamplesPerPixel;
  if (segments !== expected || segments > MAX_SEGMENTS) {
    throw new Error(`RLE header lists ${segments} segments, expected ${expected}`);
  }
  const pixels = fmt.Rows * fmt.Columns;
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const begin = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (begin < RLE_HEADER_BYTES || end > frame.length || end < begin) {
      throw new Error(`RLE segment ${s} offsets ${begin}..${end} are outside the frame`);
    }
    const sample = Math.floor(s / bytesPerSample);
    // Segments run most-significant byte first; little-endian output puts that byte last.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    decodeSegment(frame.subarray(begin, end), out, {
      start: sample * bytesPerSample + byteInSample,
      stride: expected,
      count: pixels,
    });
  }
  return out;
}
