/**
 * Service: review sessions, bound to core/sessions. A session starts from a finished segmentation
 * job (its labelmap, grid and model info come from the engine's job results through a
 * `SegmentationSource`), then records the reader's edits, sign-off and audit trail on disk.
 */
import { labelVolumes } from '../../core/metrics/regions.ts';
import { SessionStore, type LoadedSession } from '../../core/sessions/SessionStore.ts';
import { toResultInputs } from '../../core/sessions/resultInputs.ts';
import type { SessionModelInfo, SessionResultFacts } from '../../core/sessions/types.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';
import type { LabelmapBox, SessionDto } from '../contract/session.ts';
import type { ServiceOptions, ServiceParts } from './types.ts';
import { studyStore, type StudyStore } from './studyStore.ts';

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
  /** Inputs, warnings, expected accuracy and contributions of the run (kept in the session). */
  readonly result?: SessionResultFacts;
  /** The preparation's brain mask on `geometry` (issue 10): kept with the session. */
  readonly brainMask?: Uint8Array;
}

/** Looks up a finished job's labelmap (the engine's job store). */
export type SegmentationSource = (jobId: string) => Promise<FinishedSegmentation>;

/**
 * Copies an inclusive block of a labelmap (clamped to the grid), i fastest: after a brush stroke
 * the viewer fetches only what the stroke can have changed, not the whole 9 MB labelmap.
 */
export function labelBlock(
  labels: Uint8Array,
  dims: readonly [number, number, number],
  want: LabelmapBox,
): { data: Uint8Array<ArrayBuffer>; box: LabelmapBox } {
  const lo = [0, 1, 2].map((a) => Math.max(0, Math.min(dims[a] - 1, want.min[a])));
  const hi = [0, 1, 2].map((a) => Math.max(lo[a], Math.min(dims[a] - 1, want.max[a])));
  const [sx, sy, sz] = [0, 1, 2].map((a) => hi[a] - lo[a] + 1);
  const data = new Uint8Array(sx * sy * sz);
  let o = 0;
  for (let k = lo[2]; k <= hi[2]; k++)
    for (let j = lo[1]; j <= hi[1]; j++) {
      const start = lo[0] + dims[0] * (j + dims[1] * k);
      data.set(labels.subarray(start, start + sx), o);
      o += sx;
    }
  const v = (x: number[]): [number, number, number] => [x[0], x[1], x[2]];
  return { data, box: { min: v(lo), max: v(hi) } };
}

function toDto(s: LoadedSession): SessionDto {
  return { ...s.record, volumesMl: labelVolumes(s.labels, s.record.geometry) };
}

/** Implements the session methods of the contract. */
export function createSessionService(
  options: ServiceOptions,
  source: SegmentationSource,
  studies: StudyStore = studyStore,
): ServiceParts<
  | 'createSession'
  | 'openSession'
  | 'listSessions'
  | 'getSessionLabelmap'
  | 'editSession'
  | 'undoSessionEdit'
  | 'signOffSession'
  | 'reopenSession'
  | 'setSessionMeasurements'
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
    getSessionLabelmap: async ({ sessionId, box }) => {
      const s = await store.load(sessionId);
      if (box) {
        const block = labelBlock(s.labels, s.record.geometry.dims, box);
        return {
          sessionId,
          geometry: s.record.geometry,
          dataType: 'uint8' as const,
          data: block.data.buffer,
          box: block.box,
        };
      }
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
    signOffSession: async ({ sessionId, reader, seen }) =>
      toDto(
        await store.signOff(sessionId, reader, {
          seen,
          // The study's assignment as this process holds it now (what every screen shows).
          currentAssignment: (studyId) =>
            studies.hasStudy(studyId)
              ? toResultInputs(studies.getAssignment(studyId).assignment)
              : null,
        }),
      ),
    reopenSession: async ({ sessionId, reader }) => toDto(await store.reopen(sessionId, reader)),
    setSessionMeasurements: async ({ sessionId, reader, measurements }) =>
      toDto(await store.setMeasurements(sessionId, reader, measurements)),
  };
}
