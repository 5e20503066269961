/**
 * The model contract (DESIGN.md "The model contract"): `models/<name>/manifest.json` is the only
 * thing the app knows about a model. The training code (models/training/export.py) writes exactly
 * this shape; the inference engine reads nothing else. Tensor layout everywhere is
 * [batch, channel, k, j, i] — the same memory order as a core Volume (i fastest).
 */
import type { ModelSlot } from '../enums/SequenceLabel.ts';

/** Dice per region. */
export interface RegionDice {
  readonly et: number;
  readonly tc: number;
  readonly wt: number;
}

/** One row of the evaluation table: a sequence combination and its validation Dice. */
export interface EvaluationRow {
  /** Present modalities (subset of `modalities`, in manifest order). */
  readonly modalities: readonly ModelSlot[];
  /** Mean Dice over the validation cases. */
  readonly dice: RegionDice;
  /** Per-case Dice, keyed by case id (optional). */
  readonly perCase?: Readonly<Record<string, RegionDice>>;
}

/** An evaluation table for one model variant. */
export interface EvaluationTable {
  /** 15 rows, one per non-empty combination. */
  readonly rows: readonly EvaluationRow[];
  /** Mean over the 15 rows. */
  readonly mean: RegionDice;
}

/** One ONNX file with its checksum and tensor names. */
export interface ModelFile {
  /** Path relative to the manifest's folder. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** The manifest. */
export interface ModelManifest {
  readonly schemaVersion: 1;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** e.g. "MetaKD (arXiv 2405.07155)". */
  readonly method: string;
  readonly createdAt: string;
  /** Model order of the four modality slots (decoder feature order and presence mask order). */
  readonly modalities: readonly [ModelSlot, ModelSlot, ModelSlot, ModelSlot];
  readonly input: {
    /** Model grid spacing (i, j, k) in mm. */
    readonly spacingMm: readonly [number, number, number];
    /** Model grid axes: i points to patient Left, j to Posterior, k to Superior. */
    readonly orientation: 'LPS';
    /**
     * How a series is brought onto the model grid. "trilinear": value at each model-grid voxel
     * centre, by world coordinates; the grid's first centre sits half a model voxel inside the
     * reference series' field-of-view corner (so a 1 mm BraTS volume → 2 mm equals 2×2×2 averaging).
     */
    readonly resampling: 'trilinear';
    readonly cropping: {
      /** Bounding box of voxels that are non-zero in any present modality. */
      readonly type: 'nonzero-bbox';
      /** Voxels added on every side (clamped to the grid). */
      readonly marginVoxels: number;
    };
    readonly normalisation: {
      /** Per modality: (x − mean) / std over that modality's non-zero voxels in the crop; zero stays zero. */
      readonly type: 'zscore-nonzero';
      /** Clip after normalising, or null. */
      readonly clip: readonly [number, number] | null;
    };
  };
  readonly inference: {
    /** Sliding-window patch size [k, j, i] in model voxels. */
    readonly patchSize: readonly [number, number, number];
    /** Fractional overlap between neighbouring windows (0..<1). */
    readonly overlap: number;
    /** Gaussian importance sigma as a fraction of the patch size (nnU-Net uses 1/8). */
    readonly gaussianSigmaScale: number;
    /** Every spatial size fed to the graphs must be a multiple of this (pad with zeros). */
    readonly sizeMultiple: number;
  };
  readonly output: {
    /** Output channel order of `probs`. */
    readonly channels: readonly ['et', 'wt', 'tc'];
    readonly activation: 'sigmoid';
    readonly threshold: number;
    /** Label rule: WT → 2 (edema), TC within WT → 1 (necrotic core), ET within TC → 4. */
    readonly labels: { readonly ncr: 1; readonly ed: 2; readonly et: 4 };
    /** When fewer than this many model-grid voxels are ET, they become necrotic core (1). 0 = off. */
    readonly etMinVoxels: number;
  };
  readonly graphs: {
    /**
     * encoder: input `image` [B,1,k,j,i] (one normalised modality) → outputs named in
     * `featureNames`, each [B, C_l, k/2^l, j/2^l, i/2^l].
     */
    readonly encoder: ModelFile;
    /**
     * decoder: inputs `<featureName>` [B, 4, C_l, …] (the four modalities' features stacked in
     * manifest order; a missing modality's entries may be anything — the graph masks them) and
     * `present` [B, 4] float (1 present, 0 missing) → output `probs` [B, 3, k, j, i] (sigmoid).
     * Inside: missing skip features are zeroed, a missing bottleneck is replaced by the mean of the
     * present modalities' bottlenecks.
     */
    readonly decoder: ModelFile;
    /** Optional single graph: inputs `image` [B,4,k,j,i] and `present` [B,4] → `probs`. */
    readonly combined?: ModelFile;
    /** Encoder output / decoder input names, shallowest first. */
    readonly featureNames: readonly string[];
    /** Channels per feature level. */
    readonly featureChannels: readonly number[];
    readonly opset: number;
  };
  /** Learned global modality importance α (softmax of meta-learned logits), by slot. */
  readonly importance: Readonly<Record<ModelSlot, number>>;
  readonly training: {
    readonly data: string;
    readonly split: {
      readonly train: readonly string[];
      readonly metaVal: readonly string[];
      readonly val: readonly string[];
    };
    readonly iterations: number;
    readonly hardware: string;
    readonly durationSeconds: number;
    readonly seed: number;
    readonly parameters: number;
    readonly notes?: string;
  };
  readonly evaluation: {
    /** What the numbers are computed on, e.g. "validation cases, 1 mm label grid". */
    readonly protocol: string;
    readonly cases: readonly string[];
    readonly metakd: EvaluationTable;
    readonly ablation?: EvaluationTable;
  };
}
