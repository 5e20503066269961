/**
 * `getPreparationDecision`: core's decidePreparation (mode `auto`) on the imported study's
 * assigned series, so the reader sees at import what the run will do and why.
 */
import { MODEL_SLOTS, type ModelSlot } from '../../core/enums/SequenceLabel.ts';
import { decidePreparation } from '../../core/prepare/decidePreparation.ts';
import type { Volume } from '../../core/volume/Volume.ts';
import type { PreparationDecisionDto } from '../contract/preparation.ts';
import type { ServiceParts } from './types.ts';
import { studyStore, type StudyStore } from './studyStore.ts';

/** The preparation service part. */
export function createPreparationService(
  store: StudyStore = studyStore,
): ServiceParts<'getPreparationDecision'> {
  return {
    async getPreparationDecision(p): Promise<PreparationDecisionDto> {
      const assignment = store.getAssignment(p.studyId).assignment;
      const volumes: Partial<Record<ModelSlot, Volume>> = {};
      for (const s of MODEL_SLOTS) {
        const id = assignment[s];
        if (id) volumes[s] = store.getSeries(p.studyId, id).volume;
      }
      const d = decidePreparation(volumes, 'auto');
      return {
        studyId: p.studyId,
        needed: d.needed,
        reasons: d.reasons,
        slots: MODEL_SLOTS.filter((s) => volumes[s]),
      };
    },
  };
}
