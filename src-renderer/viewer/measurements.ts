/**
 * Reader measurements with Cornerstone3D's own tools: LengthTool (two points) and BidirectionalTool
 * (RANO-style longest diameter × longest perpendicular). The session stores them (api
 * `setSessionMeasurements`); this module turns Cornerstone annotations into plain records and back,
 * through the public annotation state and events only.
 */
import { eventTarget, type Types } from '@cornerstonejs/core';
import {
  BidirectionalTool,
  Enums as ToolEnums,
  LengthTool,
  annotation,
} from '@cornerstonejs/tools';

/** A measurement as the viewer hands it to the app (the session computes the lengths). */
export interface ViewerMeasurement {
  readonly id: string;
  readonly kind: 'length' | 'bidirectional';
  readonly pointsLps: [number, number, number][];
  /** View plane normal it was drawn in (to show it again on the same plane). */
  readonly planeNormal?: [number, number, number];
}

const KIND_OF: Readonly<Record<string, ViewerMeasurement['kind']>> = {
  [LengthTool.toolName]: 'length',
  [BidirectionalTool.toolName]: 'bidirectional',
};
const TOOL_OF: Readonly<Record<ViewerMeasurement['kind'], string>> = {
  length: LengthTool.toolName,
  bidirectional: BidirectionalTool.toolName,
};
/** Frame of reference of every local volume (volumes.ts). */
const FRAME_OF_REFERENCE = 'metakd-local';
/** A drag fires many "modified" events; the session is written once it settles. */
const SETTLE_MS = 400;

const p3 = (p: readonly number[]): [number, number, number] => [p[0], p[1], p[2]];

/** The measurements currently drawn. */
export function currentMeasurements(): ViewerMeasurement[] {
  const out: ViewerMeasurement[] = [];
  for (const a of annotation.state.getAllAnnotations()) {
    const kind = KIND_OF[a.metadata?.toolName ?? ''];
    const points = a.data?.handles?.points;
    if (!kind || !a.annotationUID || !points) continue;
    if (points.length !== (kind === 'length' ? 2 : 4)) continue;
    const n = a.metadata?.viewPlaneNormal;
    out.push({
      id: a.annotationUID,
      kind,
      pointsLps: points.map(p3),
      ...(n ? { planeNormal: p3(n) } : {}),
    });
  }
  return out;
}

let quiet = 0;

/**
 * Calls `listener` with every measurement after the reader adds, moves or deletes one (not for
 * changes made by `showMeasurements`). Returns the unsubscribe function.
 */
export function watchMeasurements(listener: (all: ViewerMeasurement[]) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const fire = (e: Event) => {
    const tool = (e as CustomEvent<{ annotation?: { metadata?: { toolName?: string } } }>).detail
      ?.annotation?.metadata?.toolName;
    if (quiet > 0 || !tool || !KIND_OF[tool]) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => listener(currentMeasurements()), SETTLE_MS);
  };
  const events = [
    ToolEnums.Events.ANNOTATION_COMPLETED,
    ToolEnums.Events.ANNOTATION_MODIFIED,
    ToolEnums.Events.ANNOTATION_REMOVED,
  ];
  for (const ev of events) eventTarget.addEventListener(ev, fire);
  return () => {
    if (timer) clearTimeout(timer);
    for (const ev of events) eventTarget.removeEventListener(ev, fire);
  };
}

/** Makes the drawn measurements equal `wanted` (the session's): adds missing, removes extra. */
export function showMeasurements(wanted: readonly ViewerMeasurement[]): void {
  quiet++;
  try {
    const drawn = new Map(currentMeasurements().map((m) => [m.id, m]));
    const keep = new Set(wanted.map((m) => m.id));
    for (const id of drawn.keys()) if (!keep.has(id)) annotation.state.removeAnnotation(id);
    for (const m of wanted) {
      if (drawn.has(m.id)) continue;
      const normal = m.planeNormal ?? [0, 0, -1];
      annotation.state.addAnnotation(
        {
          annotationUID: m.id,
          highlighted: false,
          invalidated: true,
          isLocked: false,
          isVisible: true,
          metadata: {
            toolName: TOOL_OF[m.kind],
            FrameOfReferenceUID: FRAME_OF_REFERENCE,
            viewPlaneNormal: normal as Types.Point3,
          },
          data: {
            handles: {
              points: m.pointsLps.map((p) => p3(p) as Types.Point3),
              activeHandleIndex: null,
              textBox: { hasMoved: false, worldPosition: [0, 0, 0], worldBoundingBox: undefined },
            },
            cachedStats: {},
          },
        } as unknown as Parameters<typeof annotation.state.addAnnotation>[0],
        FRAME_OF_REFERENCE,
      );
    }
  } finally {
    quiet--;
  }
}

/** Removes every measurement (a new session or study). */
export function clearMeasurements(): void {
  showMeasurements([]);
}

/** Tool names to register with the tool group. */
export const MEASUREMENT_TOOLS = [LengthTool, BidirectionalTool] as const;
/** Tool name of each measurement kind. */
export const MEASUREMENT_TOOL_NAME = TOOL_OF;
