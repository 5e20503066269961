/**
 * Preprocessing: present series → model input (MODEL_PIPELINE.md §1–§7). Pure function over
 * in-memory volumes: model grid from the reference series, trilinear resampling by world
 * coordinates, non-zero crop with margin, z-score over non-zero voxels, clip, zero-pad.
 */
import type { Geometry, Vec3 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import type { ModelSlot } from '../enums/SequenceLabel.ts';
import type { ModelManifest } from '../model/Manifest.ts';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { buildModelGrid, chooseReferenceSlot } from './modelGrid.ts';
import { resampleTrilinear } from './resample.ts';
import {
  cropPad,
  nonzeroBox,
  paddedSize,
  zscoreNonzeroInPlace,
  type Box,
} from './cropNormalise.ts';
import { checkInputs } from './inputChecks.ts';

/** The model input for one study, plus where it sits. Sizes are [i, j, k]. */
export interface PreparedInput {
  /** Manifest modality order. */
  readonly modalities: readonly ModelSlot[];
  /** Presence per modality (manifest order). */
  readonly present: readonly boolean[];
  /** The slot whose series defines the field of view and the output grid. */
  readonly referenceSlot: ModelSlot;
  readonly referenceGeometry: Geometry;
  /** The full model grid (LPS-aligned, manifest spacing). */
  readonly modelGrid: Geometry;
  /** The crop on the model grid. */
  readonly crop: Box;
  /** Size after zero-padding at the high end (≥ crop size). */
  readonly padded: Vec3;
  /** Normalised, padded input per modality (manifest order); null when missing. */
  readonly channels: readonly (Float32Array | null)[];
  /** Input-looks-unlike-training warnings. */
  readonly warnings: readonly string[];
}

/** Patch size [k, j, i] from the manifest as [i, j, k]. */
export function patchIjk(manifest: ModelManifest): Vec3 {
  const [k, j, i] = manifest.inference.patchSize;
  return [i, j, k];
}

/**
 * Resamples the present series onto the full model grid (float32, manifest order, null when
 * missing) and returns the grid and reference.
 */
export function toModelGrid(
  volumes: Partial<Record<ModelSlot, Volume>>,
  manifest: ModelManifest,
): {
  grid: Geometry;
  referenceSlot: ModelSlot;
  data: (Float32Array | null)[];
} {
  const order = manifest.modalities;
  const geoms: Partial<Record<ModelSlot, Geometry>> = {};
  for (const s of order) if (volumes[s]) geoms[s] = (volumes[s] as Volume).geometry;
  if (Object.keys(geoms).length === 0) {
    throw new MetaKdError(
      ErrorCode.NoUsableSequence,
      'No usable sequence: none of FLAIR, T1, T1ce, T2 is assigned. Assign at least one series.',
    );
  }
  const referenceSlot = chooseReferenceSlot(geoms, order);
  const grid = buildModelGrid(geoms[referenceSlot] as Geometry, manifest.input.spacingMm);
  const data = order.map((s) =>
    volumes[s] ? resampleTrilinear(volumes[s] as Volume, grid) : null,
  );
  return { grid, referenceSlot, data };
}

/**
 * Runs the whole preprocessing for the present series (missing slots absent or undefined).
 * With `checks: false` the input checks are left to the caller (`warnings` is then empty).
 */
export function preprocess(
  volumes: Partial<Record<ModelSlot, Volume>>,
  manifest: ModelManifest,
  { checks = true }: { checks?: boolean } = {},
): PreparedInput {
  const { grid, referenceSlot, data } = toModelGrid(volumes, manifest);
  const presentData = data.filter((d): d is Float32Array => d !== null);
  const crop = nonzeroBox(presentData, grid.dims, manifest.input.cropping.marginVoxels);
  const padded = paddedSize(crop.size, patchIjk(manifest), manifest.inference.sizeMultiple);
  const channels = data.map((d) => {
    if (!d) return null;
    const c = cropPad(d, grid.dims, crop, padded);
    zscoreNonzeroInPlace(c, manifest.input.normalisation.clip);
    return c;
  });
  return {
    modalities: manifest.modalities,
    present: data.map((d) => d !== null),
    referenceSlot,
    referenceGeometry: (volumes[referenceSlot] as Volume).geometry,
    modelGrid: grid,
    crop,
    padded,
    channels,
    warnings: checks ? checkInputs(volumes, manifest.modalities, manifest.input.spacingMm) : [],
  };
}
