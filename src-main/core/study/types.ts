/**
 * What an import produces: studies made of series, each series one 3-D volume plus the header
 * facts sequence detection needs. Plain data (no methods, no class instances).
 */
import type { Volume } from '../volume/Volume.ts';
import type { ModelSlot, SequenceLabel } from '../enums/SequenceLabel.ts';

/** Header facts about one series, read from DICOM or inferred from NIfTI names and sidecars. */
export interface SeriesInfo {
  /** Stable id: the DICOM SeriesInstanceUID (plus a split suffix), or a path-derived id for NIfTI. */
  readonly id: string;
  /** Where the series came from. */
  readonly source: 'dicom' | 'nifti';
  /** Files that make up the series (absolute paths). */
  readonly files: readonly string[];
  /** DICOM SeriesDescription, or for NIfTI the file name without extension. */
  readonly SeriesDescription: string;
  readonly ProtocolName?: string;
  readonly SeriesNumber?: number;
  readonly Modality?: string;
  /** DICOM ScanningSequence, e.g. "SE", "IR", "GR", "RM" (multi-valued joined by "\\"). */
  readonly ScanningSequence?: string;
  readonly SequenceVariant?: string;
  readonly SequenceName?: string;
  /** ms */
  readonly RepetitionTime?: number;
  /** ms */
  readonly EchoTime?: number;
  /** ms */
  readonly InversionTime?: number;
  readonly FlipAngle?: number;
  readonly MRAcquisitionType?: string;
  /** ContrastBolusAgent (or another contrast attribute's value) when present. */
  readonly ContrastBolusAgent?: string;
  /** ImageType values, e.g. ["ORIGINAL", "PRIMARY", "M", "ND"]. */
  readonly ImageType?: readonly string[];
  /** HHMMSS(.ffffff) */
  readonly SeriesTime?: string;
  readonly AcquisitionTime?: string;
  readonly SeriesDate?: string;
  readonly EchoNumbers?: number;
  readonly Manufacturer?: string;
  /** DICOM FrameOfReferenceUID when present. */
  readonly FrameOfReferenceUID?: string;
  /** For NIfTI: the BIDS / dcm2niix JSON sidecar's parsed content when present. */
  readonly sidecar?: Readonly<Record<string, unknown>>;
  /** For a 4-D NIfTI split into series: the channel index it came from. */
  readonly channelIndex?: number;
  /** Import notes (gaps, non-uniform spacing, split reason). */
  readonly warnings: readonly string[];
  /** DICOM StudyInstanceUID (DICOM series only). */
  readonly StudyInstanceUID?: string;
  /** DICOM SeriesInstanceUID (DICOM only; `id` may carry a split suffix, this never does). */
  readonly SeriesInstanceUID?: string;
  /**
   * DICOM source instances, one per slice in slice order (entry k is slice k of the volume).
   * DICOM SEG export references them. Absent for NIfTI.
   */
  readonly instances?: readonly DicomInstanceRef[];
}

/** One source DICOM instance (or one frame of a multi-frame instance) behind a slice. */
export interface DicomInstanceRef {
  readonly SOPInstanceUID: string;
  readonly SOPClassUID: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** 1-based frame number inside a multi-frame instance (absent for single-frame images). */
  readonly frameNumber?: number;
}

/** One series: header facts plus its voxels. */
export interface Series extends SeriesInfo {
  readonly volume: Volume;
}

/** One study: a group of series sharing a StudyInstanceUID (or a folder for NIfTI). */
export interface Study {
  /** StudyInstanceUID or a folder-derived id for NIfTI. */
  readonly id: string;
  readonly StudyDescription?: string;
  readonly StudyDate?: string;
  /** Root folder or file the study was imported from. */
  readonly sourcePath: string;
  readonly series: readonly Series[];
}

/** A file that import passed over, and why. */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

/** The result of importing a path. */
export interface ImportResult {
  readonly studies: readonly Study[];
  /** Files that were not images (counted, never fatal). */
  readonly skipped: readonly SkippedFile[];
  /** Import-wide warnings. */
  readonly warnings: readonly string[];
}

/** One classification decision. */
export interface Classification {
  readonly label: SequenceLabel;
  /** 0..1 */
  readonly confidence: number;
  /** Human-readable reasons, most important first. */
  readonly reasons: readonly string[];
  /** Set when the series is a derived reformat/projection/etc. */
  readonly derived?: boolean;
}

/** Which series fills each model slot, or null when the sequence is missing. */
export type Assignment = Readonly<Record<ModelSlot, string | null>>;
