/**
 * What the SEG writer and reader need to know about a DICOM source series: its grid and the exact
 * instances behind each slice. Built either from an imported Series (geometry + instances in slice
 * order, as the DICOM import provides) or, header-only, from a list of single-frame files.
 */
import { ErrorCode, MetaKdError } from '../../errors.ts';
import type { Geometry, Vec3 } from '../../volume/Geometry.ts';
import { readDicomFile, type DicomDataset } from './dcmjsSeg.ts';

/** One source instance: the image behind one slice. */
export interface SourceInstance {
  /** SOPInstanceUID of the image. */
  readonly SOPInstanceUID: string;
  /** SOPClassUID of the image. */
  readonly SOPClassUID: string;
  /** Path of the Part 10 file. */
  readonly file: string;
  /** 1-based frame of a multi-frame source image behind the slice (absent for single-frame). */
  readonly frameNumber?: number;
}

/** A DICOM series as SEG export/import needs it. */
export interface SegSourceSeries {
  /** Grid of the series (slice k is instances[k]). */
  readonly geometry: Geometry;
  /** Instances in slice order (index = k). */
  readonly instances: readonly SourceInstance[];
}

/** A series-like object (e.g. the importer's Series) that may carry DICOM instances. */
export interface MaybeDicomSeries {
  readonly source?: 'dicom' | 'nifti';
  readonly id?: string;
  readonly volume?: { readonly geometry: Geometry };
  readonly geometry?: Geometry;
  readonly instances?: readonly SourceInstance[];
}

/**
 * Turns an imported series into a SegSourceSeries, or throws ExportInvalid when it has no DICOM
 * instances (a NIfTI-only study): DICOM SEG must reference DICOM source images.
 */
export function toSegSource(series: MaybeDicomSeries): SegSourceSeries {
  const geometry = series.geometry ?? series.volume?.geometry;
  const instances = series.instances;
  if (series.source === 'nifti' || !instances || instances.length === 0 || !geometry) {
    throw new MetaKdError(
      ErrorCode.ExportInvalid,
      `Series ${series.id ?? '(unnamed)'} has no DICOM source images. DICOM SEG needs DICOM source ` +
        'images to reference; export the mask as NIfTI instead (--format nifti).',
    );
  }
  if (instances.length !== geometry.dims[2]) {
    throw new MetaKdError(
      ErrorCode.ExportInvalid,
      `Series ${series.id ?? ''} has ${instances.length} instances but ${geometry.dims[2]} slices; ` +
        'DICOM SEG export needs one single-frame instance per slice.',
    );
  }
  return { geometry, instances };
}

const ZERO_TOLERANCE = 1e-6;

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function numbers(v: unknown, n: number, what: string, file: string): number[] {
  const arr = (Array.isArray(v) ? v : [v]).map(Number);
  if (arr.length < n || arr.slice(0, n).some((x) => !Number.isFinite(x))) {
    throw new MetaKdError(ErrorCode.DicomInvalid, `missing or invalid ${what}.`, { file });
  }
  return arr.slice(0, n);
}

/** Header facts of one single-frame image that place it in space. */
interface PlacedHeader {
  readonly file: string;
  readonly dataset: DicomDataset;
  readonly position: Vec3;
  readonly distance: number;
}

/**
 * Reads the headers of single-frame images of one series (header only, no pixel data), sorts them
 * along the slice normal and returns their grid and instances. Used for SEG references when no
 * full import is at hand (tests, the SEG reader's referenced series).
 */
export function readSourceSeries(files: readonly string[]): SegSourceSeries & {
  /** Header of the first instance in slice order. */
  readonly firstHeader: DicomDataset;
} {
  if (files.length === 0) {
    throw new MetaKdError(ErrorCode.NoImages, 'No DICOM files given for the source series.');
  }
  let orientation: number[] | undefined;
  let normal: Vec3 = [0, 0, 1];
  const placed: PlacedHeader[] = files.map((file) => {
    const { dataset } = readDicomFile(file, { headerOnly: true });
    const iop = numbers(dataset.ImageOrientationPatient, 6, 'ImageOrientationPatient', file);
    if (!orientation) {
      orientation = iop;
      normal = cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
    }
    const position = numbers(dataset.ImagePositionPatient, 3, 'ImagePositionPatient', file) as [
      number,
      number,
      number,
    ];
    const distance = position[0] * normal[0] + position[1] * normal[1] + position[2] * normal[2];
    return { file, dataset, position, distance };
  });
  placed.sort((a, b) => a.distance - b.distance);
  const first = placed[0];
  const last = placed[placed.length - 1];
  const spacingRC = numbers(first.dataset.PixelSpacing, 2, 'PixelSpacing', first.file);
  const iop = orientation as number[];
  const n = placed.length;
  let dirK: Vec3 = normal;
  let spacingK = Number(first.dataset.SliceThickness) || 1;
  if (n > 1) {
    const d: Vec3 = [
      last.position[0] - first.position[0],
      last.position[1] - first.position[1],
      last.position[2] - first.position[2],
    ];
    const len = Math.hypot(d[0], d[1], d[2]);
    if (len > ZERO_TOLERANCE) {
      dirK = [d[0] / len, d[1] / len, d[2] / len];
      spacingK = len / (n - 1);
    }
  }
  const geometry: Geometry = {
    dims: [Number(first.dataset.Columns), Number(first.dataset.Rows), n],
    spacing: [spacingRC[1], spacingRC[0], spacingK],
    originLps: first.position,
    directionLps: [[iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]], dirK],
  };
  const instances = placed.map((p) => ({
    SOPInstanceUID: String(p.dataset.SOPInstanceUID),
    SOPClassUID: String(p.dataset.SOPClassUID),
    file: p.file,
  }));
  return { geometry, instances, firstHeader: first.dataset };
}
