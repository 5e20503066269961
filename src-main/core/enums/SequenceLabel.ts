/** The label a series gets from sequence detection. The first four are the model's inputs. */
export const SequenceLabel = {
  T1: 't1',
  T1ce: 't1ce',
  T2: 't2',
  Flair: 'flair',
  Other: 'other',
} as const;

/** One of the sequence label strings. */
export type SequenceLabel = (typeof SequenceLabel)[keyof typeof SequenceLabel];

/** The four model slots, in the order the user reads them. The model's order is in its manifest. */
export const MODEL_SLOTS = ['flair', 't1', 't1ce', 't2'] as const;

/** One of the four model input slots. */
export type ModelSlot = (typeof MODEL_SLOTS)[number];

/** Display names of the slots. */
export const SLOT_DISPLAY_NAME: Readonly<Record<ModelSlot, string>> = {
  flair: 'FLAIR',
  t1: 'T1',
  t1ce: 'T1ce',
  t2: 'T2',
};
