/**
 * Slot assignment: picks the best series for each of the four model slots from the labels,
 * reports ties and missing sequences, and applies the caller's overrides. Pure functions.
 *
 * Preference, in order: native (non-derived) over derived reformats; finer resolution (smaller
 * voxel volume, then more voxels); for T1ce the later acquisition (a second post-contrast T1 is
 * the more enhanced one); then higher confidence. Candidates equal on every preference criterion
 * but the last are reported as a tie.
 */
import { MetaKdError, ErrorCode } from '../errors.ts';
import { MODEL_SLOTS, SLOT_DISPLAY_NAME, type ModelSlot } from '../enums/SequenceLabel.ts';
import type { Assignment, Classification, SeriesInfo } from '../study/types.ts';
import type { Geometry } from '../volume/Geometry.ts';
import { acquisitionOrder, compareAcquisition } from './classifyStudy.ts';

/** A series as assignment sees it: header facts plus (when loaded) its geometry. */
export type SlotCandidate = SeriesInfo & { readonly volume?: { readonly geometry: Geometry } };

/** Caller overrides: a series id per slot, or null to force the slot missing. */
export type SlotOverrides = Readonly<Partial<Record<ModelSlot, string | null>>>;

/** Series that tied for a slot. */
export interface SlotTie {
  readonly slot: ModelSlot;
  /** Tied series ids, the chosen one first. */
  readonly seriesIds: readonly string[];
}

/** The outcome of assignment. */
export interface SlotAssignmentResult {
  readonly assignment: Assignment;
  /** Slots with no series, in MODEL_SLOTS order. */
  readonly missing: readonly ModelSlot[];
  readonly ties: readonly SlotTie[];
  /** Why each slot holds what it holds. */
  readonly reasons: Readonly<Record<ModelSlot, string>>;
}

/** Voxel volumes within this relative difference count as the same resolution. */
const RESOLUTION_TOLERANCE = 0.01;

function voxelVolume(c: SlotCandidate): number | undefined {
  const s = c.volume?.geometry.spacing;
  return s ? s[0] * s[1] * s[2] : undefined;
}

function voxelTotal(c: SlotCandidate): number | undefined {
  const d = c.volume?.geometry.dims;
  return d ? d[0] * d[1] * d[2] : undefined;
}

/** Compares two candidates on the preference criteria (negative: a is better). 0 = tie. */
function comparePreference(slot: ModelSlot, a: Ranked, b: Ranked): number {
  if (a.derived !== b.derived) return a.derived ? 1 : -1;
  const va = voxelVolume(a.series);
  const vb = voxelVolume(b.series);
  if (va !== undefined && vb !== undefined) {
    if (Math.abs(va - vb) > RESOLUTION_TOLERANCE * Math.max(va, vb)) return va - vb;
    const na = voxelTotal(a.series) ?? 0;
    const nb = voxelTotal(b.series) ?? 0;
    if (na !== nb) return nb - na;
  }
  if (slot === 't1ce') {
    const order = compareAcquisition(acquisitionOrder(a.series), acquisitionOrder(b.series));
    if (order !== undefined && order !== 0) return -order;
  }
  return 0;
}

interface Ranked {
  readonly series: SlotCandidate;
  readonly derived: boolean;
  readonly confidence: number;
}

function describe(c: SlotCandidate): string {
  const num = c.SeriesNumber !== undefined ? `#${c.SeriesNumber} ` : '';
  return `${num}"${c.SeriesDescription}"`;
}

function validateOverrides(
  series: readonly SlotCandidate[],
  overrides: SlotOverrides,
): Map<ModelSlot, string | null> {
  const ids = new Set(series.map((s) => s.id));
  const out = new Map<ModelSlot, string | null>();
  const usedBy = new Map<string, ModelSlot>();
  for (const [key, value] of Object.entries(overrides)) {
    if (!(MODEL_SLOTS as readonly string[]).includes(key)) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `Unknown slot "${key}" in the assignment override; slots are ${MODEL_SLOTS.join(', ')}.`,
      );
    }
    const slot = key as ModelSlot;
    if (value === undefined) continue;
    if (value !== null) {
      if (!ids.has(value)) {
        throw new MetaKdError(
          ErrorCode.InvalidArgument,
          `Series "${value}" chosen for ${SLOT_DISPLAY_NAME[slot]} is not in this study.`,
        );
      }
      const other = usedBy.get(value);
      if (other) {
        throw new MetaKdError(
          ErrorCode.InvalidArgument,
          `Series "${value}" is chosen for both ${SLOT_DISPLAY_NAME[other]} and ${SLOT_DISPLAY_NAME[slot]}; one series can fill one slot.`,
        );
      }
      usedBy.set(value, slot);
    }
    out.set(slot, value);
  }
  return out;
}

/** Picks the best candidate among `pool` for `slot`, with the tie list and the reason. */
function pickAutomatic(
  slot: ModelSlot,
  pool: readonly Ranked[],
): { id: string | null; tie?: SlotTie; reason: string } {
  if (pool.length === 0) {
    return { id: null, reason: `no series was recognised as ${SLOT_DISPLAY_NAME[slot]}` };
  }
  const sorted = [...pool].sort(
    (a, b) => comparePreference(slot, a, b) || b.confidence - a.confidence,
  );
  const best = sorted[0];
  const tied = sorted.filter((r) => comparePreference(slot, best, r) === 0);
  const why: string[] = [];
  if (pool.length > 1) {
    why.push(`best of ${pool.length} candidates`);
    if (!best.derived && pool.some((r) => r.derived)) why.push('native over derived');
    const v = voxelVolume(best.series);
    if (v !== undefined) why.push(`voxel ${v.toFixed(2)} mm³`);
    if (slot === 't1ce' && tied.length < pool.length) why.push('latest post-contrast acquisition');
  }
  if (best.derived) why.push('derived (no native series)');
  const reason = `${describe(best.series)}${why.length ? ` (${why.join(', ')})` : ''}`;
  const tie = tied.length > 1 ? { slot, seriesIds: tied.map((r) => r.series.id) } : undefined;
  return { id: best.series.id, tie, reason };
}

/**
 * Assigns series to the four model slots.
 * @param series the study's series (with volumes when loaded, for the resolution preference)
 * @param classifications labels from classifyStudy, keyed by series id
 * @param overrides a series id per slot, or null to force that slot missing
 * @throws MetaKdError INVALID_ARGUMENT for an unknown slot, an unknown series or one series in
 *   two slots
 */
export function assignSlots(
  series: readonly SlotCandidate[],
  classifications: ReadonlyMap<string, Classification>,
  overrides: SlotOverrides = {},
): SlotAssignmentResult {
  const forced = validateOverrides(series, overrides);
  const takenByOverride = new Set([...forced.values()].filter((v): v is string => v !== null));
  const assignment: Record<ModelSlot, string | null> = {
    flair: null,
    t1: null,
    t1ce: null,
    t2: null,
  };
  const reasons = {} as Record<ModelSlot, string>;
  const ties: SlotTie[] = [];
  for (const slot of MODEL_SLOTS) {
    if (forced.has(slot)) {
      const id = forced.get(slot) ?? null;
      assignment[slot] = id;
      const chosen = series.find((s) => s.id === id);
      reasons[slot] = chosen ? `override: ${describe(chosen)}` : 'override: set missing';
      continue;
    }
    const pool: Ranked[] = series
      .filter((s) => !takenByOverride.has(s.id) && classifications.get(s.id)?.label === slot)
      .map((s) => {
        const c = classifications.get(s.id);
        return { series: s, derived: c?.derived ?? false, confidence: c?.confidence ?? 0 };
      });
    const pick = pickAutomatic(slot, pool);
    assignment[slot] = pick.id;
    reasons[slot] = pick.reason;
    if (pick.tie) ties.push(pick.tie);
  }
  const missing = MODEL_SLOTS.filter((slot) => assignment[slot] === null);
  return { assignment, missing, ties, reasons };
}
