/**
 * The renderer's use of the api: typed calls through the bridge, mapped to the view types the
 * components show (lib/viewTypes.ts). The only renderer file that knows the contract's shapes.
 */
import type { ApiEvent, ReviewApi, ResultOf, apiMethods } from '../../src-main/api/contract.ts';
import { createApi, type Transport } from './bridge.ts';
import { sessionResultView, toResultView, type EvaluationRowView } from './resultView.ts';
import { overridesFor } from './overrides.ts';
import { PROVIDER_CHOICES, providersFor } from './providers.ts';
import type { ResultView, Slot, StudyView } from './viewTypes.ts';
import type { PrepModeView, PreparationDecisionDto } from './preparationView.ts';

type StudyDto = ResultOf<(typeof apiMethods)['getStudy']>;
type AssignmentDto = ResultOf<(typeof apiMethods)['setAssignment']>;
type SessionDto = ResultOf<(typeof apiMethods)['openSession']>;
type Provider = NonNullable<Parameters<ReviewApi['startSegmentation']>[0]['provider']>;
/** lib/providers.ts's copy of the choices, typed against the contract (the two stay one list). */
const CHOICES: readonly Provider[] = PROVIDER_CHOICES;

/** One stored edit operation (what redo sends again). */
export type SessionEditOp = SessionDto['edits'][number]['edit'];
type EditParam = Parameters<ReviewApi['editSession']>[0]['edit'];

/** A stored edit as editSession params (readonly tuples copied into the schema's arrays). */
function toEditParam(e: SessionEditOp): EditParam {
  const v = (c: readonly number[]): [number, number, number] => [c[0], c[1], c[2]];
  switch (e.kind) {
    case 'relabelComponent':
      return { kind: e.kind, seedIjk: v(e.seedIjk), toLabel: e.toLabel };
    case 'paintSphere':
      return { ...e, centerIjk: v(e.centerIjk) };
    case 'paintStroke':
      return { ...e, centersIjk: e.centersIjk.map(v) };
  }
}

/** A review session as the screen shows it. */
export interface SessionView {
  readonly id: string;
  readonly studyId: string;
  /** Sequences the model used, e.g. ["flair", "t1ce", "t2"]. */
  readonly sequencesUsed: readonly string[];
  /** Created (ISO time). */
  readonly createdAt: string;
  /** Who last acted on it (audit trail), or who signed it off. */
  readonly reader: string;
  /** The result as the run reported it, with the session's current volumes (null: older session). */
  readonly result: ResultView | null;
  /** Last change (ISO time). */
  readonly updatedAt: string;
  readonly modelVersion: string;
  readonly edits: number;
  /** The last edit operation (undo then redo sends it again), or null. */
  readonly lastEdit: SessionEditOp | null;
  readonly signOff: { readonly reader: string; readonly at: string } | null;
  readonly audit: readonly {
    at: string;
    reader: string;
    action: string;
    detail: string;
    modelVersion: string;
  }[];
  readonly volumesMl: SessionDto['volumesMl'];
  readonly geometry: SessionDto['geometry'];
  /** The reader's length and bidirectional measurements. */
  readonly measurements: NonNullable<SessionDto['measurements']>;
}

/** A measurement as sent to the session (its lengths are computed there). */
export interface MeasurementInputView {
  readonly id: string;
  readonly kind: 'length' | 'bidirectional';
  readonly pointsLps: readonly (readonly [number, number, number])[];
  readonly planeNormal?: readonly [number, number, number];
}

/** A volume for the viewer (binary result). */
export type VolumeData = ResultOf<(typeof apiMethods)['getSeriesVolume']>;
/** An inclusive block of voxel indices. */
export interface LabelmapBoxView {
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
}

/** A labelmap for the viewer (binary result). */
export type LabelmapData = ResultOf<(typeof apiMethods)['getSessionLabelmap']>;

function toStudyView(s: StudyDto): StudyView {
  return {
    id: s.id,
    title: s.description || s.sourcePath.split(/[\\/]/).filter(Boolean).pop() || s.id,
    date: s.date,
    sourcePath: s.sourcePath,
    series: s.series.map((r) => ({
      id: r.id,
      description: r.description,
      dims: r.dims,
      spacing: r.spacing,
      label: r.label,
      confidence: r.confidence,
      reasons: r.reasons,
    })),
    assignment: s.assignment,
    missing: s.missing,
    warnings: s.series.flatMap((r) => r.warnings.map((w) => `${r.description}: ${w}`)),
    patient: s.patient && {
      name: s.patient.PatientName,
      id: s.patient.PatientID,
      sex: s.patient.PatientSex,
      age: s.patient.PatientAge,
      birthDate: s.patient.PatientBirthDate,
    },
  };
}

function withAssignment(study: StudyView, a: AssignmentDto): StudyView {
  return { ...study, assignment: a.assignment, missing: a.missing };
}

function toSessionView(
  s: SessionDto,
  importance: Readonly<Partial<Record<Slot, number>>> = {},
  rows: readonly EvaluationRowView[] = [],
): SessionView {
  return {
    id: s.id,
    studyId: s.studyId,
    sequencesUsed: s.sequencesUsed,
    createdAt: s.createdAt,
    reader: s.signOff?.reader ?? s.audit.at(-1)?.reader ?? '',
    result: sessionResultView(s, importance, rows),
    updatedAt: s.updatedAt,
    modelVersion: `${s.model.name} ${s.model.version}`,
    edits: s.edits.length,
    lastEdit: s.edits.at(-1)?.edit ?? null,
    signOff: s.signOff,
    audit: s.audit,
    volumesMl: s.volumesMl,
    geometry: s.geometry,
    measurements: s.measurements ?? [],
  };
}

/** The api calls the screen makes. */
export class ReviewClient {
  readonly api: ReviewApi;
  readonly transport: Transport;
  #model: Promise<{
    importance: Readonly<Partial<Record<Slot, number>>>;
    rows: readonly EvaluationRowView[];
  }> | null = null;

  constructor(transport: Transport) {
    this.transport = transport;
    this.api = createApi(transport);
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    return this.transport.onEvent(listener);
  }

  /** The model's α and evaluation rows (asked once; empty when the model cannot be read). */
  #modelFacts() {
    this.#model ??= this.api.getModelInfo({}).then(
      (m) => ({ importance: m.importance, rows: m.evaluation.rows }),
      () => ({ importance: {}, rows: [] }),
    );
    return this.#model;
  }

  async #session(s: SessionDto): Promise<SessionView> {
    const m = await this.#modelFacts();
    return toSessionView(s, m.importance, m.rows);
  }

  async importStudy(path: string): Promise<StudyView[]> {
    const r = await this.api.importStudy({ path });
    return r.studies.map(toStudyView);
  }

  async setAssignment(study: StudyView, seriesId: string, target: Slot | 'none' | 'auto') {
    const a = await this.api.setAssignment({
      studyId: study.id,
      overrides: overridesFor(study, seriesId, target),
    });
    return withAssignment(study, a);
  }

  getVolume(studyId: string, seriesId: string): Promise<VolumeData> {
    return this.api.getSeriesVolume({ studyId, seriesId });
  }

  /** The session's labelmap, or only the block `box` (inclusive voxel corners). */
  getLabelmap(sessionId: string, box?: LabelmapBoxView): Promise<LabelmapData> {
    const v = (p: readonly number[]): [number, number, number] => [p[0], p[1], p[2]];
    return this.api.getSessionLabelmap(
      box ? { sessionId, box: { min: v(box.min), max: v(box.max) } } : { sessionId },
    );
  }

  /** A series' middle-slice thumbnail (grey bytes). */
  thumbnail(studyId: string, seriesId: string) {
    return this.api.getSeriesThumbnail({ studyId, seriesId });
  }

  /** An imported study the service still holds (after a page reload). */
  async getStudy(studyId: string): Promise<StudyView> {
    return toStudyView(await this.api.getStudy({ studyId }));
  }

  /** Provider choices the service's platform can run ("auto" picks and self-tests). */
  async providers(): Promise<readonly Provider[]> {
    const { platform } = await this.api.ping({});
    return providersFor(platform);
  }

  /** Starts a segmentation with the contribution readout; returns the job id. */
  async startSegmentation(
    studyId: string,
    provider: string,
    prep: PrepModeView = 'auto',
  ): Promise<string> {
    const p = CHOICES.find((x) => x === provider) ?? 'auto';
    const r = await this.api.startSegmentation({
      studyId,
      provider: p,
      contributions: true,
      prep,
    });
    return r.jobId;
  }

  /** Whether `auto` prepares the study's assigned series, and why (issue 10, shown at import). */
  getPreparationDecision(studyId: string): Promise<PreparationDecisionDto> {
    return this.api.getPreparationDecision({ studyId });
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.api.cancelJob({ jobId });
  }

  /** A job's state: running (with progress), ended, or unknown to the service (null). */
  async jobStatus(jobId: string) {
    try {
      return await this.api.getSegmentation({ jobId });
    } catch (e) {
      if ((e as { code?: string }).code === 'NOT_FOUND') return null;
      throw e;
    }
  }

  /** The finished job's result as the results panel shows it. */
  async getResult(jobId: string): Promise<ResultView> {
    const status = await this.api.getSegmentation({ jobId });
    if (!status.result) {
      throw new Error(`Segmentation ${jobId} ended without a result (${status.status}).`);
    }
    const m = await this.#modelFacts();
    return toResultView(status.result, m.importance, m.rows);
  }

  async createSession(jobId: string, reader: string): Promise<SessionView> {
    return this.#session(await this.api.createSession({ jobId, reader }));
  }

  async edit(
    sessionId: string,
    reader: string,
    ijk: readonly [number, number, number],
    toLabel: 0 | 1 | 2 | 4,
  ): Promise<SessionView> {
    const seedIjk: [number, number, number] = [ijk[0], ijk[1], ijk[2]];
    return this.#session(
      await this.api.editSession({
        sessionId,
        reader,
        edit: { kind: 'relabelComponent', seedIjk, toLabel },
      }),
    );
  }

  /** Sends one brush stroke (all dabs of one mouse drag) as a single `paintStroke` edit. */
  async paintStroke(
    sessionId: string,
    reader: string,
    stroke: {
      readonly centersIjk: readonly (readonly [number, number, number])[];
      readonly radiusMm: number;
      readonly label: 0 | 1 | 2 | 4;
      readonly plane: 'axial' | 'sagittal' | 'coronal' | null;
    },
  ): Promise<SessionView> {
    const centersIjk = stroke.centersIjk.map((c): [number, number, number] => [c[0], c[1], c[2]]);
    return this.#session(
      await this.api.editSession({
        sessionId,
        reader,
        edit: { kind: 'paintStroke', ...stroke, centersIjk },
      }),
    );
  }

  /** Applies a stored edit operation again (redo). */
  async reapply(sessionId: string, reader: string, edit: SessionEditOp): Promise<SessionView> {
    return this.#session(
      await this.api.editSession({ sessionId, reader, edit: toEditParam(edit) }),
    );
  }

  /** Replaces the session's measurements. */
  async setMeasurements(
    sessionId: string,
    reader: string,
    list: readonly MeasurementInputView[],
  ): Promise<SessionView> {
    const v = (p: readonly number[]): [number, number, number] => [p[0], p[1], p[2]];
    return this.#session(
      await this.api.setSessionMeasurements({
        sessionId,
        reader,
        measurements: list.map((m) => ({
          id: m.id,
          kind: m.kind,
          pointsLps: m.pointsLps.map(v),
          ...(m.planeNormal ? { planeNormal: v(m.planeNormal) } : {}),
        })),
      }),
    );
  }

  /** Every stored session of a study, signed off or not, newest change first. */
  async studySessions(studyId: string): Promise<SessionView[]> {
    const all = await this.api.listSessions({ studyId });
    const m = await this.#modelFacts();
    return all.map((s) => toSessionView(s, m.importance, m.rows));
  }

  /** Reopens a stored session (audit: "opened"). */
  async openSession(sessionId: string, reader: string): Promise<SessionView> {
    return this.#session(await this.api.openSession({ sessionId, reader }));
  }

  async undo(sessionId: string, reader: string): Promise<SessionView> {
    return this.#session(await this.api.undoSessionEdit({ sessionId, reader }));
  }

  /**
   * Signs off; `seen` is what the screen showed (the session's updatedAt and the shown result's
   * inputs), so the service refuses a session changed since or a stale result (issue 11).
   */
  async signOff(
    sessionId: string,
    reader: string,
    seen: {
      readonly updatedAt: string;
      readonly inputSeries: Readonly<Record<Slot, string | null>> | null;
    },
  ): Promise<SessionView> {
    return this.#session(await this.api.signOffSession({ sessionId, reader, seen }));
  }

  async reopen(sessionId: string, reader: string): Promise<SessionView> {
    return this.#session(await this.api.reopenSession({ sessionId, reader }));
  }
}
