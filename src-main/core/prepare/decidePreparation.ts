/**
 * Does a study need the preparation stage (co-registration, brain extraction, BraTS-space
 * alignment) before the model? Pure function over the assigned volumes.
 */
import { sameGrid } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { SLOT_DISPLAY_NAME, type ModelSlot } from '../enums/SequenceLabel.ts';
import { looksSkullStripped } from '../preprocess/inputChecks.ts';
import { isBratsGrid } from './bratsSpace.ts';
import type { PrepDecision, PrepMode, PrepReason } from './types.ts';

/** Grids whose corners agree within this many mm count as one grid. */
const SAME_GRID_TOL_MM = 0.01;

/** The reasons `auto` would prepare this study (empty: it is BraTS-like and passes through). */
export function preparationReasons(volumes: Partial<Record<ModelSlot, Volume>>): PrepReason[] {
  const present = (Object.keys(volumes) as ModelSlot[]).filter((s) => volumes[s]);
  const reasons: PrepReason[] = [];
  const inBratsSpace = present.every((s) => isBratsGrid((volumes[s] as Volume).geometry));
  // On the BraTS grid the series come from the BraTS pipeline, which strips them all together:
  // checking one keeps the pass-through as fast as before the stage (a full check reads every
  // voxel of every series). Off the grid every series is checked (the record names them).
  const toCheck = inBratsSpace ? present.slice(0, 1) : present;
  const notStripped = toCheck.filter((s) => !looksSkullStripped(volumes[s] as Volume));
  if (notStripped.length > 0) {
    reasons.push({
      code: 'not-skull-stripped',
      message: `${notStripped.map((s) => SLOT_DISPLAY_NAME[s]).join(', ')} not skull-stripped.`,
    });
  }
  const first = present.length > 0 ? (volumes[present[0]] as Volume).geometry : undefined;
  const off = present.filter(
    (s) => first && !sameGrid(first, (volumes[s] as Volume).geometry, SAME_GRID_TOL_MM),
  );
  if (off.length > 0) {
    reasons.push({
      code: 'different-grids',
      message:
        'The series are on different grids (separate acquisitions: the head may have moved).',
    });
  }
  const notBrats = present.filter((s) => !isBratsGrid((volumes[s] as Volume).geometry));
  if (notBrats.length > 0) {
    reasons.push({
      code: 'not-brats-space',
      message: `${notBrats.map((s) => SLOT_DISPLAY_NAME[s]).join(', ')} not on the BraTS (SRI24, 1 mm) grid.`,
    });
  }
  return reasons;
}

/** Decision for a mode: `off` never prepares, `force` always, `auto` when there is a reason. */
export function decidePreparation(
  volumes: Partial<Record<ModelSlot, Volume>>,
  mode: PrepMode,
): PrepDecision {
  // `off` costs nothing: BraTS-space runs stay exactly as fast as before the stage existed.
  if (mode === 'off') return { mode, needed: false, reasons: [] };
  const reasons = preparationReasons(volumes);
  if (mode === 'force') {
    return {
      mode,
      needed: true,
      reasons: [{ code: 'forced', message: 'Preparation forced (--prep force).' }, ...reasons],
    };
  }
  return { mode, needed: reasons.length > 0, reasons };
}
