/**
 * Builds a DICOM Segmentation (BINARY, SOP class 1.2.840.10008.5.1.4.1.1.66.4) for a labelmap on a
 * DICOM source series, and serialises it. Pure apart from reading the first source header.
 *
 * One frame per (segment, slice) that has at least one voxel; empty frames are omitted (PS3.3
 * C.8.20.2 allows any subset). Segments with no voxels are left out of SegmentSequence (SegmentNumber
 * must run 1, 2, 3 … without gaps) and named in ContentDescription; a labelmap with no tumour voxels
 * at all is refused, because a SEG needs at least one frame (NumberOfFrames ≥ 1).
 */
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { voxelToLps } from '../../volume/Geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { LABELS, rgbToDicomLab, type TumourLabel } from '../labelColours.ts';
import {
  DEFAULT_SEG_SERIES_DESCRIPTION,
  DEFAULT_SEG_SERIES_NUMBER,
  segmentAlgorithmType,
  toContentLabel,
  type ExportSettings,
  type Provenance,
} from '../provenance.ts';
import { resampleLabels } from '../resampleLabels.ts';
import { packFrames } from './bitPacking.ts';
import { newUid, readDicomFile, writeDicomPart10, type DicomDataset } from './dcmjsSeg.ts';
import type { SegSourceSeries } from './sourceSeries.ts';
import { copySourceModules, dicomDateTime, equipmentModule } from './segModules.ts';

/** SOP Class UID of (binary/fractional) Segmentation Storage. */
export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

/** DCM 121322, PurposeOfReferenceCode of a source image (PS3.16 CID 7202). */
const PURPOSE_SOURCE_IMAGE = {
  CodeValue: '121322',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Source image for image processing operation',
};
/** DCM 113076, DerivationCode "Segmentation" (PS3.16 CID 7203). */
const DERIVATION_SEGMENTATION = {
  CodeValue: '113076',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Segmentation',
};
/** Tags of the two dimension indices: segment number, then image position. */
const TAG = {
  SegmentIdentificationSequence: 0x0062000a,
  ReferencedSegmentNumber: 0x0062000b,
  PlanePositionSequence: 0x00209113,
  ImagePositionPatient: 0x00200032,
} as const;

/** What to export. */
export interface BuildSegParams {
  /** Labelmap (values 0/1/2/4); resampled to the source grid when it is on another grid. */
  readonly labels: Volume;
  /** The DICOM series the SEG is derived from and overlays. */
  readonly source: SegSourceSeries;
  readonly provenance: Provenance;
  readonly settings: ExportSettings;
  /** App version (SoftwareVersions). */
  readonly appVersion: string;
  /** Time of creation (default now). */
  readonly now?: Date;
}

/** The written SEG. */
export interface BuiltSeg {
  /** The Part 10 file content. */
  readonly bytes: Buffer;
  readonly SOPInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly StudyInstanceUID: string;
  /** SeriesInstanceUID of the referenced source series. */
  readonly ReferencedSeriesInstanceUID: string;
  readonly numberOfFrames: number;
  /** Segments written, in SegmentNumber order. */
  readonly segments: readonly {
    readonly number: number;
    readonly label: TumourLabel;
    readonly voxels: number;
  }[];
  /** Labels that had no voxels and were left out. */
  readonly emptyLabels: readonly TumourLabel[];
}

interface FrameRef {
  readonly segment: number;
  readonly label: TumourLabel;
  readonly slice: number;
}

/** Counts voxels of each label per slice: counts[labelIndex][k]. */
function countPerSlice(data: ArrayLike<number>, sliceSize: number, slices: number): number[][] {
  const counts = LABELS.map(() => new Array<number>(slices).fill(0));
  const index = new Map(LABELS.map((l, i) => [l.value as number, i]));
  for (let k = 0; k < slices; k++) {
    for (let p = k * sliceSize, end = p + sliceSize; p < end; p++) {
      const v = data[p];
      if (v !== 0) {
        const li = index.get(v);
        if (li !== undefined) counts[li][k]++;
      }
    }
  }
  return counts;
}

function segmentItem(label: TumourLabel, number: number, p: Provenance): DicomDataset {
  return {
    SegmentNumber: number,
    SegmentLabel: label.name,
    SegmentDescription: `BraTS label ${label.value} (${label.key})`,
    // MANUAL: drawn by a reader; SegmentAlgorithmName is then not required (PS3.3 C.8.20.4).
    SegmentAlgorithmType: p.manual ? 'MANUAL' : segmentAlgorithmType(p),
    ...(p.manual
      ? {}
      : {
          SegmentAlgorithmName: `${p.algorithm} ${p.modelName} ${p.modelVersion}`
            .trim()
            .slice(0, 64),
        }),
    SegmentedPropertyCategoryCodeSequence: [{ ...label.category }],
    SegmentedPropertyTypeCodeSequence: [{ ...label.type }],
    RecommendedDisplayCIELabValue: rgbToDicomLab(label.rgb),
  };
}

/** LO ContentDescription: algorithm, version, sequences used, edited or not, empty labels. */
function contentDescription(p: Provenance, empties: string): string {
  const from = p.sequencesUsed?.length ? ` from ${p.sequencesUsed.join('+')}` : '';
  if (p.manual)
    return (
      `Tumour sub-regions drawn by a reader` + (empties ? `; no voxels: ${empties}` : '')
    ).slice(0, 64);
  return (
    `Tumour sub-regions by ${p.algorithm} ${p.modelVersion}${from}` +
    (p.editedByHuman ? ', edited by a person' : '') +
    (empties ? `; no voxels: ${empties}` : '')
  ).slice(0, 64);
}

/** Free text as a PN value: no component or repetition delimiters, at most 64 characters. */
function personName(s: string | undefined): string {
  return (s ?? '')
    .replace(/[\\^=]/g, ' ')
    .trim()
    .slice(0, 64);
}

function fmt(x: number): number {
  // DS is at most 16 characters; 6 decimals of a millimetre is far below any scanner's precision.
  return Number(x.toFixed(6));
}

function perFrameItem(f: FrameRef, params: BuildSegParams): DicomDataset {
  const { geometry, instances } = params.source;
  const inst = instances[f.slice];
  return {
    FrameContentSequence: [{ DimensionIndexValues: [f.segment, f.slice + 1] }],
    PlanePositionSequence: [
      { ImagePositionPatient: voxelToLps(geometry, [0, 0, f.slice]).map(fmt) },
    ],
    SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segment }],
    DerivationImageSequence: [
      {
        SourceImageSequence: [
          {
            ReferencedSOPClassUID: inst.SOPClassUID,
            ReferencedSOPInstanceUID: inst.SOPInstanceUID,
            ...(inst.frameNumber !== undefined ? { ReferencedFrameNumber: inst.frameNumber } : {}),
            PurposeOfReferenceCodeSequence: [{ ...PURPOSE_SOURCE_IMAGE }],
          },
        ],
        DerivationCodeSequence: [{ ...DERIVATION_SEGMENTATION }],
      },
    ],
  };
}

function dimensionModule(): DicomDataset {
  const DimensionOrganizationUID = newUid();
  return {
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID,
        DimensionIndexPointer: TAG.ReferencedSegmentNumber,
        FunctionalGroupPointer: TAG.SegmentIdentificationSequence,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID,
        DimensionIndexPointer: TAG.ImagePositionPatient,
        FunctionalGroupPointer: TAG.PlanePositionSequence,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
  };
}

/** Builds the SEG for `params` and serialises it (Explicit VR Little Endian). */
export function buildSeg(params: BuildSegParams): BuiltSeg {
  const { source, provenance, settings } = params;
  const g = source.geometry;
  const labels = resampleLabels(params.labels, g);
  const [cols, rows, slices] = g.dims;
  const sliceSize = cols * rows;
  const counts = countPerSlice(labels.data, sliceSize, slices);

  const segments: { number: number; label: TumourLabel; voxels: number }[] = [];
  const emptyLabels: TumourLabel[] = [];
  const frames: FrameRef[] = [];
  LABELS.forEach((label, li) => {
    const voxels = counts[li].reduce((a, b) => a + b, 0);
    if (voxels === 0) {
      emptyLabels.push(label);
      return;
    }
    const number = segments.length + 1;
    segments.push({ number, label, voxels });
    for (let k = 0; k < slices; k++)
      if (counts[li][k] > 0) frames.push({ segment: number, label, slice: k });
  });
  if (frames.length === 0) {
    throw new MetaKdError(
      ErrorCode.ExportInvalid,
      'The mask has no tumour voxels (labels 1, 2 or 4), so there is nothing to write as DICOM SEG; ' +
        'export it as NIfTI to record an empty result.',
    );
  }

  const first = readDicomFile(source.instances[0].file, { headerOnly: true }).dataset;
  const now = params.now ?? new Date();
  const { date, time } = dicomDateTime(now);
  const SOPInstanceUID = newUid();
  const SeriesInstanceUID = newUid();
  const sliceThickness = Number(first.SliceThickness) || g.spacing[2];
  const pixelData = packFrames(
    labels.data,
    frames.map((f) => f.slice * sliceSize),
    sliceSize,
    (v, fi) => v === frames[fi].label.value,
  );
  const empties = emptyLabels.map((l) => l.name.toLowerCase()).join(', ');

  const dataset: DicomDataset = {
    ...copySourceModules(first),
    ...equipmentModule(params.appVersion, provenance),
    SOPClassUID: SEGMENTATION_STORAGE,
    SOPInstanceUID,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    Modality: 'SEG',
    SeriesInstanceUID,
    SeriesNumber: settings.SeriesNumber ?? DEFAULT_SEG_SERIES_NUMBER,
    SeriesDescription: settings.SeriesDescription ?? DEFAULT_SEG_SERIES_DESCRIPTION,
    SeriesDate: date,
    SeriesTime: time,
    // General Series Type 2C: required (empty when unknown) for a patient-based SEG whose source
    // has no PatientOrientationCodeSequence; dciodvfy checks it.
    PatientPosition: first.PatientPosition ?? '',
    ...(first.Laterality ? { Laterality: first.Laterality } : {}),
    FrameOfReferenceUID: first.FrameOfReferenceUID,
    PositionReferenceIndicator: first.PositionReferenceIndicator ?? '',
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: toContentLabel(settings.ContentLabel),
    ContentDescription: contentDescription(provenance, empties),
    // The settings name the person responsible; without one, the reader who edited the mask.
    ContentCreatorName: settings.ContentCreatorName || personName(provenance.editedBy),
    ContentQualification: 'RESEARCH',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PixelRepresentation: 0,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    Rows: rows,
    Columns: cols,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentsOverlap: 'NO',
    SegmentSequence: segments.map((s) => segmentItem(s.label, s.number, provenance)),
    ...dimensionModule(),
    NumberOfFrames: frames.length,
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [
          { ImageOrientationPatient: [...g.directionLps[0], ...g.directionLps[1]].map(fmt) },
        ],
        PixelMeasuresSequence: [
          {
            PixelSpacing: [fmt(g.spacing[1]), fmt(g.spacing[0])],
            SliceThickness: fmt(sliceThickness),
            SpacingBetweenSlices: fmt(g.spacing[2]),
          },
        ],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((f) => perFrameItem(f, params)),
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: first.SeriesInstanceUID,
        // One item per instance: a multi-frame source appears once, not once per frame.
        ReferencedInstanceSequence: [
          ...new Map(source.instances.map((i) => [i.SOPInstanceUID, i])).values(),
        ].map((i) => ({
          ReferencedSOPClassUID: i.SOPClassUID,
          ReferencedSOPInstanceUID: i.SOPInstanceUID,
        })),
      },
    ],
    PixelData: [pixelData.buffer],
  };
  const bytes = writeDicomPart10(dataset, { PixelData: 'OB' });
  return {
    bytes,
    SOPInstanceUID,
    SeriesInstanceUID,
    StudyInstanceUID: String(first.StudyInstanceUID),
    ReferencedSeriesInstanceUID: String(first.SeriesInstanceUID),
    numberOfFrames: frames.length,
    segments,
    emptyLabels,
  };
}
