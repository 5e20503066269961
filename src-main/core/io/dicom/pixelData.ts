/**
 * Reads one frame's stored pixel values from a DicomInstance as a typed array: a zero-copy view
 * for aligned native little-endian data, a byte-swapped copy for big endian, a decoded copy for
 * compressed syntaxes. Bits above BitsStored are masked or sign-extended. Errors name the file
 * and the transfer syntax.
 */
import type { VoxelArray } from '../../volume/Volume.ts';
import { ErrorCode, MetaKdError, isMetaKdError } from '../../errors.ts';
import type { DicomInstance, PixelFormat } from './readInstance.ts';
import { canDecode, decodeCompressedFrame } from './codecs.ts';
import { readPixelBytes } from './readDicomFile.ts';
import { Tag, TransferSyntax, describeTransferSyntax } from './tags.ts';

/** Native (uncompressed) syntaxes whose pixel data is plain little- or big-endian samples. */
const NATIVE_SYNTAXES = new Set<string>([
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
]);

/** JPEG start-of-image marker (ITU T.81 B.1.1.3), used to find frame starts without an offset table. */
const JPEG_SOI = [0xff, 0xd8] as const;

/** True when the transfer syntax stores pixel data uncompressed. */
export function isNativeSyntax(uid: string): boolean {
  return NATIVE_SYNTAXES.has(uid);
}

/** True when import can read pixel data in this syntax (native or a decoder exists). */
export function isSupportedSyntax(uid: string): boolean {
  return isNativeSyntax(uid) || canDecode(uid);
}

/** Typed view (or aligned copy) of little-endian sample bytes. */
function typedSamples(bytes: Uint8Array, fmt: PixelFormat, floatTag: boolean): VoxelArray {
  const bps = fmt.BitsAllocated / 8;
  const n = Math.floor(bytes.length / bps);
  // new Uint8Array(…) copies (Buffer#slice would not), giving an aligned buffer.
  const aligned = bytes.byteOffset % bps === 0 ? bytes : new Uint8Array(bytes);
  const { buffer, byteOffset } = aligned;
  const signed = fmt.PixelRepresentation === 1;
  switch (fmt.BitsAllocated) {
    case 8:
      return signed ? new Int8Array(buffer, byteOffset, n) : new Uint8Array(buffer, byteOffset, n);
    case 16:
      return signed
        ? new Int16Array(buffer, byteOffset, n)
        : new Uint16Array(buffer, byteOffset, n);
    case 32:
      if (floatTag) return new Float32Array(buffer, byteOffset, n);
      return signed
        ? new Int32Array(buffer, byteOffset, n)
        : new Uint32Array(buffer, byteOffset, n);
    case 64:
      return new Float64Array(buffer, byteOffset, n);
    default:
      throw new Error(`BitsAllocated ${fmt.BitsAllocated} is not supported`);
  }
}

/** Clears bits above BitsStored (unsigned) or sign-extends from BitsStored (signed), in place. */
function applyBitsStored(a: VoxelArray, fmt: PixelFormat): void {
  const spare = fmt.BitsAllocated - fmt.BitsStored;
  if (spare <= 0 || fmt.BitsAllocated > 32 || a instanceof Float32Array) return;
  const shift = 32 - fmt.BitsStored;
  if (fmt.PixelRepresentation === 1) {
    for (let i = 0; i < a.length; i++) a[i] = (a[i] << shift) >> shift;
  } else {
    for (let i = 0; i < a.length; i++) a[i] = (a[i] << shift) >>> shift;
  }
}

/** Bytes of frame `f` of an encapsulated pixel data element (PS3.5 §A.4). */
function encapsulatedFrameBytes(inst: DicomInstance, f: number): Uint8Array {
  const { bytes } = inst.parsed.dataSet;
  const { fragments, basicOffsetTable } = inst.pixelData;
  const frames = inst.pixelFormat.NumberOfFrames;
  const pick = (from: number, to: number): Uint8Array => {
    const parts = fragments.slice(from, to);
    if (parts.length === 1)
      return bytes.subarray(parts[0].offset, parts[0].offset + parts[0].length);
    return Buffer.concat(parts.map((p) => bytes.subarray(p.offset, p.offset + p.length)));
  };
  if (fragments.length === 0) throw new Error('encapsulated pixel data has no fragments');
  if (frames === 1) return pick(0, fragments.length);
  if (fragments.length === frames) return pick(f, f + 1);
  // Several fragments per frame: frame starts are the fragments that begin with a JPEG SOI (the
  // offset table may be empty, PS3.5 §A.4). RLE always has one fragment per frame.
  const starts = fragments.flatMap((p, i) =>
    bytes[p.offset] === JPEG_SOI[0] && bytes[p.offset + 1] === JPEG_SOI[1] ? [i] : [],
  );
  if (starts.length !== frames) {
    throw new Error(
      `cannot split ${fragments.length} fragments into ${frames} frames (offset table has ${basicOffsetTable.length} entries)`,
    );
  }
  return pick(starts[f], f + 1 < frames ? starts[f + 1] : fragments.length);
}

/** Byte size of one native frame. */
function nativeFrameLength(fmt: PixelFormat): number {
  return fmt.Rows * fmt.Columns * fmt.SamplesPerPixel * (fmt.BitsAllocated / 8);
}

/** Byte range of native frame `f`, checked against the data that is there. */
function nativeFrameRange(inst: DicomInstance, f: number): { start: number; length: number } {
  const fmt = inst.pixelFormat;
  const length = nativeFrameLength(fmt);
  const start = inst.pixelData.offset + f * length;
  const available = inst.pixelInFile?.fileSize ?? inst.parsed.dataSet.bytes.length;
  if (start + length > available || (f + 1) * length > inst.pixelData.length) {
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `pixel data is shorter than ${fmt.NumberOfFrames} frame(s) of ${fmt.Rows}×${fmt.Columns}×${fmt.BitsAllocated} bits; the file may be truncated.`,
      { file: inst.file },
    );
  }
  return { start, length };
}

/**
 * True when frame values can be read from the file straight into an Int16 volume: native little
 * endian, 16-bit signed, all bits stored, pixel data left on disk by readDicomFile.
 */
export function canReadInt16Direct(inst: DicomInstance): boolean {
  const fmt = inst.pixelFormat;
  return (
    inst.pixelInFile !== undefined &&
    inst.parsed.dataSet.littleEndian &&
    fmt.BitsAllocated === 16 &&
    fmt.BitsStored === 16 &&
    fmt.PixelRepresentation === 1 &&
    fmt.SamplesPerPixel === 1
  );
}

/** Where one frame's stored bytes sit in its file, and the file as import saw it. */
export interface FrameInFile {
  readonly file: string;
  /** File offset of the frame's first byte. */
  readonly start: number;
  readonly length: number;
  /** Size and modification time at import, to notice a file changed before its pixels are read. */
  readonly fileSize: number;
  readonly mtimeMs: number;
}

/**
 * Where frame `f` of a canReadInt16Direct instance sits in its file: checked now (the error
 * names the file during import), read later with readInt16FrameInto.
 */
export function int16FrameInFile(inst: DicomInstance, f: number): FrameInFile {
  const { start, length } = nativeFrameRange(inst, f);
  const { fileSize, mtimeMs } = inst.pixelInFile ?? { fileSize: 0, mtimeMs: 0 };
  return { file: inst.file, start, length, fileSize, mtimeMs };
}

/** Reads a frame located by int16FrameInFile into `target` (its bytes). */
export function readInt16FrameInto(frame: FrameInFile, target: Int16Array): void {
  const bytes = new Uint8Array(
    target.buffer,
    target.byteOffset,
    Math.min(frame.length, target.byteLength),
  );
  readPixelBytes(frame.file, frame.start, bytes.length, bytes, frame);
}

/** Native frame bytes, byte-swapped to little endian when the data set is big endian. */
function nativeFrameBytes(inst: DicomInstance, f: number): Uint8Array {
  const bps = inst.pixelFormat.BitsAllocated / 8;
  const { start, length } = nativeFrameRange(inst, f);
  const raw = inst.pixelInFile
    ? readPixelBytes(inst.file, start, length)
    : inst.parsed.dataSet.bytes.subarray(start, start + length);
  if (inst.parsed.dataSet.littleEndian || bps === 1) return raw;
  const swapped = Buffer.from(raw); // copy, then swap in place
  if (bps === 2) swapped.swap16();
  else if (bps === 4) swapped.swap32();
  else if (bps === 8) swapped.swap64();
  return swapped;
}

/**
 * Stored values of frame `f` (before rescale), samples interleaved. Throws
 * DicomUnsupportedTransferSyntax for syntaxes without a decoder, DicomInvalid for broken data.
 */
export async function readFrameSamples(inst: DicomInstance, f: number): Promise<VoxelArray> {
  const ts = inst.parsed.transferSyntaxUID;
  const fmt = inst.pixelFormat;
  const floatTag = inst.pixelData.tag === Tag.FloatPixelData;
  if (isNativeSyntax(ts) && !inst.pixelData.encapsulated) {
    try {
      const out = typedSamples(nativeFrameBytes(inst, f), fmt, floatTag);
      applyBitsStored(out, fmt);
      return out;
    } catch (e) {
      if (isMetaKdError(e)) throw e;
      // Any other failure is this file's alone: name it, so import can leave it out.
      throw new MetaKdError(
        ErrorCode.DicomInvalid,
        `could not read frame ${f + 1}: ${e instanceof Error ? e.message : String(e)}`,
        { file: inst.file, cause: e },
      );
    }
  }
  if (!canDecode(ts)) {
    throw new MetaKdError(
      ErrorCode.DicomUnsupportedTransferSyntax,
      `pixel data uses ${describeTransferSyntax(ts)}, which this app cannot decode. Convert the file to an uncompressed syntax (e.g. dcmdjpeg/gdcmconv --raw) and import again.`,
      { file: inst.file },
    );
  }
  try {
    const decoded = await decodeCompressedFrame(ts, encapsulatedFrameBytes(inst, f), fmt);
    const out = typedSamples(decoded, fmt, false);
    applyBitsStored(out, fmt);
    return out;
  } catch (e) {
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `could not decode frame ${f + 1} (${describeTransferSyntax(ts)}): ${e instanceof Error ? e.message : String(e)}`,
      { file: inst.file, cause: e },
    );
  }
}
