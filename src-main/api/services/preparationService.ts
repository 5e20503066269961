/**
 * The preparation part of the api (issue 10):
 * - `getPreparationDecision`: core's decidePreparation (mode `auto`) on the imported study's
 *   assigned series, so the reader sees at import what the run will do and why;
 * - `getPreparationCheck` / `getPreparationVolume`: for a finished job or a stored review session,
 *   the preparation record and the volumes the reader checks it with on the reference series'
 *   native grid — the brain mask kept with the result, and each co-registered series resampled
 *   through the recorded transform (core/prepare/checkVolumes.ts).
 */
import { MODEL_SLOTS, type ModelSlot } from '../../core/enums/SequenceLabel.ts';
import { ErrorCode, MetaKdError } from '../../core/errors.ts';
import { decidePreparation } from '../../core/prepare/decidePreparation.ts';
import { checkSlots, seriesOnReferenceGrid } from '../../core/prepare/checkVolumes.ts';
import type { PreparationRecord } from '../../core/prepare/types.ts';
import { SessionStore } from '../../core/sessions/SessionStore.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';
import type { Volume } from '../../core/volume/Volume.ts';
import type {
  PreparationCheckDto,
  PreparationDecisionDto,
  PreparationVolumeDto,
} from '../contract/preparation.ts';
import type { SegmentationSource } from './sessionService.ts';
import type { ServiceParts } from './types.ts';
import { studyStore, type StudyStore } from './studyStore.ts';
import { robustWindow } from './viewerService.ts';

/** Where finished results are kept: the engine's jobs and the sessions on disk. */
export interface PreparationSources {
  readonly segmentations?: SegmentationSource;
  /** Data folder holding the review sessions. */
  readonly dataDir?: string;
}

/** What a job or a session kept of its run. */
interface KeptResult {
  readonly studyId: string;
  readonly referenceSeriesId: string;
  readonly geometry: Geometry;
  readonly inputSeries: Readonly<Record<string, string | null>>;
  readonly preparation: PreparationRecord | null;
  readonly brainMask: () => Promise<Uint8Array | null>;
}

type SourceParams = { readonly jobId?: string; readonly sessionId?: string };

/** The preparation service part. */
export function createPreparationService(
  store: StudyStore = studyStore,
  sources: PreparationSources = {},
): ServiceParts<'getPreparationDecision' | 'getPreparationCheck' | 'getPreparationVolume'> {
  const sessions = sources.dataDir ? new SessionStore(sources.dataDir) : null;

  const kept = async (p: SourceParams): Promise<KeptResult> => {
    if (p.jobId) {
      if (!sources.segmentations) {
        throw new MetaKdError(ErrorCode.NotFound, 'This service keeps no segmentation jobs.');
      }
      const seg = await sources.segmentations(p.jobId);
      return {
        studyId: seg.studyId,
        referenceSeriesId: seg.referenceSeriesId,
        geometry: seg.geometry,
        inputSeries: seg.result?.inputSeries ?? {},
        preparation: seg.result?.preparation ?? null,
        brainMask: async () => seg.brainMask ?? null,
      };
    }
    if (!sessions || !p.sessionId) {
      throw new MetaKdError(ErrorCode.NotFound, 'This service keeps no review sessions.');
    }
    const id = p.sessionId;
    const r = await sessions.readRecord(id);
    return {
      studyId: r.studyId,
      referenceSeriesId: r.referenceSeriesId,
      geometry: r.geometry,
      inputSeries: r.result?.inputSeries ?? {},
      preparation: r.result?.preparation ?? null,
      brainMask: () => sessions.brainMask(id),
    };
  };

  const what = (p: SourceParams) =>
    p.jobId ? `segmentation job "${p.jobId}"` : `review session "${p.sessionId}"`;

  const prepared = (k: KeptResult, p: SourceParams): PreparationRecord => {
    if (!k.preparation?.ran) {
      throw new MetaKdError(
        ErrorCode.NotFound,
        k.preparation
          ? `The study of ${what(p)} was not prepared (${k.preparation.decision.mode}): there is nothing to check.`
          : `${what(p)} recorded no preparation (made before preparation was kept): run the model again.`,
      );
    }
    return k.preparation;
  };

  const brainMaskVolume = async (k: KeptResult, p: SourceParams): Promise<Volume> => {
    const mask = await k.brainMask();
    if (!mask) {
      throw new MetaKdError(
        ErrorCode.NotFound,
        `No brain mask was kept for ${what(p)}: run the model again to check the preparation.`,
      );
    }
    return { geometry: k.geometry, data: mask };
  };

  const registeredVolume = (k: KeptResult, record: PreparationRecord, slot: ModelSlot): Volume => {
    if (slot === record.referenceSlot) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `${slot} is the reference: the check shows the other series against it.`,
      );
    }
    const seriesId = k.inputSeries[slot];
    if (!seriesId || !checkSlots(record).includes(slot)) {
      throw new MetaKdError(
        ErrorCode.NotFound,
        `No co-registered ${slot} series in this preparation (missing or left out).`,
      );
    }
    return seriesOnReferenceGrid({
      record,
      slot,
      series: store.getSeries(k.studyId, seriesId).volume,
      referenceGeometry: k.geometry,
    });
  };

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

    async getPreparationCheck(p): Promise<PreparationCheckDto> {
      const k = await kept(p);
      const ran = !!k.preparation?.ran;
      return {
        preparation: k.preparation,
        studyId: k.studyId,
        referenceSeriesId: k.referenceSeriesId,
        brainMask: ran && !!(await k.brainMask()),
        checkSlots: ran && k.preparation ? checkSlots(k.preparation) : [],
      };
    },

    async getPreparationVolume(p): Promise<PreparationVolumeDto> {
      const k = await kept(p);
      const record = prepared(k, p);
      if (p.layer === 'brainMask') {
        const v = await brainMaskVolume(k, p);
        const data = v.data as Uint8Array;
        return {
          layer: 'brainMask',
          geometry: v.geometry,
          dataType: 'uint8',
          window: { center: 0.5, width: 1 },
          // A copy: the job keeps its mask, whatever a transport does with the buffer.
          data: data.slice().buffer,
        };
      }
      const v = registeredVolume(k, record, p.layer);
      const data = v.data as Float32Array;
      return {
        layer: p.layer,
        geometry: v.geometry,
        dataType: 'float32',
        window: robustWindow(data),
        data: ownBuffer(data),
      };
    },
  };
}

/** A standalone ArrayBuffer with exactly the array's bytes (copied when it is a view). */
function ownBuffer(a: Uint8Array | Float32Array): ArrayBuffer {
  const buf = a.buffer as ArrayBuffer;
  return a.byteOffset === 0 && a.byteLength === buf.byteLength
    ? buf
    : buf.slice(a.byteOffset, a.byteOffset + a.byteLength);
}
