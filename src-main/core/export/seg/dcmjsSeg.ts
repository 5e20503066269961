/**
 * The one wrapper around dcmjs (untyped JavaScript) for the export code: read a Part 10 file into a
 * naturalized dataset, write a naturalized dataset as Part 10. `any` stops here (eslint allows it
 * in this file only); callers get `DicomDataset`, a plain keyword → value record.
 *
 * Why not dcmjs's `derivations.Segmentation`: it derives the SEG from a full "multiframe" copy of
 * the source images (pixel data included), writes one frame per source slice for every segment
 * (empty frames included), and does not fill SegmentAlgorithmName, ContentCreatorName or the
 * ReferencedSeriesSequence the way we need. We build the dataset ourselves (see buildSeg.ts) and use
 * only dcmjs's DicomMetaDictionary (naturalize/denaturalize) and DicomDict writer, which are solid.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
/** dcmjs's data namespace, loaded on first use: it takes ~0.2 s and most commands never need it. */
let dcmjsData: any;
const dcmjs = () => (dcmjsData ??= require('dcmjs').data);

/** A naturalized DICOM dataset: attribute keyword → value (sequences are arrays of datasets). */
export type DicomDataset = Record<string, unknown>;

/** Explicit VR Little Endian, the transfer syntax we write. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Our ImplementationClassUID (a 2.25 UUID-derived root, fixed for the app). */
export const IMPLEMENTATION_CLASS_UID = '2.25.208517283071659624513386398461283040627';
/** ImplementationVersionName (max 16 chars). */
export const IMPLEMENTATION_VERSION_NAME = 'METAKD_REVIEW_1';

const PIXEL_DATA_TAG = '7FE00010';

/** A new globally unique UID under the 2.25 (UUID) root (PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt('0x' + randomUUID().replace(/-/g, '')).toString(10)}`;
}

/** Options for reading a file. */
export interface ReadDicomOptions {
  /** Stop before the pixel data (fast header reads). Default false. */
  readonly headerOnly?: boolean;
}

/** The result of reading a Part 10 file. */
export interface ReadDicom {
  /** File meta information (group 0002), naturalized. */
  readonly meta: DicomDataset;
  /** The dataset, naturalized. PixelData (when read) is an array of ArrayBuffers. */
  readonly dataset: DicomDataset;
}

/** Parses a Part 10 buffer. Throws dcmjs's error for non-DICOM input (callers wrap it). */
export function parseDicom(buffer: Uint8Array, options: ReadDicomOptions = {}): ReadDicom {
  const ab = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const dict = dcmjs().DicomMessage.readFile(ab, {
    ignoreErrors: true,
    untilTag: options.headerOnly ? PIXEL_DATA_TAG : undefined,
    includeUntilTagValue: false,
  });
  return {
    meta: dcmjs().DicomMetaDictionary.naturalizeDataset(dict.meta) as DicomDataset,
    dataset: dcmjs().DicomMetaDictionary.naturalizeDataset(dict.dict) as DicomDataset,
  };
}

/** Reads and parses a Part 10 file. */
export function readDicomFile(file: string, options: ReadDicomOptions = {}): ReadDicom {
  return parseDicom(readFileSync(file), options);
}

/**
 * Serialises a naturalized dataset as a Part 10 file in Explicit VR Little Endian.
 * `vrMap` forces VRs that the dictionary leaves ambiguous (e.g. PixelData OB for 1-bit data).
 */
export function writeDicomPart10(
  dataset: DicomDataset,
  vrMap: Record<string, string> = {},
): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  const dicomDict = new (dcmjs().DicomDict)(dcmjs().DicomMetaDictionary.denaturalizeDataset(meta));
  dicomDict.dict = dcmjs().DicomMetaDictionary.denaturalizeDataset({ ...dataset, _vrMap: vrMap });
  const ab: ArrayBuffer = dicomDict.write({ allowInvalidVRLength: false });
  return Buffer.from(ab);
}

/** Concatenates the PixelData fragments dcmjs returns into one byte view. */
export function pixelDataBytes(dataset: DicomDataset): Uint8Array | undefined {
  const pd: any = dataset.PixelData;
  if (pd === undefined || pd === null) return undefined;
  const parts: ArrayBuffer[] = Array.isArray(pd) ? pd : [pd];
  if (parts.length === 1) return new Uint8Array(parts[0]);
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}
