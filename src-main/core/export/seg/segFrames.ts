/**
 * Reading the per-frame facts of a multi-frame SEG: which segment a frame belongs to, where it lies
 * (PlanePositionSequence, PlaneOrientationSequence, PixelMeasuresSequence from the per-frame or the
 * shared functional groups), and which source image it was derived from. Pure functions.
 */
import { ErrorCode, MetaKdError } from '../../errors.ts';
import type { Geometry, Vec3 } from '../../volume/Geometry.ts';
import type { DicomDataset } from './dcmjsSeg.ts';

/** Where one frame sits and what it holds. */
export interface FrameInfo {
  /** ReferencedSegmentNumber, or undefined for a LABELMAP SEG (pixel values are segment numbers). */
  readonly segment?: number;
  /** ImagePositionPatient of the frame's first pixel (LPS mm), when present. */
  readonly position?: Vec3;
  /** Row direction (along columns, i) and column direction (along rows, j). */
  readonly orientation: readonly [Vec3, Vec3];
  /** Spacing between columns (i) and between rows (j), mm. */
  readonly spacing: readonly [number, number];
  /** ReferencedSOPInstanceUID of the first source image, when present. */
  readonly sourceInstance?: string;
}

function seqItem(ds: DicomDataset | undefined, keyword: string): DicomDataset | undefined {
  const v = ds?.[keyword];
  return Array.isArray(v) && v.length > 0 ? (v[0] as DicomDataset) : undefined;
}

function nums(v: unknown): number[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(Number);
}

/** A functional group macro from the per-frame item, else from the shared item. */
function group(
  perFrame: DicomDataset | undefined,
  shared: DicomDataset | undefined,
  keyword: string,
): DicomDataset | undefined {
  return seqItem(perFrame, keyword) ?? seqItem(shared, keyword);
}

/** Reads frame `f`'s facts; throws SegUnsupported when its orientation or spacing is missing. */
export function frameInfo(ds: DicomDataset, f: number, file: string): FrameInfo {
  const perFrame = (ds.PerFrameFunctionalGroupsSequence as DicomDataset[] | undefined)?.[f];
  const shared = seqItem(ds, 'SharedFunctionalGroupsSequence');
  const iop = nums(group(perFrame, shared, 'PlaneOrientationSequence')?.ImageOrientationPatient);
  const ps = nums(group(perFrame, shared, 'PixelMeasuresSequence')?.PixelSpacing);
  if (iop.length < 6 || ps.length < 2 || [...iop, ...ps].some((x) => !Number.isFinite(x))) {
    throw new MetaKdError(
      ErrorCode.SegUnsupported,
      `frame ${f + 1} has no PlaneOrientationSequence/PixelMeasuresSequence; a SEG without plane ` +
        'geometry is not supported.',
      { file },
    );
  }
  const ipp = nums(group(perFrame, shared, 'PlanePositionSequence')?.ImagePositionPatient);
  const segNo = nums(seqItem(perFrame, 'SegmentIdentificationSequence')?.ReferencedSegmentNumber);
  const sharedSegNo = nums(
    seqItem(shared, 'SegmentIdentificationSequence')?.ReferencedSegmentNumber,
  );
  const derivation = seqItem(perFrame, 'DerivationImageSequence');
  const sourceItem = seqItem(derivation, 'SourceImageSequence');
  return {
    segment: segNo[0] ?? sharedSegNo[0],
    position: ipp.length >= 3 ? [ipp[0], ipp[1], ipp[2]] : undefined,
    orientation: [
      [iop[0], iop[1], iop[2]],
      [iop[3], iop[4], iop[5]],
    ],
    spacing: [ps[1], ps[0]],
    sourceInstance:
      sourceItem?.ReferencedSOPInstanceUID !== undefined
        ? String(sourceItem.ReferencedSOPInstanceUID)
        : undefined,
  };
}

const DEFAULT_SLICE_MM = 1;

/**
 * A grid that holds every frame when no referenced series is at hand: the frames' plane, with
 * slices at the distinct frame positions along the normal (median gap as spacing).
 */
export function gridFromFrames(
  frames: readonly FrameInfo[],
  rows: number,
  cols: number,
  fallbackSpacing: number | undefined,
): Geometry {
  const [u, v] = frames[0].orientation;
  const n: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const placed = frames
    .filter((f) => f.position)
    .map((f) => {
      const p = f.position as Vec3;
      return { p, d: p[0] * n[0] + p[1] * n[1] + p[2] * n[2] };
    })
    .sort((a, b) => a.d - b.d);
  const distinct = placed.filter((x, i) => i === 0 || x.d - placed[i - 1].d > 1e-3);
  const gaps = distinct
    .slice(1)
    .map((x, i) => x.d - distinct[i].d)
    .sort((a, b) => a - b);
  const spacing =
    gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)] : (fallbackSpacing ?? DEFAULT_SLICE_MM);
  const span = distinct.length > 1 ? distinct[distinct.length - 1].d - distinct[0].d : 0;
  const slices = Math.round(span / spacing) + 1;
  return {
    dims: [cols, rows, slices],
    spacing: [frames[0].spacing[0], frames[0].spacing[1], spacing],
    originLps: distinct[0].p,
    directionLps: [u, v, n],
  };
}
