/**
 * Result integrity (issue 11; pure functions): a result belongs to the exact series it was
 * computed from. Staleness is derived each time from the result's recorded inputs and the study's
 * current assignment — never from a flag kept beside them that could drift.
 */
import type { ResultInputsDto } from '../../src-main/api/contract.ts';
import { SLOTS, SLOT_NAME, type Slot } from './viewTypes.ts';

/**
 * Series id per slot that a result was computed from (null: missing or not used). The api's
 * sign-off check (core/sessions/resultInputs.ts) uses the same comparison as below; the renderer
 * may import only the contract's types, so the few lines are kept in step by
 * test/issues/issue11-stale-signoff-api.test.ts.
 */
export type SlotInputs = ResultInputsDto;

/** Slots whose series differ between the result's inputs and the current assignment. */
export function changedSlots(inputs: SlotInputs, assignment: SlotInputs): Slot[] {
  return SLOTS.filter((s) => (inputs[s] ?? null) !== (assignment[s] ?? null));
}

/** "FLAIR + T1ce + T2": the sequences a result used, in reading order. */
export function sequencesLabel(inputs: SlotInputs): string {
  const used = SLOTS.filter((s) => inputs[s]);
  return used.length ? used.map((s) => SLOT_NAME[s]).join(' + ') : 'no sequence';
}

/**
 * The sentence shown over a stale result, or null when the result matches the assignment:
 * "Computed for FLAIR + T1ce + T2 — inputs changed (T1), run again."
 */
export function staleMessage(inputs: SlotInputs, assignment: SlotInputs): string | null {
  const changed = changedSlots(inputs, assignment);
  if (!changed.length) return null;
  const which = changed.map((s) => SLOT_NAME[s]).join(', ');
  return `Computed for ${sequencesLabel(inputs)} — inputs changed (${which}), run again.`;
}

/** Reads a `{slot: seriesId}` record of unknown slots into SlotInputs (missing slots: null). */
export function toSlotInputs(
  record: Readonly<Record<string, string | null | undefined>>,
): SlotInputs {
  return Object.fromEntries(SLOTS.map((s) => [s, record[s] ?? null])) as Record<
    Slot,
    string | null
  >;
}
