/**
 * The renderer's use of the api: typed calls through the bridge, mapped to the view types the
 * components show (lib/viewTypes.ts). The only renderer file that knows the contract's shapes.
 */
import type { ApiEvent, ReviewApi, ResultOf, apiMethods } from '../../src-main/api/contract.ts';
import { createApi, type Transport } from './bridge.ts';
import { toResultView } from './resultView.ts';
import { overridesFor } from './overrides.ts';
import type { ResultView, Slot, StudyView } from './viewTypes.ts';

type StudyDto = ResultOf<(typeof apiMethods)['getStudy']>;
type AssignmentDto = ResultOf<(typeof apiMethods)['setAssignment']>;
type SessionDto = ResultOf<(typeof apiMethods)['openSession']>;
type Provider = NonNullable<Parameters<ReviewApi['startSegmentation']>[0]['provider']>;

/** Provider choices, as contract/inference.ts PROVIDER_CHOICES (a value the renderer may not import). */
const PROVIDERS: readonly Provider[] = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

/** A review session as the screen shows it. */
export interface SessionView {
  readonly id: string;
  /** Last change (ISO time). */
  readonly updatedAt: string;
  readonly modelVersion: string;
  readonly edits: number;
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
}

/** A volume for the viewer (binary result). */
export type VolumeData = ResultOf<(typeof apiMethods)['getSeriesVolume']>;
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
  };
}

function withAssignment(study: StudyView, a: AssignmentDto): StudyView {
  return { ...study, assignment: a.assignment, missing: a.missing };
}

function toSessionView(s: SessionDto): SessionView {
  return {
    id: s.id,
    updatedAt: s.updatedAt,
    modelVersion: `${s.model.name} ${s.model.version}`,
    edits: s.edits.length,
    signOff: s.signOff,
    audit: s.audit,
    volumesMl: s.volumesMl,
    geometry: s.geometry,
  };
}

/** The api calls the screen makes. */
export class ReviewClient {
  readonly api: ReviewApi;
  readonly transport: Transport;

  constructor(transport: Transport) {
    this.transport = transport;
    this.api = createApi(transport);
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    return this.transport.onEvent(listener);
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

  getLabelmap(sessionId: string): Promise<LabelmapData> {
    return this.api.getSessionLabelmap({ sessionId });
  }

  /** Provider choices (contract/inference.ts PROVIDER_CHOICES; "auto" picks and self-tests). */
  async providers(): Promise<readonly Provider[]> {
    return PROVIDERS;
  }

  /** Starts a segmentation with the contribution readout; returns the job id. */
  async startSegmentation(studyId: string, provider: string): Promise<string> {
    const p = PROVIDERS.find((x) => x === provider) ?? 'auto';
    const r = await this.api.startSegmentation({ studyId, provider: p, contributions: true });
    return r.jobId;
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.api.cancelJob({ jobId });
  }

  /** The finished job's result as the results panel shows it. */
  async getResult(jobId: string): Promise<ResultView> {
    const status = await this.api.getSegmentation({ jobId });
    if (!status.result) {
      throw new Error(`Segmentation ${jobId} ended without a result (${status.status}).`);
    }
    const importance = status.result.contributions
      ? {}
      : ((await this.api.getModelInfo({}).catch(() => null))?.importance ?? {});
    return toResultView(status.result, importance);
  }

  async createSession(jobId: string, reader: string): Promise<SessionView> {
    return toSessionView(await this.api.createSession({ jobId, reader }));
  }

  async edit(
    sessionId: string,
    reader: string,
    ijk: readonly [number, number, number],
    toLabel: 0 | 1 | 2 | 4,
  ): Promise<SessionView> {
    const seedIjk: [number, number, number] = [ijk[0], ijk[1], ijk[2]];
    return toSessionView(
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
    return toSessionView(
      await this.api.editSession({
        sessionId,
        reader,
        edit: { kind: 'paintStroke', ...stroke, centersIjk },
      }),
    );
  }

  /** Stored sessions of a study that were not signed off (to resume after a crash). */
  async unfinishedSessions(studyId: string): Promise<SessionView[]> {
    const all = await this.api.listSessions({ studyId });
    return all.filter((s) => !s.signOff).map(toSessionView);
  }

  /** Reopens a stored session (audit: "opened"). */
  async openSession(sessionId: string, reader: string): Promise<SessionView> {
    return toSessionView(await this.api.openSession({ sessionId, reader }));
  }

  async undo(sessionId: string, reader: string): Promise<SessionView> {
    return toSessionView(await this.api.undoSessionEdit({ sessionId, reader }));
  }

  async signOff(sessionId: string, reader: string): Promise<SessionView> {
    return toSessionView(await this.api.signOffSession({ sessionId, reader }));
  }

  async reopen(sessionId: string, reader: string): Promise<SessionView> {
    return toSessionView(await this.api.reopenSession({ sessionId, reader }));
  }
}
