/**
 * The reader's check of a preparation (issue 10), on the reference series' native grid: each
 * co-registered series resampled onto that grid through exactly the transform the model input was
 * made with, so a checkerboard or flicker against the reference shows what the model saw. Pure.
 *
 * The recorded `composed[slot]` maps a BraTS-space point to series `slot`'s native world and was
 * built as toSeries[slot] · bratsToReference, with composed[reference] = bratsToReference (the
 * reference maps to itself by identity). So reference world → series world is
 * composed[slot] · composed[reference]⁻¹: the co-registration the resampling used, whatever the
 * template alignment was.
 */
import type { ModelSlot } from '../enums/SequenceLabel.ts';
import { ErrorCode, MetaKdError } from '../errors.ts';
import type { Geometry, Mat4 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { resampleTrilinearThrough } from './resampleComposed.ts';
import { invert, multiply } from './transforms.ts';
import type { PreparationRecord } from './types.ts';

/** The co-registered series a check can show against the reference (reference excluded). */
export function checkSlots(record: PreparationRecord): ModelSlot[] {
  if (!record.ran || !record.referenceSlot) return [];
  const ref = record.referenceSlot;
  return (Object.keys(record.composed) as ModelSlot[]).filter((s) => s !== ref);
}

/** Reference world → series `slot` world (LPS mm, row-major), as the preparation resampled it. */
export function referenceToSeries(record: PreparationRecord, slot: ModelSlot): Mat4 {
  const ref = record.referenceSlot;
  const toSlot = record.composed[slot];
  const toRef = ref ? record.composed[ref] : undefined;
  if (!record.ran || !toSlot || !toRef) {
    throw new MetaKdError(
      ErrorCode.NotFound,
      `The preparation recorded no transform for ${slot}: it was not prepared or was left out.`,
    );
  }
  return multiply(toSlot, invert(toRef));
}

/**
 * Series `slot` on the reference's native grid (trilinear, zero outside the series): what the
 * model saw of that series, in the geometry the reader looks at.
 */
export function seriesOnReferenceGrid(p: {
  readonly record: PreparationRecord;
  readonly slot: ModelSlot;
  /** The series' native volume (as imported). */
  readonly series: Volume;
  readonly referenceGeometry: Geometry;
}): Volume {
  const pull = referenceToSeries(p.record, p.slot);
  return {
    geometry: p.referenceGeometry,
    data: resampleTrilinearThrough(p.series, pull, p.referenceGeometry),
  };
}
