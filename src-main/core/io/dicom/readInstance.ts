/**
 * Turns a parsed DICOM data set into a DicomInstance: the identifying UIDs, the pixel format, one
 * FrameInfo per frame (position, orientation, spacing, rescale, echo) and the series header facts
 * that sequence detection needs. Handles single-frame images, legacy multi-frame images and
 * enhanced multi-frame MR (Shared/PerFrameFunctionalGroupsSequence). Pure functions.
 * Patient name, ID and birth date are never read.
 */
import type { Vec3 } from '../../volume/Geometry.ts';
import type { SeriesInfo } from '../../study/types.ts';
import type { DicomDataSet, ParsedDicom, PixelDataElement } from './dicomParserAdapter.ts';
import { Tag } from './tags.ts';
import { ErrorCode, MetaKdError } from '../../errors.ts';

/** MediaStorageSOPClassUID of a DICOMDIR (PS3.4 Annex F). */
export const MEDIA_STORAGE_DIRECTORY_SOP_CLASS = '1.2.840.10008.1.3.10';
/** Segmentation Storage (PS3.4 B.5): a labelmap, not an image series to import as one. */
export const SEGMENTATION_STORAGE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
/** Label Map Segmentation Storage (Sup 243): 8/16-bit, but a labelmap all the same. */
const LABEL_MAP_SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.7';
/** SOP classes that hold segmentations, which import skips (readSeg reads them). */
const SEGMENTATION_SOP_CLASSES = new Set([
  SEGMENTATION_STORAGE_SOP_CLASS,
  LABEL_MAP_SEGMENTATION_SOP_CLASS,
]);
/**
 * BitsAllocated values whose samples map onto a typed array. Anything else (the retired packed
 * 12-bit encoding, or a damaged value) cannot be read, and says so naming the file.
 */
const READABLE_BITS_ALLOCATED = new Set([8, 16, 32, 64]);

/** How the stored pixel values are laid out. */
export interface PixelFormat {
  readonly Rows: number;
  readonly Columns: number;
  readonly BitsAllocated: number;
  readonly BitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  readonly PixelRepresentation: number;
  readonly SamplesPerPixel: number;
  readonly PhotometricInterpretation: string;
  readonly NumberOfFrames: number;
}

/** Per-frame facts that decide where a frame sits and how its values scale. */
export interface FrameInfo {
  /** Index of the frame inside its file. */
  readonly frameIndex: number;
  readonly ImagePositionPatient?: Vec3;
  /** Row (i) direction cosines then column (j) direction cosines. */
  readonly ImageOrientationPatient?: readonly [number, number, number, number, number, number];
  /** [row spacing (between rows, along j), column spacing (between columns, along i)] in mm. */
  readonly PixelSpacing?: readonly [number, number];
  readonly SliceThickness?: number;
  readonly RescaleSlope: number;
  readonly RescaleIntercept: number;
  readonly EchoTime?: number;
  readonly EchoNumbers?: number;
}

/** Series-level header facts (a subset of SeriesInfo; filled from the first instance). */
export type SeriesHeader = Partial<
  Pick<
    SeriesInfo,
    | 'SeriesDescription'
    | 'ProtocolName'
    | 'SeriesNumber'
    | 'Modality'
    | 'ScanningSequence'
    | 'SequenceVariant'
    | 'SequenceName'
    | 'RepetitionTime'
    | 'EchoTime'
    | 'InversionTime'
    | 'FlipAngle'
    | 'MRAcquisitionType'
    | 'ContrastBolusAgent'
    | 'ImageType'
    | 'SeriesTime'
    | 'AcquisitionTime'
    | 'SeriesDate'
    | 'EchoNumbers'
    | 'Manufacturer'
    | 'FrameOfReferenceUID'
  >
>;

/** Study-level facts (nothing that identifies the patient). */
export interface StudyHeader {
  readonly StudyInstanceUID: string;
  readonly StudyDescription?: string;
  readonly StudyDate?: string;
  readonly StudyTime?: string;
}

/** One DICOM file with pixel data, ready for grouping. */
export interface DicomInstance {
  readonly file: string;
  readonly parsed: ParsedDicom;
  /** What the study is (the same as `study.StudyInstanceUID`). */
  readonly StudyInstanceUID: string;
  readonly study: StudyHeader;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly SOPClassUID: string;
  readonly InstanceNumber?: number;
  readonly SpacingBetweenSlices?: number;
  readonly pixelFormat: PixelFormat;
  /** Where the pixel data sits: offsets into `parsed.dataSet.bytes`, or into the file itself. */
  readonly pixelData: PixelDataElement;
  /**
   * Set when only the head of the file was read: `pixelData` offsets are file offsets and the
   * pixel values are read from the file when the volume is built (no copy of the whole file).
   */
  readonly pixelInFile?: { readonly fileSize: number; readonly mtimeMs: number };
  readonly frames: readonly FrameInfo[];
  readonly header: SeriesHeader;
}

/** Why a parsed file is not an image import can use (the caller records it as skipped). */
export interface NotAnImage {
  readonly skipReason: string;
}

/** A UID made up when a file lacks one, so grouping still works (kept per file). */
function fallbackUid(kind: string, file: string): string {
  return `missing-${kind}:${file}`;
}

function vec3(v: readonly number[] | undefined): Vec3 | undefined {
  return v && v.length >= 3 ? [v[0], v[1], v[2]] : undefined;
}

function orientation(v: readonly number[] | undefined): FrameInfo['ImageOrientationPatient'] {
  return v && v.length >= 6 ? [v[0], v[1], v[2], v[3], v[4], v[5]] : undefined;
}

function spacing2(v: readonly number[] | undefined): FrameInfo['PixelSpacing'] {
  return v && v.length >= 2 && v[0] > 0 && v[1] > 0 ? [v[0], v[1]] : undefined;
}

/** Partial frame facts from one functional-group item (or from the top-level data set). */
type FramePart = { -readonly [K in keyof FrameInfo]?: FrameInfo[K] };

/** Frame facts carried directly by a (top-level) data set. */
function topLevelFrame(ds: DicomDataSet): FramePart {
  return {
    ImagePositionPatient: vec3(ds.numberStrings(Tag.ImagePositionPatient)),
    ImageOrientationPatient: orientation(ds.numberStrings(Tag.ImageOrientationPatient)),
    PixelSpacing: spacing2(ds.numberStrings(Tag.PixelSpacing)),
    SliceThickness: ds.numberString(Tag.SliceThickness),
    RescaleSlope: ds.numberString(Tag.RescaleSlope),
    RescaleIntercept: ds.numberString(Tag.RescaleIntercept),
    EchoTime: ds.numberString(Tag.EchoTime),
    EchoNumbers: ds.numberString(Tag.EchoNumbers),
  };
}

/** Frame facts from a functional-groups item (PS3.3 C.7.6.16). */
function functionalGroupFrame(item: DicomDataSet): FramePart {
  const out: FramePart = {};
  const pos = item.items(Tag.PlanePositionSequence)[0];
  if (pos) out.ImagePositionPatient = vec3(pos.numberStrings(Tag.ImagePositionPatient));
  const ori = item.items(Tag.PlaneOrientationSequence)[0];
  if (ori)
    out.ImageOrientationPatient = orientation(ori.numberStrings(Tag.ImageOrientationPatient));
  const meas = item.items(Tag.PixelMeasuresSequence)[0];
  if (meas) {
    out.PixelSpacing = spacing2(meas.numberStrings(Tag.PixelSpacing));
    out.SliceThickness = meas.numberString(Tag.SliceThickness);
  }
  const pvt = item.items(Tag.PixelValueTransformationSequence)[0];
  if (pvt) {
    out.RescaleSlope = pvt.numberString(Tag.RescaleSlope);
    out.RescaleIntercept = pvt.numberString(Tag.RescaleIntercept);
  }
  const echo = item.items(Tag.MREchoSequence)[0];
  if (echo) out.EchoTime = echo.double(Tag.EffectiveEchoTime);
  return out;
}

/** Copies the values `part` defines onto `m`. */
function assignDefined(m: FramePart, part: FramePart): void {
  // for…in over these plain objects, not Object.entries: no array of pairs per part and frame.
  for (const k in part) {
    const v = part[k as keyof FramePart];
    if (v !== undefined) (m as Record<string, unknown>)[k] = v;
  }
}

/** Merges frame parts, later parts winning where they define a value. */
function mergeFrame(
  frameIndex: number,
  top: FramePart,
  shared: FramePart,
  own: FramePart,
): FrameInfo {
  // Three fixed parameters, not a rest array: import builds one frame per file, mostly while V8
  // still interprets the code, and iterating the array allocated per frame (issue 13).
  const m: FramePart = {};
  assignDefined(m, top);
  assignDefined(m, shared);
  assignDefined(m, own);
  m.frameIndex = frameIndex;
  m.RescaleSlope ??= 1;
  m.RescaleIntercept ??= 0;
  return m as FrameInfo;
}

/** One FrameInfo per frame, from functional groups when present, else from the top level. */
function readFrames(ds: DicomDataSet, numberOfFrames: number): FrameInfo[] {
  const top = topLevelFrame(ds);
  const shared = ds.items(Tag.SharedFunctionalGroupsSequence)[0];
  const perFrame = ds.items(Tag.PerFrameFunctionalGroupsSequence);
  const sharedPart = shared ? functionalGroupFrame(shared) : {};
  const frames: FrameInfo[] = [];
  for (let f = 0; f < numberOfFrames; f++) {
    const own = perFrame[f] ? functionalGroupFrame(perFrame[f]) : {};
    frames.push(mergeFrame(f, top, sharedPart, own));
  }
  return frames;
}

/** Joins a multi-valued string with the DICOM separator. */
function joined(ds: DicomDataSet, tag: string): string | undefined {
  return ds.strings(tag)?.join('\\') || undefined;
}

/** Enhanced MR keeps TR and TI in functional groups; look there when the top level lacks them. */
function enhancedTiming(ds: DicomDataSet): { tr?: number; ti?: number; te?: number } {
  const groups = [
    ...ds.items(Tag.SharedFunctionalGroupsSequence),
    ...ds.items(Tag.PerFrameFunctionalGroupsSequence).slice(0, 1),
  ];
  let tr: number | undefined;
  let ti: number | undefined;
  let te: number | undefined;
  for (const g of groups) {
    const timing = g.items(Tag.MRTimingAndRelatedParametersSequence)[0];
    tr ??= timing?.numberString(Tag.RepetitionTime);
    const mod = g.items(Tag.MRModifierSequence)[0];
    ti ??= mod?.double(Tag.InversionTimes);
    te ??= g.items(Tag.MREchoSequence)[0]?.double(Tag.EffectiveEchoTime);
  }
  return { tr, ti, te };
}

/**
 * Values scanners write into ContrastBolusAgent to say "no contrast" (the GE FLAIR sample has
 * "NONE"); reporting them as an agent would make a pre-contrast series look post-contrast.
 */
const NO_CONTRAST_VALUES = new Set(['NONE', 'NO', 'N/A', 'NA', '0', '-', 'NIL', 'WITHOUT']);

/** Contrast agent: ContrastBolusAgent, else the first ContrastBolusAgentSequence item's meaning. */
function contrastAgent(ds: DicomDataSet): string | undefined {
  const direct = ds.string(Tag.ContrastBolusAgent);
  if (direct) return NO_CONTRAST_VALUES.has(direct.trim().toUpperCase()) ? undefined : direct;
  const item = ds.items(Tag.ContrastBolusAgentSequence)[0];
  // CodeMeaning (0008,0104) names the agent in the code sequence.
  return item?.string('x00080104') ?? (item ? 'contrast agent (coded)' : undefined);
}

/** Series header facts of one data set. */
function readSeriesHeader(ds: DicomDataSet, frames: readonly FrameInfo[]): SeriesHeader {
  const timing = enhancedTiming(ds);
  return {
    SeriesDescription: ds.string(Tag.SeriesDescription),
    ProtocolName: ds.string(Tag.ProtocolName),
    SeriesNumber: ds.numberString(Tag.SeriesNumber),
    Modality: ds.string(Tag.Modality),
    ScanningSequence: joined(ds, Tag.ScanningSequence),
    SequenceVariant: joined(ds, Tag.SequenceVariant),
    SequenceName: ds.string(Tag.SequenceName) ?? ds.string(Tag.PulseSequenceName),
    RepetitionTime: ds.numberString(Tag.RepetitionTime) ?? timing.tr,
    EchoTime: ds.numberString(Tag.EchoTime) ?? timing.te ?? frames[0]?.EchoTime,
    InversionTime: ds.numberString(Tag.InversionTime) ?? timing.ti,
    FlipAngle: ds.numberString(Tag.FlipAngle),
    MRAcquisitionType: ds.string(Tag.MRAcquisitionType),
    ContrastBolusAgent: contrastAgent(ds),
    ImageType: ds.strings(Tag.ImageType),
    SeriesTime: ds.string(Tag.SeriesTime),
    AcquisitionTime: ds.string(Tag.AcquisitionTime),
    SeriesDate: ds.string(Tag.SeriesDate),
    EchoNumbers: ds.numberString(Tag.EchoNumbers),
    Manufacturer: ds.string(Tag.Manufacturer),
    FrameOfReferenceUID: ds.string(Tag.FrameOfReferenceUID),
  };
}

/** Sequences whose items readSeriesHeader reads (dicom-parser parses those, and may throw). */
const HEADER_SEQUENCES = [
  Tag.SharedFunctionalGroupsSequence,
  Tag.PerFrameFunctionalGroupsSequence,
  Tag.ContrastBolusAgentSequence,
] as const;

/** True when readSeriesHeader cannot throw on `ds`, so it may run later. */
function headerMayWait(ds: DicomDataSet): boolean {
  return ds.valuesInHand && !HEADER_SEQUENCES.some((t) => ds.has(t));
}

/** Reads the pixel format; BitsStored defaults to BitsAllocated. */
function readPixelFormat(ds: DicomDataSet): PixelFormat | undefined {
  const Rows = ds.uint16(Tag.Rows);
  const Columns = ds.uint16(Tag.Columns);
  const BitsAllocated = ds.uint16(Tag.BitsAllocated);
  if (!Rows || !Columns || !BitsAllocated) return undefined;
  return {
    Rows,
    Columns,
    BitsAllocated,
    BitsStored: ds.uint16(Tag.BitsStored) ?? BitsAllocated,
    PixelRepresentation: ds.uint16(Tag.PixelRepresentation) ?? 0,
    SamplesPerPixel: ds.uint16(Tag.SamplesPerPixel) ?? 1,
    PhotometricInterpretation: ds.string(Tag.PhotometricInterpretation) ?? 'MONOCHROME2',
    NumberOfFrames: Math.max(1, ds.numberString(Tag.NumberOfFrames) ?? 1),
  };
}

/**
 * Refuses a pixel format no reader can honour, before any pixel is touched, so the file is
 * reported by name instead of failing its series later.
 * @throws MetaKdError DicomInvalid naming the file
 */
function checkPixelFormat(fmt: PixelFormat, pixels: PixelDataElement, file: string): void {
  const frameBytes = fmt.Rows * fmt.Columns * fmt.SamplesPerPixel * (fmt.BitsAllocated / 8);
  const problem = !READABLE_BITS_ALLOCATED.has(fmt.BitsAllocated)
    ? `BitsAllocated ${fmt.BitsAllocated} is not supported (only 8, 16, 32 or 64 bits per sample can be read)`
    : fmt.BitsStored < 1 || fmt.BitsStored > fmt.BitsAllocated
      ? `BitsStored ${fmt.BitsStored} does not fit BitsAllocated ${fmt.BitsAllocated}`
      : // Checked here so a damaged NumberOfFrames never makes us loop over frames that are not there.
        !pixels.encapsulated && fmt.NumberOfFrames * frameBytes > pixels.length
        ? `the pixel data holds ${pixels.length} bytes, fewer than NumberOfFrames ${fmt.NumberOfFrames} × ${frameBytes} bytes; the file is truncated or its header is wrong`
        : pixels.encapsulated && fmt.NumberOfFrames > Math.max(1, pixels.fragments.length)
          ? `NumberOfFrames ${fmt.NumberOfFrames} is more than the ${pixels.fragments.length} compressed fragments present`
          : undefined;
  if (problem) throw new MetaKdError(ErrorCode.DicomInvalid, `${problem}.`, { file });
}

/**
 * A DicomInstance as import builds it. A class, not an object literal: the literal's getters
 * made V8 build every instance as a dictionary-mode object (about 1.3 KB each, the largest
 * allocation of reading a study's heads in `metakd inspect`, issue 13).
 */
class ImportedInstance implements DicomInstance {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly InstanceNumber: number | undefined;
  readonly SpacingBetweenSlices: number | undefined;
  #study: StudyHeader | undefined;
  #header: SeriesHeader | undefined;

  constructor(
    readonly file: string,
    readonly parsed: ParsedDicom,
    readonly SOPClassUID: string,
    readonly pixelFormat: PixelFormat,
    readonly pixelData: PixelDataElement,
    readonly frames: readonly FrameInfo[],
    readonly pixelInFile: DicomInstance['pixelInFile'],
  ) {
    const ds = parsed.dataSet;
    this.StudyInstanceUID = ds.string(Tag.StudyInstanceUID) ?? fallbackUid('study', file);
    this.SeriesInstanceUID = ds.string(Tag.SeriesInstanceUID) ?? fallbackUid('series', file);
    this.SOPInstanceUID = ds.string(Tag.SOPInstanceUID) ?? fallbackUid('instance', file);
    this.InstanceNumber = ds.numberString(Tag.InstanceNumber);
    this.SpacingBetweenSlices = ds.numberString(Tag.SpacingBetweenSlices);
    // Series and study facts are used from the first file of each series (assembleStudies), so
    // they are read when first asked for (about 15 % of reading each file in a profile of
    // `metakd inspect` on a 620-file study, issue 13) — but only where reading them later cannot
    // fail: otherwise a broken value must fail this file here, by name, as before.
    if (!headerMayWait(ds)) this.#header = readSeriesHeader(ds, frames);
    if (!ds.valuesInHand) this.#study = this.study;
  }

  get study(): StudyHeader {
    const ds = this.parsed.dataSet;
    return (this.#study ??= {
      StudyInstanceUID: this.StudyInstanceUID,
      StudyDescription: ds.string(Tag.StudyDescription),
      StudyDate: ds.string(Tag.StudyDate),
      StudyTime: ds.string(Tag.StudyTime),
    });
  }

  get header(): SeriesHeader {
    return (this.#header ??= readSeriesHeader(this.parsed.dataSet, this.frames));
  }
}

/**
 * Builds the instance record, or says why the file is not an importable image.
 * @throws MetaKdError DicomInvalid when the pixel format cannot be read
 */
export function readInstance(
  file: string,
  parsed: ParsedDicom,
  pixelInFile?: DicomInstance['pixelInFile'],
): DicomInstance | NotAnImage {
  const ds = parsed.dataSet;
  const mediaClass = ds.string(Tag.MediaStorageSOPClassUID);
  if (mediaClass === MEDIA_STORAGE_DIRECTORY_SOP_CLASS)
    return { skipReason: 'DICOMDIR (index file)' };
  const SOPClassUID = ds.string(Tag.SOPClassUID) ?? mediaClass ?? 'unknown';
  const pixelData = ds.pixelData();
  const pixelFormat = readPixelFormat(ds);
  if (!pixelData || !pixelFormat) {
    return { skipReason: `DICOM object without pixel data (SOPClassUID ${SOPClassUID})` };
  }
  if (SEGMENTATION_SOP_CLASSES.has(SOPClassUID) || pixelFormat.BitsAllocated === 1) {
    return { skipReason: 'DICOM SEG or other 1-bit object (a segmentation, not an image series)' };
  }
  if (pixelFormat.SamplesPerPixel !== 1) {
    return {
      skipReason: `colour image (SamplesPerPixel ${pixelFormat.SamplesPerPixel}, ${pixelFormat.PhotometricInterpretation}): not a greyscale volume`,
    };
  }
  checkPixelFormat(pixelFormat, pixelData, file);
  const frames = readFrames(ds, pixelFormat.NumberOfFrames);
  return new ImportedInstance(
    file,
    parsed,
    SOPClassUID,
    pixelFormat,
    pixelData,
    frames,
    pixelInFile,
  );
}
