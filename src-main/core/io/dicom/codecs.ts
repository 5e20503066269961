/**
 * Decoders for compressed (encapsulated) pixel data: JPEG baseline/extended (libjpeg-turbo WASM),
 * JPEG lossless (jpeg-lossless-decoder-js), JPEG-LS (CharLS WASM), JPEG 2000 / HTJ2K (OpenJPEG
 * WASM) and RLE (our own decoder). The codec packages are untyped CommonJS/emscripten modules: they
 * are loaded once, lazily, through createRequire and described by the small interfaces below, so
 * no `any` leaves this file. Each decoder returns the frame's samples as little-endian bytes.
 */
import { createRequire } from 'node:module';
import { decodeRleFrame } from './rle.ts';
import { frameHeaderProblem } from './frameHeader.ts';
import { TransferSyntax } from './tags.ts';

const require = createRequire(import.meta.url);

/** What every emscripten decoder of the cornerstone codec packages offers. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

/** The emscripten module of one codec package, after initialisation. */
type WasmModule = Readonly<Record<string, (new () => WasmDecoder) | undefined>>;

/** Module options emscripten factories accept. */
interface EmscriptenOptions {
  print(text: string): void;
  printErr(text: string): void;
}

/** jpeg-lossless-decoder-js's Decoder. */
interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): ArrayBufferView;
}

/** Frame shape the decoders need. */
export interface CodecFrameFormat {
  readonly Rows: number;
  readonly Columns: number;
  readonly BitsAllocated: number;
  readonly SamplesPerPixel: number;
}

/** Loaded emscripten modules by package sub-path (each initialised once). */
const wasmModules = new Map<string, Promise<WasmModule>>();

function loadWasm(specifier: string): Promise<WasmModule> {
  let mod = wasmModules.get(specifier);
  if (!mod) {
    const factory = require(specifier) as (opts: EmscriptenOptions) => Promise<WasmModule>;
    // The codecs print progress to stdout (OpenJPEG "[INFO] …"); keep it out of CLI output.
    mod = factory({ print: () => {}, printErr: () => {} });
    wasmModules.set(specifier, mod);
  }
  return mod;
}

/** Runs one emscripten decoder over `frame` and copies the samples out of WASM memory. */
async function decodeWasm(
  specifier: string,
  className: string,
  frame: Uint8Array,
): Promise<Uint8Array> {
  const mod = await loadWasm(specifier);
  const Decoder = mod[className];
  if (!Decoder) throw new Error(`${specifier} has no ${className}`);
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    // Copy: the decoded buffer lives in WASM memory that delete() frees.
    return decoder.getDecodedBuffer().slice();
  } finally {
    decoder.delete();
  }
}

function decodeJpegLossless(frame: Uint8Array, fmt: CodecFrameFormat): Uint8Array {
  const lib = require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
  // A fresh buffer: the decoder takes a whole ArrayBuffer, and `frame` may be a Buffer view into a
  // larger pool (Buffer#slice would not copy).
  const copy = new Uint8Array(frame);
  const out = new lib.Decoder().decode(copy.buffer, 0, copy.length, fmt.BitsAllocated / 8);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** True when `uid` is a compressed syntax this module can decode. */
export function canDecode(uid: string): boolean {
  return DECODERS[uid] !== undefined;
}

type FrameDecoder = (frame: Uint8Array, fmt: CodecFrameFormat) => Promise<Uint8Array>;

const jpegBaseline: FrameDecoder = (f) =>
  decodeWasm('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', f);
const jpegLs: FrameDecoder = (f) =>
  decodeWasm('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', f);
const jpeg2000: FrameDecoder = (f) =>
  decodeWasm('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', f);
const jpegLossless: FrameDecoder = async (f, fmt) => decodeJpegLossless(f, fmt);
const rle: FrameDecoder = async (f, fmt) => decodeRleFrame(f, fmt);

/** Decoder per transfer syntax UID. */
const DECODERS: Readonly<Record<string, FrameDecoder>> = {
  [TransferSyntax.JPEGBaseline8Bit]: jpegBaseline,
  [TransferSyntax.JPEGLosslessP14]: jpegLossless,
  [TransferSyntax.JPEGLosslessSV1]: jpegLossless,
  [TransferSyntax.JPEGLSLossless]: jpegLs,
  [TransferSyntax.JPEGLSNearLossless]: jpegLs,
  [TransferSyntax.JPEG2000Lossless]: jpeg2000,
  [TransferSyntax.JPEG2000]: jpeg2000,
  [TransferSyntax.HTJ2KLossless]: jpeg2000,
  [TransferSyntax.HTJ2KLosslessRPCL]: jpeg2000,
  [TransferSyntax.HTJ2K]: jpeg2000,
  [TransferSyntax.RLELossless]: rle,
};

/**
 * Decodes one compressed frame to little-endian sample bytes. Throws a plain Error with the
 * codec's reason; the caller wraps it into a MetaKdError naming the file and the syntax.
 */
export async function decodeCompressedFrame(
  transferSyntaxUID: string,
  frame: Uint8Array,
  fmt: CodecFrameFormat,
): Promise<Uint8Array> {
  const decoder = DECODERS[transferSyntaxUID];
  if (!decoder) throw new Error(`no decoder for transfer syntax ${transferSyntaxUID}`);
  // The codecs trust their input: refuse a frame whose own header disagrees with the data set.
  const problem = frameHeaderProblem(transferSyntaxUID, frame, fmt.Rows, fmt.Columns);
  if (problem) throw new Error(problem);
  const out = await decoder(frame, fmt);
  const expected = fmt.Rows * fmt.Columns * fmt.SamplesPerPixel * (fmt.BitsAllocated / 8);
  if (out.length < expected) {
    throw new Error(`decoded ${out.length} bytes, expected ${expected}`);
  }
  return out.length === expected ? out : out.subarray(0, expected);
}
