/**
 * What the screen shows, as plain data: studies, series rows, the segmentation result. Built from
 * the api's results by lib/reviewClient.ts, so components never depend on a contract's exact shape.
 */

/** The four model slots in reading order. */
export const SLOTS = ['flair', 't1', 't1ce', 't2'] as const;

/** One of the four sequences. */
export type Slot = (typeof SLOTS)[number];

/** Display name of each slot. */
export const SLOT_NAME: Readonly<Record<Slot, string>> = {
  flair: 'FLAIR',
  t1: 'T1',
  t1ce: 'T1ce',
  t2: 'T2',
};

/** One row of the series table. */
export interface SeriesRowView {
  readonly id: string;
  readonly description: string;
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  /** Detected label: flair, t1, t1ce, t2 or other. */
  readonly label: string;
  /** 0..1 */
  readonly confidence: number;
  readonly reasons: readonly string[];
}

/** One imported study. */
export interface StudyView {
  readonly id: string;
  readonly title: string;
  readonly date?: string;
  readonly sourcePath: string;
  readonly series: readonly SeriesRowView[];
  /** Which series fills each slot (null: missing). */
  readonly assignment: Readonly<Record<Slot, string | null>>;
  readonly missing: readonly Slot[];
  readonly warnings: readonly string[];
  /** Patient facts for the header line (DICOM only; the name is masked by default). */
  readonly patient?: {
    readonly name?: string;
    readonly id?: string;
    readonly sex?: string;
    readonly age?: string;
    readonly birthDate?: string;
  };
}

/** Tumour volumes (mL). */
export interface VolumesView {
  readonly ncr: number;
  readonly ed: number;
  readonly et: number;
  readonly tc: number;
  readonly wt: number;
}

/** Region keys of the contribution readout. */
export type Region = 'et' | 'tc' | 'wt';

/** Contributions for one region. */
export interface RegionContributionView {
  readonly region: Region;
  /** Shapley value per present sequence (mL of predicted region volume). */
  readonly shapley: Readonly<Partial<Record<Slot, number>>>;
  /** Leave-one-out change per present sequence (mL). */
  readonly leaveOneOut: Readonly<Partial<Record<Slot, number>>>;
  /** Unit of the values, e.g. "mL". */
  readonly unit: string;
}

/** Per-case range of the validation Dice behind the expected accuracy. */
export interface DiceRangeView {
  readonly min: number;
  readonly max: number;
}

/** A finished segmentation as the results panel shows it. */
export interface ResultView {
  /** The job that computed it (null: restored from a stored review session). */
  readonly jobId: string | null;
  /** Series id per slot the model was given (null: missing or not used): the result's inputs. */
  readonly inputs: Readonly<Record<Slot, string | null>>;
  readonly volumesMl: VolumesView;
  readonly contributions: readonly RegionContributionView[];
  /** Learned global importance α (from the model manifest), by slot. */
  readonly importance: Readonly<Partial<Record<Slot, number>>>;
  /** Validation Dice for the present combination, or null when unknown. */
  readonly expected: { readonly et: number; readonly tc: number; readonly wt: number } | null;
  readonly expectedNote: string;
  /** Validation cases behind `expected` (0: none). */
  readonly expectedCases: number;
  /** Lowest and highest per-case Dice behind `expected`, when the manifest lists them. */
  readonly expectedRange: {
    readonly et: DiceRangeView;
    readonly tc: DiceRangeView;
    readonly wt: DiceRangeView;
  } | null;
  readonly model: { readonly name: string; readonly version: string; readonly provider: string };
  readonly sequencesUsed: readonly Slot[];
  readonly warnings: readonly string[];
  /** Seconds the segmentation took (engine's own timing), when reported. */
  readonly seconds?: number;
}

/** Progress of a running job. */
export interface JobView {
  readonly jobId: string;
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

/** An error shown to the reader. */
export interface ErrorView {
  readonly message: string;
  readonly file?: string;
  readonly code?: string;
}
