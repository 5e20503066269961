/**
 * Contract: the raw-study preparation decision at import (issue 10). The app shows, next to the
 * sequence slots and before any run, whether the study will be prepared (co-registration, brain
 * extraction, BraTS-space alignment) and why — the same decision `startSegmentation` with
 * `prep: 'auto'` takes on the same assigned series.
 */
import { z } from 'zod';
import { method } from './method.ts';
import type { ModelSlot } from '../../core/enums/SequenceLabel.ts';
import type { PrepReason } from '../../core/prepare/types.ts';

/** What `auto` would do with the study's currently assigned series. */
export interface PreparationDecisionDto {
  readonly studyId: string;
  /** True: `auto` prepares the study; false: it is used as is (BraTS-space input). */
  readonly needed: boolean;
  /** Why it is needed (empty when not). */
  readonly reasons: readonly PrepReason[];
  /** The assigned slots the decision looked at. */
  readonly slots: readonly ModelSlot[];
}

/** Methods of the preparation part of the api. */
export const preparationMethods = {
  getPreparationDecision: method<PreparationDecisionDto>()(
    z.object({ studyId: z.string().min(1, 'studyId is required') }).strict(),
    'Whether an imported study needs preparation (prep auto) and why, on its assigned series.',
  ),
} as const;
