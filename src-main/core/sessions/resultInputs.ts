/**
 * Result integrity (issue 11; pure functions): a result belongs to the exact series it was
 * computed from. Whether a result is stale is derived each time from the result's recorded
 * inputs and the study's current slot assignment — never from a flag kept beside them that could
 * drift. The sign-off check (signOffCheck.ts) and the renderer's stale note
 * (src-renderer/lib/integrity.ts, which may import only the contract's types and so keeps a copy
 * of these few lines; test/issues/issue11-stale-signoff-api.test.ts pins the two as equal) use
 * this one definition.
 */
import { MODEL_SLOTS, SLOT_DISPLAY_NAME, type ModelSlot } from '../enums/SequenceLabel.ts';

/** Series id per slot that a result was computed from, or that a slot holds now (null: none). */
export type ResultInputs = Readonly<Record<ModelSlot, string | null>>;

/** Reads a `{slot: seriesId}` record of unknown slots into ResultInputs (missing slots: null). */
export function toResultInputs(
  record: Readonly<Record<string, string | null | undefined>>,
): ResultInputs {
  return Object.fromEntries(MODEL_SLOTS.map((s) => [s, record[s] ?? null])) as Record<
    ModelSlot,
    string | null
  >;
}

/** Slots whose series differ between a result's inputs and the current assignment. */
export function changedSlots(inputs: ResultInputs, assignment: ResultInputs): ModelSlot[] {
  return MODEL_SLOTS.filter((s) => (inputs[s] ?? null) !== (assignment[s] ?? null));
}

/** "FLAIR + T1ce + T2": the sequences a result used, in reading order. */
export function sequencesLabel(inputs: ResultInputs): string {
  const used = MODEL_SLOTS.filter((s) => inputs[s]);
  return used.length ? used.map((s) => SLOT_DISPLAY_NAME[s]).join(' + ') : 'no sequence';
}

/**
 * The sentence for a stale result, or null when the result matches the assignment:
 * "Computed for FLAIR + T1ce + T2 — inputs changed (T1), run again."
 */
export function staleMessage(inputs: ResultInputs, assignment: ResultInputs): string | null {
  const changed = changedSlots(inputs, assignment);
  if (!changed.length) return null;
  const which = changed.map((s) => SLOT_DISPLAY_NAME[s]).join(', ');
  return `Computed for ${sequencesLabel(inputs)} — inputs changed (${which}), run again.`;
}
