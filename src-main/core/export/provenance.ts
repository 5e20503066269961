/**
 * Provenance of an exported mask: which algorithm and model made it, on which provider, from which
 * series, and whether a person edited it. Written into DICOM SEG attributes and the NIfTI sidecar.
 */

/** Where an exported mask came from. */
export interface Provenance {
  /** Algorithm family name written as SegmentAlgorithmName, e.g. "MetaKD". */
  readonly algorithm: string;
  /** Model name from the manifest. */
  readonly modelName: string;
  /** Model version from the manifest. */
  readonly modelVersion: string;
  /** sha256 of the model files (from the manifest), or "" when unknown. */
  readonly modelSha256: string;
  /** Execution provider that ran the model ("cpu", "cuda", "webgpu", …), or "" when unknown. */
  readonly provider: string;
  /** sha256 of each model graph by name (e.g. encoder, decoder), when the engine reported them. */
  readonly modelGraphsSha256?: Readonly<Record<string, string>>;
  /** Sequences the model used (e.g. ["flair", "t1ce"]), when known. */
  readonly sequencesUsed?: readonly string[];
  /** True when a person edited the mask after the model produced it. */
  readonly editedByHuman: boolean;
  /**
   * A reader drew the mask from scratch, without the model's mask (a blinded project annotation):
   * SEG SegmentAlgorithmType MANUAL, no SegmentAlgorithmName.
   */
  readonly manual?: boolean;
  /** Who edited or signed off (free text from settings), when known. */
  readonly editedBy?: string;
  /** The review session the labelmap came from, when it came from one. */
  readonly reviewSessionId?: string;
  /**
   * What the engine warned about the result it exported (untrusted input, raw-study preparation,
   * thick slices, …), so the export says what the screen said.
   */
  readonly warnings?: readonly string[];
  /** The series the mask is exported on. */
  readonly sourceSeries: {
    /** Series id in the app (SeriesInstanceUID or a NIfTI path id). */
    readonly id: string;
    readonly SeriesInstanceUID?: string;
    readonly SeriesDescription?: string;
  };
  /** ISO 8601 time the export was made. */
  readonly createdAt: string;
}

/** Settings that name the person and the content (from the app settings). */
export interface ExportSettings {
  /** ContentCreatorName (PN), e.g. "Doe^Jane". */
  readonly ContentCreatorName: string;
  /** ContentLabel (CS: upper case, digits, underscore, space; ≤16 chars). */
  readonly ContentLabel: string;
  /** SeriesNumber of the new SEG series. Default 9901. */
  readonly SeriesNumber?: number;
  /** SeriesDescription of the new SEG series. Default "MetaKD tumour segmentation". */
  readonly SeriesDescription?: string;
  /** Remove paths and UIDs from NIfTI sidecars by default (settings.json `export.anonymiseProvenance`). */
  readonly anonymiseProvenance?: boolean;
}

/** Default SeriesDescription of exported SEG series. */
export const DEFAULT_SEG_SERIES_DESCRIPTION = 'MetaKD tumour segmentation';
/** Default SeriesNumber of exported SEG series (high, so it sorts after the source series). */
export const DEFAULT_SEG_SERIES_NUMBER = 9901;
/** Default ContentLabel. */
export const DEFAULT_CONTENT_LABEL = 'METAKD_TUMOUR';

/** SegmentAlgorithmType for the provenance: SEMIAUTOMATIC once a person edited the mask. */
export function segmentAlgorithmType(p: Provenance): 'AUTOMATIC' | 'SEMIAUTOMATIC' {
  return p.editedByHuman ? 'SEMIAUTOMATIC' : 'AUTOMATIC';
}

/** ContentLabel made valid for CS: upper case, allowed characters only, ≤16 characters. */
export function toContentLabel(s: string): string {
  const cleaned = s
    .toUpperCase()
    .replace(/[^A-Z0-9_ ]/g, '_')
    .slice(0, 16)
    .trim();
  return cleaned || DEFAULT_CONTENT_LABEL;
}
