/**
 * Step 1 of the preparation: every present series rigidly registered to the reference series,
 * starting from world coordinates (RAW-INPUT.md: one session, no automatic initialisation).
 * A series that cannot be registered (too few slices, elastix fails, implausible result) is left
 * out of the model input with a warning naming it; the model runs on the others.
 */
import { SLOT_DISPLAY_NAME, type ModelSlot } from '../enums/SequenceLabel.ts';
import { isMetaKdError, throwIfCancelled } from '../errors.ts';
import { voxelToLps, type Vec3 } from '../volume/Geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { downsampleTo } from './downsample.ts';
import { registerImages } from './registration/elastix.ts';
import { similarityThrough } from './registration/similarity.ts';
import { displacementMm, IDENTITY4, rotationAngleDeg } from './transforms.ts';
import type { ExcludedSeries, RegistrationRecord } from './types.ts';

/** Registration works on copies no finer than this (mm): 4× fewer voxels, same result quality. */
export const REGISTRATION_SPACING_MM = 2;
/**
 * Iterations per resolution (3 resolutions, 2048 samples) for series-to-reference registration;
 * elastix's default is 250. Measured (CPU s for FLAIR + T1 + T2, 2 mm copies): TCGA-FG-6692
 * 10.2–10.6 s at 250, 3.8 at 60, 6.0 at 100, all within 0.4 mm / 0.3° of the 250 result; the
 * synthetic thick-slice study (test/fixtures/rawStudy.ts) against the true motion, worst series
 * (T2, 4 mm): 0.90 mm / 0.73° at 250, 0.95 / 0.68 at 150, 1.00 / 0.70 at 100, 0.93 / 0.54 at 80,
 * 0.76 / 0.55 at 60. The residual is the thick slices', not the optimiser's: 80 keeps a margin.
 */
export const COREGISTRATION_ITERATIONS = 80;
/** A series needs at least this many voxels and this extent (mm) along every axis. */
const MIN_VOXELS_PER_AXIS = 8;
const MIN_EXTENT_MM = 40;
/** Head motion within one session beyond these draws a warning (issue 10). */
export const WARN_ROTATION_DEG = 15;
export const WARN_TRANSLATION_MM = 20;
/** Beyond these (or with no shared information left) the series is left out. */
const MAX_ROTATION_DEG = 35;
const MAX_TRANSLATION_MM = 50;
/** NMI after registration below this: the series shares almost nothing with the reference. */
export const MIN_NMI = 1.02;

/** Centre of a volume's field of view (LPS). */
export function fovCentre(v: Volume): Vec3 {
  const d = v.geometry.dims;
  return voxelToLps(v.geometry, [(d[0] - 1) / 2, (d[1] - 1) / 2, (d[2] - 1) / 2]);
}

function tooSmall(v: Volume): string | undefined {
  const g = v.geometry;
  for (let a = 0; a < 3; a++) {
    if (g.dims[a] < MIN_VOXELS_PER_AXIS || g.dims[a] * g.spacing[a] < MIN_EXTENT_MM) {
      return `only ${g.dims[a]} voxels (${(g.dims[a] * g.spacing[a]).toFixed(0)} mm) along one axis; a localizer or partial scan cannot be registered`;
    }
  }
  return undefined;
}

/** Result of co-registration. */
export interface CoregistrationResult {
  /** Per registered slot: reference world → series world. The reference maps by identity. */
  readonly toSeries: Partial<Record<ModelSlot, readonly number[]>>;
  readonly records: RegistrationRecord[];
  readonly excluded: ExcludedSeries[];
  readonly warnings: string[];
}

/** Parameters of coregister. */
export interface CoregisterParams {
  readonly volumes: Partial<Record<ModelSlot, Volume>>;
  readonly referenceSlot: ModelSlot;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** Registers each non-reference series to the reference. */
export async function coregister(p: CoregisterParams): Promise<CoregistrationResult> {
  const ref = p.volumes[p.referenceSlot] as Volume;
  const fixed = downsampleTo(ref, REGISTRATION_SPACING_MM);
  const centre = fovCentre(ref);
  const out: CoregistrationResult = {
    toSeries: { [p.referenceSlot]: IDENTITY4 },
    records: [],
    excluded: [],
    warnings: [],
  };
  const others = (Object.keys(p.volumes) as ModelSlot[]).filter(
    (s) => s !== p.referenceSlot && p.volumes[s],
  );
  const refName = SLOT_DISPLAY_NAME[p.referenceSlot];
  for (const [n, slot] of others.entries()) {
    p.onProgress?.('register', n, others.length);
    throwIfCancelled(p.signal);
    const name = SLOT_DISPLAY_NAME[slot];
    const exclude = (reason: string) => {
      out.excluded.push({ slot, reason });
      out.warnings.push(`${name} left out of the model input: ${reason}.`);
    };
    const small = tooSmall(p.volumes[slot] as Volume);
    if (small) {
      exclude(small);
      continue;
    }
    const moving = downsampleTo(p.volumes[slot] as Volume, REGISTRATION_SPACING_MM);
    let reg;
    try {
      reg = await registerImages({
        fixed,
        moving,
        kind: 'rigid',
        iterations: COREGISTRATION_ITERATIONS,
        label: name,
        signal: p.signal,
      });
    } catch (e) {
      if (isMetaKdError(e) && e.code === 'CANCELLED') throw e;
      exclude(`registration to ${refName} failed (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    const record: RegistrationRecord = {
      name: `${name} → ${refName}`,
      slot,
      kind: 'rigid',
      transform: reg.transform,
      parameters: reg.parameters,
      centreLps: reg.centre,
      matrix: reg.matrix,
      rotationDeg: rotationAngleDeg(reg.matrix),
      translationMm: displacementMm(reg.matrix, centre),
      before: similarityThrough(fixed, moving, IDENTITY4),
      after: similarityThrough(fixed, moving, reg.matrix),
      ms: reg.elapsedMs,
      used: true,
    };
    const implausible =
      record.rotationDeg > MAX_ROTATION_DEG ||
      record.translationMm > MAX_TRANSLATION_MM ||
      record.after.nmi < MIN_NMI;
    out.records.push({ ...record, used: !implausible });
    if (implausible) {
      exclude(
        `registration to ${refName} is implausible (rotation ${record.rotationDeg.toFixed(1)}°, ` +
          `shift ${record.translationMm.toFixed(1)} mm, NMI ${record.after.nmi.toFixed(3)}); ` +
          'is it a brain series of this session?',
      );
      continue;
    }
    if (record.rotationDeg > WARN_ROTATION_DEG || record.translationMm > WARN_TRANSLATION_MM) {
      out.warnings.push(
        `${name} moved ${record.rotationDeg.toFixed(1)}° / ${record.translationMm.toFixed(1)} mm ` +
          `relative to ${refName}: more than usual head motion in one session; check the registration.`,
      );
    }
    out.toSeries[slot] = reg.matrix;
  }
  p.onProgress?.('register', others.length, others.length);
  return out;
}
