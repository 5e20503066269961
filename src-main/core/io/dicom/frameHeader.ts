/**
 * Checks a compressed frame's own header against the DICOM header before a codec sees it: the
 * JPEG / JPEG-LS start-of-frame or the JPEG 2000 SIZ marker must be of the family the transfer
 * syntax names and give the same width and height as Rows and Columns. The WASM codecs trust
 * their input: CharLS spent a minute on a JPEG-lossless stream labelled JPEG-LS (found by the
 * fuzzer, issue 12), and a damaged size field makes a decoder allocate what it says. dcmtk refuses
 * such a frame the same way (its codecs compare the frame header with the data set). Pure.
 */
import { TransferSyntax } from './tags.ts';

/** What a frame header says. */
interface FrameSize {
  readonly family: 'jpeg' | 'jpeg-ls' | 'j2k';
  readonly width: number;
  readonly height: number;
}

/** JPEG markers (ITU T.81 Table B.1; JPEG-LS SOF55 from ITU T.87). */
const MARKER = {
  SOI: 0xd8,
  EOI: 0xd9,
  SOS: 0xda,
  SOF55: 0xf7,
  DHT: 0xc4,
  JPG: 0xc8,
  DAC: 0xcc,
  RST0: 0xd0,
  RST7: 0xd7,
  TEM: 0x01,
} as const;
/** JPEG 2000 start of codestream and image-size markers (ITU T.800 A.4.1, A.5.1). */
const J2K_SOC = 0x4f;
const J2K_SIZ = 0x51;
/** JP2 file signature box length + type ("jP  "), for frames wrapped in a JP2 container. */
const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20] as const;

/** Family of codec each compressed syntax needs (RLE has no such header). */
const FAMILY: Readonly<Record<string, FrameSize['family']>> = {
  [TransferSyntax.JPEGBaseline8Bit]: 'jpeg',
  [TransferSyntax.JPEGExtended12Bit]: 'jpeg',
  [TransferSyntax.JPEGLosslessP14]: 'jpeg',
  [TransferSyntax.JPEGLosslessSV1]: 'jpeg',
  [TransferSyntax.JPEGLSLossless]: 'jpeg-ls',
  [TransferSyntax.JPEGLSNearLossless]: 'jpeg-ls',
  [TransferSyntax.JPEG2000Lossless]: 'j2k',
  [TransferSyntax.JPEG2000]: 'j2k',
  [TransferSyntax.HTJ2KLossless]: 'j2k',
  [TransferSyntax.HTJ2KLosslessRPCL]: 'j2k',
  [TransferSyntax.HTJ2K]: 'j2k',
};

/** True for a JPEG SOFn marker (C0–CF except DHT, JPG and DAC). */
function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== MARKER.DHT && m !== MARKER.JPG && m !== MARKER.DAC;
}

/** Reads the size from a JPEG / JPEG-LS stream's first SOF segment. */
function jpegSize(b: Uint8Array): FrameSize | string {
  if (b[0] !== 0xff || b[1] !== MARKER.SOI) return 'it does not start with a JPEG SOI marker';
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return `no JPEG marker at byte ${p}`;
    const m = b[p + 1];
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === MARKER.SOS || m === MARKER.EOI) return 'no start-of-frame before the scan';
    if (m === MARKER.TEM || (m >= MARKER.RST0 && m <= MARKER.RST7)) {
      p += 2;
      continue;
    }
    const length = (b[p + 2] << 8) | b[p + 3];
    if (isSof(m) || m === MARKER.SOF55) {
      if (p + 9 > b.length) break;
      return {
        family: m === MARKER.SOF55 ? 'jpeg-ls' : 'jpeg',
        height: (b[p + 5] << 8) | b[p + 6],
        width: (b[p + 7] << 8) | b[p + 8],
      };
    }
    if (length < 2) return `a JPEG segment at byte ${p} has length ${length}`;
    p += 2 + length;
  }
  return 'the JPEG stream ends before its start-of-frame';
}

/** Reads the size from a JPEG 2000 codestream's SIZ segment (after an optional JP2 wrapper). */
function j2kSize(b: Uint8Array): FrameSize | string {
  let p = 0;
  if (JP2_SIGNATURE.every((v, i) => b[i] === v)) {
    // A JP2 file: find the codestream box ("jp2c") and read the codestream inside it.
    const at = Buffer.from(b.buffer, b.byteOffset, b.length).indexOf('jp2c', 0, 'latin1');
    if (at < 0) return 'a JP2 frame without a codestream box';
    p = at + 4;
  }
  if (b[p] !== 0xff || b[p + 1] !== J2K_SOC || b[p + 2] !== 0xff || b[p + 3] !== J2K_SIZ) {
    return 'it does not start with a JPEG 2000 SOC + SIZ marker';
  }
  if (p + 24 > b.length) return 'the JPEG 2000 SIZ segment is cut short';
  const view = new DataView(b.buffer, b.byteOffset + p, 24);
  const xsiz = view.getUint32(8);
  const ysiz = view.getUint32(12);
  const xosiz = view.getUint32(16);
  const yosiz = view.getUint32(20);
  return { family: 'j2k', width: xsiz - xosiz, height: ysiz - yosiz };
}

/**
 * How far from the end of a fragment the end marker may sit: encoders pad fragments to even
 * length and some leave a few bytes after it (the shared JPEG baseline sample has 6).
 */
const EOI_SEARCH_BYTES = 64;

/**
 * True when the stream's end marker, EOI (JPEG, JPEG-LS) or EOC (JPEG 2000), both FF D9, is in
 * its last bytes. Entropy-coded data never holds FF D9 (JPEG stuffs FF 00, JPEG-LS and JPEG 2000
 * forbid FF followed by a byte above 0x8F), so finding it there means the stream is complete.
 */
function endsWithEoi(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(0, b.length - EOI_SEARCH_BYTES); i--) {
    if (b[i] === 0xff && b[i + 1] === MARKER.EOI) return true;
  }
  return false;
}

/**
 * Why the frame cannot be what the data set says, or undefined when its header agrees.
 * @param transferSyntaxUID the file's syntax
 * @param frame the compressed bytes of one frame
 * @param rows Rows of the data set
 * @param columns Columns of the data set
 */
export function frameHeaderProblem(
  transferSyntaxUID: string,
  frame: Uint8Array,
  rows: number,
  columns: number,
): string | undefined {
  const family = FAMILY[transferSyntaxUID];
  if (!family) return undefined;
  if (!endsWithEoi(frame)) {
    // A cut stream: the codecs then read on and on (CharLS took 70 s on one), so refuse it.
    return 'the frame is truncated (its stream has no end-of-image marker)';
  }
  const size = family === 'j2k' ? j2kSize(frame) : jpegSize(frame);
  if (typeof size === 'string') return `the frame is not a valid ${family} stream: ${size}`;
  if (size.family !== family) {
    return `the frame holds a ${size.family} stream but the transfer syntax says ${family}`;
  }
  // A JPEG height of 0 is legal (the DNL segment gives it later, ITU T.81 B.2.5): width only.
  const heightKnown = !(family === 'jpeg' && size.height === 0);
  if (size.width !== columns || (heightKnown && size.height !== rows)) {
    return `the frame is ${size.width}×${size.height} but Columns×Rows is ${columns}×${rows}`;
  }
  return undefined;
}
