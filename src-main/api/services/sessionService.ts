/**
 * Service: review sessions, bound to core/sessions. A session starts from a finished segmentation
 * job (its labelmap, grid and model info come from the engine's job results through a
 * `SegmentationSource`), then records the reader's edits, sign-off and audit trail on disk.
 */
import { labelVolumes } from '../../core/metrics/regions.ts';
import { SessionStore, type LoadedSession } from '../../core/sessions/SessionStore.ts';
import type { SessionModelInfo } from '../../core/sessions/types.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';
import type { SessionDto } from '../contract/session.ts';
import type { ServiceOptions, ServiceParts } from './types.ts';

/** What a session needs from a finished segmentation job. */
export interface FinishedSegmentation {
  readonly studyId: string;
  readonly sourcePath: string;
  readonly model: SessionModelInfo;
  readonly sequencesUsed: readonly string[];
  readonly referenceSeriesId: string;
  readonly geometry: Geometry;
  /** Labels 0/1/2/4 on `geometry`. */
  readonly labels: Uint8Array;
}

/** Looks up a finished job's labelmap (the engine's job store). */
export type SegmentationSource = (jobId: string) => Promise<FinishedSegmentation>;

function toDto(s: LoadedSession): SessionDto {
  return { ...s.record, volumesMl: labelVolumes(s.labels, s.record.geometry) };
}

/** Implements the session methods of the contract. */
export function createSessionService(
  options: ServiceOptions,
  source: SegmentationSource,
): ServiceParts<
  | 'createSession'
  | 'openSession'
  | 'listSessions'
  | 'getSessionLabelmap'
  | 'editSession'
  | 'undoSessionEdit'
  | 'signOffSession'
  | 'reopenSession'
> {
  const store = new SessionStore(options.dataDir);
  return {
    createSession: async ({ jobId, reader }) => {
      const seg = await source(jobId);
      return toDto(await store.create({ ...seg, reader }));
    },
    openSession: async ({ sessionId, reader }) => toDto(await store.opened(sessionId, reader)),
    listSessions: async ({ studyId }) => {
      const records = await store.list();
      const wanted = records.filter((r) => studyId === undefined || r.studyId === studyId);
      const out: SessionDto[] = [];
      for (const r of wanted) out.push(toDto(await store.load(r.id)));
      return out;
    },
    getSessionLabelmap: async ({ sessionId }) => {
      const s = await store.load(sessionId);
      const copy = s.labels.slice();
      return {
        sessionId,
        geometry: s.record.geometry,
        dataType: 'uint8' as const,
        data: copy.buffer,
      };
    },
    editSession: async ({ sessionId, reader, edit }) =>
      toDto(await store.edit(sessionId, reader, edit)),
    undoSessionEdit: async ({ sessionId, reader }) => toDto(await store.undo(sessionId, reader)),
    signOffSession: async ({ sessionId, reader }) => toDto(await store.signOff(sessionId, reader)),
    reopenSession: async ({ sessionId, reader }) => toDto(await store.reopen(sessionId, reader)),
  };
}
