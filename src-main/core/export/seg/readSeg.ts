/**
 * Imports a DICOM Segmentation as a labelmap on its source series' grid: ours and others' (dcmqi,
 * highdicom) — BINARY, FRACTIONAL (thresholded at one half) and the Label Map Segmentation SOP
 * class. Anything else fails with SegUnsupported naming what is unsupported.
 *
 * Voxel values: when every segment carries one of our coded types (labelColours.ts), the labelmap
 * uses the BraTS values 1/2/4, so our SEG round-trips exactly; otherwise the value is the
 * SegmentNumber. Overlapping segments cannot both live in one labelmap: the higher SegmentNumber
 * wins and a warning says how many voxels overlapped.
 */
import { ErrorCode, MetaKdError } from '../../errors.ts';
import {
  affineLps,
  invertAffine,
  voxelCount,
  type Geometry,
  type Vec3,
} from '../../volume/Geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { labelByTypeCode, type CodedConcept } from '../labelColours.ts';
import { bitAt } from './bitPacking.ts';
import { SEGMENTATION_STORAGE } from './buildSeg.ts';
import { pixelDataBytes, readDicomFile, type DicomDataset } from './dcmjsSeg.ts';
import { frameInfo, gridFromFrames, type FrameInfo } from './segFrames.ts';
import type { SegSourceSeries } from './sourceSeries.ts';

/** SOP Class UID of Label Map Segmentation Storage (Sup 243). */
export const LABEL_MAP_SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.7';
/** Uncompressed transfer syntaxes dcmjs reads as plain pixel bytes (LE implicit/explicit, deflated). */
const READABLE_TRANSFER_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
]);
const FRACTION_THRESHOLD = 0.5;

/** One imported segment. */
export interface ImportedSegment {
  readonly SegmentNumber: number;
  readonly SegmentLabel: string;
  /** Voxel value the segment has in the labelmap. */
  readonly value: number;
  readonly type?: CodedConcept;
  readonly SegmentAlgorithmType?: string;
  readonly SegmentAlgorithmName?: string;
  /** Voxels the segment owns in the labelmap (after overlaps are resolved). */
  readonly voxels: number;
}

/** A SEG imported as a labelmap. */
export interface ImportedSeg {
  readonly labelmap: Volume;
  readonly segments: readonly ImportedSegment[];
  readonly SegmentationType: 'BINARY' | 'FRACTIONAL' | 'LABELMAP';
  /** SeriesInstanceUID the SEG references (ReferencedSeriesSequence), when present. */
  readonly ReferencedSeriesInstanceUID?: string;
  readonly FrameOfReferenceUID?: string;
  /** True when the labelmap uses our BraTS values 1/2/4. */
  readonly bratsLabels: boolean;
  readonly warnings: readonly string[];
}

/** Options for readSeg. */
export interface ReadSegOptions {
  /** The referenced series: the labelmap is put on its grid. Without it, a grid is built from the frames. */
  readonly reference?: SegSourceSeries;
}

function unsupported(file: string, what: string): never {
  throw new MetaKdError(ErrorCode.SegUnsupported, `${what} is not supported.`, { file });
}

function code(item: unknown): CodedConcept | undefined {
  const c = Array.isArray(item) ? (item[0] as DicomDataset | undefined) : undefined;
  return c
    ? {
        CodeValue: String(c.CodeValue ?? ''),
        CodingSchemeDesignator: String(c.CodingSchemeDesignator ?? ''),
        CodeMeaning: String(c.CodeMeaning ?? ''),
      }
    : undefined;
}

function checkHeader(
  ds: DicomDataset,
  meta: DicomDataset,
  file: string,
): 'BINARY' | 'FRACTIONAL' | 'LABELMAP' {
  const sop = String(ds.SOPClassUID ?? '');
  if (sop !== SEGMENTATION_STORAGE && sop !== LABEL_MAP_SEGMENTATION_STORAGE) {
    unsupported(file, `SOP class ${sop || '(none)'} (not a Segmentation)`);
  }
  const ts = String(meta.TransferSyntaxUID ?? '');
  if (!READABLE_TRANSFER_SYNTAXES.has(ts))
    unsupported(file, `A SEG in transfer syntax ${ts} (compressed pixel data)`);
  const type = String(ds.SegmentationType ?? '');
  const bits = Number(ds.BitsAllocated);
  if (type === 'BINARY' && bits !== 1) unsupported(file, `BINARY SEG with BitsAllocated ${bits}`);
  if (type === 'FRACTIONAL' && bits !== 8)
    unsupported(file, `FRACTIONAL SEG with BitsAllocated ${bits}`);
  if (type === 'LABELMAP' && bits !== 8 && bits !== 16)
    unsupported(file, `LABELMAP SEG with BitsAllocated ${bits}`);
  if (type !== 'BINARY' && type !== 'FRACTIONAL' && type !== 'LABELMAP')
    unsupported(file, `SegmentationType "${type}"`);
  return type;
}

/** Reads `file` and returns its labelmap, segments and warnings. */
export function readSeg(file: string, options: ReadSegOptions = {}): ImportedSeg {
  let parsed;
  try {
    parsed = readDicomFile(file);
  } catch (e) {
    throw new MetaKdError(ErrorCode.DicomInvalid, 'cannot be read as DICOM.', { file, cause: e });
  }
  const { dataset: ds, meta } = parsed;
  const type = checkHeader(ds, meta, file);
  const rows = Number(ds.Rows);
  const cols = Number(ds.Columns);
  const nFrames = Number(ds.NumberOfFrames ?? 1);
  // Issue 12 fuzzer: a missing or damaged Rows/Columns/NumberOfFrames made a NaN-sized labelmap.
  if (![rows, cols, nFrames].every((n) => Number.isInteger(n) && n > 0)) {
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `Rows ${ds.Rows}, Columns ${ds.Columns} and NumberOfFrames ${ds.NumberOfFrames ?? 1} must be positive integers.`,
      { file },
    );
  }
  const pixels = pixelDataBytes(ds);
  const bits = Number(ds.BitsAllocated);
  const frameSize = rows * cols;
  if (!pixels || pixels.length * 8 < nFrames * frameSize * bits) {
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `PixelData is shorter than ${nFrames} frames of ${cols}×${rows}.`,
      { file },
    );
  }
  const segItems = (ds.SegmentSequence as DicomDataset[] | undefined) ?? [];
  const defs = segItems.map((s) => ({
    SegmentNumber: Number(s.SegmentNumber),
    SegmentLabel: String(s.SegmentLabel ?? ''),
    type: code(s.SegmentedPropertyTypeCodeSequence),
    SegmentAlgorithmType: s.SegmentAlgorithmType as string | undefined,
    SegmentAlgorithmName: s.SegmentAlgorithmName as string | undefined,
  }));
  const real = defs.filter((d) => !(type === 'LABELMAP' && d.SegmentNumber === 0));
  const brats = real.map((d) => (d.type ? labelByTypeCode(d.type)?.value : undefined));
  const bratsLabels =
    real.length > 0 && brats.every((v) => v !== undefined) && new Set(brats).size === brats.length;
  const valueOf = new Map<number, number>(
    real.map((d, i) => [d.SegmentNumber, bratsLabels ? (brats[i] as number) : d.SegmentNumber]),
  );

  const frames: FrameInfo[] = [];
  for (let f = 0; f < nFrames; f++) frames.push(frameInfo(ds, f, file));
  // Issue 12 fuzzer: without a reference series the grid comes from the frame positions alone.
  if (frames.some((fr) => fr.position && !fr.position.every(Number.isFinite))) {
    throw new MetaKdError(ErrorCode.DicomInvalid, 'a frame position is not a number.', { file });
  }
  if (!options.reference && !frames.some((fr) => fr.position)) {
    unsupported(file, 'A SEG whose frames carry no position, read without its source series,');
  }
  const sliceFallback =
    Number(seqItemValue(ds, 'SpacingBetweenSlices') ?? seqItemValue(ds, 'SliceThickness')) ||
    undefined;
  const target: Geometry =
    options.reference?.geometry ?? gridFromFrames(frames, rows, cols, sliceFallback);
  const warnings: string[] = [];
  const owner = new Uint16Array(voxelCount(target));
  const stats = { overlap: 0, outside: 0 };
  const maxFraction = Number(ds.MaximumFractionalValue ?? 255) || 255;
  const padding = ds.PixelPaddingValue !== undefined ? Number(ds.PixelPaddingValue) : undefined;
  const wide =
    bits === 16
      ? new Uint16Array(pixels.buffer, pixels.byteOffset, Math.floor(pixels.byteLength / 2))
      : undefined;

  frames.forEach((fr, f) => {
    const valueAt = (p: number): number => {
      const idx = f * frameSize + p;
      if (type === 'BINARY') return bitAt(pixels, idx) ? (fr.segment ?? 0) : 0;
      if (type === 'FRACTIONAL')
        return pixels[idx] / maxFraction >= FRACTION_THRESHOLD ? (fr.segment ?? 0) : 0;
      const v = wide ? wide[idx] : pixels[idx];
      return v === padding || !valueOf.has(v) ? 0 : v;
    };
    if (type !== 'LABELMAP' && !valueOf.has(fr.segment ?? -1)) {
      unsupported(
        file,
        `Frame ${f + 1} referring to segment ${fr.segment ?? '(none)'} that SegmentSequence does not define`,
      );
    }
    placeFrame({
      frame: fr,
      f,
      rows,
      cols,
      target,
      owner,
      valueAt,
      stats,
      reference: options.reference,
      file,
    });
  });
  if (type === 'FRACTIONAL') {
    warnings.push(
      `FRACTIONAL (${String(ds.SegmentationFractionalType ?? '')}) segments were thresholded at ${FRACTION_THRESHOLD} of MaximumFractionalValue ${maxFraction}.`,
    );
  }
  if (stats.overlap > 0)
    warnings.push(
      `Segments overlap in ${stats.overlap} voxels; the labelmap keeps the higher SegmentNumber there.`,
    );
  if (stats.outside > 0)
    warnings.push(
      `${stats.outside} segmented pixels fall outside the reference grid and were dropped.`,
    );

  const out =
    bratsLabels || Math.max(0, ...valueOf.values()) < 256
      ? new Uint8Array(owner.length)
      : new Uint16Array(owner.length);
  const counts = new Map<number, number>();
  for (let i = 0; i < owner.length; i++) {
    const s = owner[i];
    if (s !== 0) {
      out[i] = valueOf.get(s) ?? 0;
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
  }
  const refSeries = (ds.ReferencedSeriesSequence as DicomDataset[] | undefined)?.[0]
    ?.SeriesInstanceUID;
  return {
    labelmap: { geometry: target, data: out },
    segments: real.map((d) => ({
      ...d,
      value: valueOf.get(d.SegmentNumber) ?? 0,
      voxels: counts.get(d.SegmentNumber) ?? 0,
    })),
    SegmentationType: type,
    ReferencedSeriesInstanceUID: refSeries !== undefined ? String(refSeries) : undefined,
    FrameOfReferenceUID:
      ds.FrameOfReferenceUID !== undefined ? String(ds.FrameOfReferenceUID) : undefined,
    bratsLabels,
    warnings,
  };
}

function seqItemValue(ds: DicomDataset, keyword: string): unknown {
  const shared = (ds.SharedFunctionalGroupsSequence as DicomDataset[] | undefined)?.[0];
  const pm = (shared?.PixelMeasuresSequence as DicomDataset[] | undefined)?.[0];
  return pm?.[keyword];
}

interface PlaceParams {
  readonly frame: FrameInfo;
  readonly f: number;
  readonly rows: number;
  readonly cols: number;
  readonly target: Geometry;
  readonly owner: Uint16Array;
  readonly valueAt: (p: number) => number;
  readonly stats: { overlap: number; outside: number };
  readonly reference?: SegSourceSeries;
  readonly file: string;
}

/** Writes one frame's segment numbers into `owner` by nearest neighbour in world coordinates. */
function placeFrame(p: PlaceParams): void {
  const { frame, target, owner } = p;
  let origin: Vec3 | undefined = frame.position;
  if (!origin && p.reference && frame.sourceInstance) {
    const k = p.reference.instances.findIndex((i) => i.SOPInstanceUID === frame.sourceInstance);
    if (k >= 0) origin = affinePoint(affineLps(target), [0, 0, k]);
  }
  if (!origin)
    unsupported(p.file, `Frame ${p.f + 1} without PlanePositionSequence or a known source image`);
  let inv: number[];
  try {
    inv = [...invertAffine(affineLps(target))];
  } catch (e) {
    // Issue 12 fuzzer: damaged orientation or spacing leave no invertible grid.
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `the frames give no usable grid (${String(e)}).`,
      {
        file: p.file,
        cause: e,
      },
    );
  }
  const [u, v] = frame.orientation;
  const [su, sv] = frame.spacing;
  const start = affinePoint(inv, origin);
  const stepC = linear(inv, [u[0] * su, u[1] * su, u[2] * su]);
  const stepR = linear(inv, [v[0] * sv, v[1] * sv, v[2] * sv]);
  const [nx, ny, nz] = target.dims;
  for (let r = 0; r < p.rows; r++) {
    for (let c = 0; c < p.cols; c++) {
      const s = p.valueAt(r * p.cols + c);
      if (s === 0) continue;
      const i = Math.round(start[0] + c * stepC[0] + r * stepR[0]);
      const j = Math.round(start[1] + c * stepC[1] + r * stepR[1]);
      const k = Math.round(start[2] + c * stepC[2] + r * stepR[2]);
      if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) {
        p.stats.outside++;
        continue;
      }
      const o = i + nx * (j + ny * k);
      if (owner[o] !== 0 && owner[o] !== s) p.stats.overlap++;
      if (s > owner[o]) owner[o] = s;
    }
  }
}

function affinePoint(m: readonly number[], x: Vec3): Vec3 {
  return [
    m[0] * x[0] + m[1] * x[1] + m[2] * x[2] + m[3],
    m[4] * x[0] + m[5] * x[1] + m[6] * x[2] + m[7],
    m[8] * x[0] + m[9] * x[1] + m[10] * x[2] + m[11],
  ];
}

function linear(m: readonly number[], x: Vec3): Vec3 {
  return [
    m[0] * x[0] + m[1] * x[1] + m[2] * x[2],
    m[4] * x[0] + m[5] * x[1] + m[6] * x[2],
    m[8] * x[0] + m[9] * x[1] + m[10] * x[2],
  ];
}
