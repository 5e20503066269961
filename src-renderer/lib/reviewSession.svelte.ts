/**
 * The open review session (STYLE.md §8, a reactive class): the session as the service last
 * returned it, the labelmap version the viewer reloads on (with the block a brush stroke changed,
 * so it patches instead of reloading), the redo stack, and the reader's actions on it — relabel,
 * brush, measurements, undo, redo, sign-off, reopen. The service is the source of truth: every
 * action shows the session it returns.
 */
import { sameMeasurements } from './measurementChanges.ts';
import type {
  LabelmapBoxView,
  MeasurementInputView,
  ReviewClient,
  SessionEditOp,
  SessionView,
} from './reviewClient.ts';
import { setOpenSessionRef } from './recentStudies.ts';
import type { ResultView } from './viewTypes.ts';
import type { AppStatus } from './appStatus.svelte.ts';
import type { ReviewControls } from './reviewControls.svelte.ts';

/** Whether the result on screen still matches the study's inputs (checked at sign-off). */
export interface ResultCheck {
  /** Why the result no longer matches the inputs, or null. */
  readonly staleNote: string | null;
  /** The series the result on screen was computed from (null: no result). */
  readonly inputSeries: ResultView['inputs'] | null;
}

/** What a review session works with. */
export interface ReviewSessionDeps {
  readonly client: ReviewClient;
  readonly status: AppStatus;
  /** The reader's tools (labels, brush radius) and name. */
  readonly controls: ReviewControls;
  /** The result check at the moment of signing off. */
  readonly resultCheck: () => ResultCheck;
  /** The open study's stored sessions changed. */
  readonly sessionsChanged: () => void;
}

/** The session on screen, its labelmap version and the reader's edits. */
export class ReviewSession {
  readonly #deps: ReviewSessionDeps;
  #session = $state.raw<SessionView | null>(null);
  #labelmapVersion = $state(0);
  /** The block a brush stroke changed, for the labelmap version it produced (patch, not reload). */
  #labelmapPatch: { version: number; box: LabelmapBoxView } | null = null;
  /** Edits that undo took back, most recent last (Ctrl+Shift+Z applies them again). */
  #redo = $state.raw<readonly SessionEditOp[]>([]);

  constructor(deps: ReviewSessionDeps) {
    this.#deps = deps;
  }

  /** The session on screen, or null. */
  get session() {
    return this.#session;
  }
  /** Bumped whenever the labelmap to show changed (new run, edit, undo). */
  get labelmapVersion() {
    return this.#labelmapVersion;
  }
  /** When the current labelmap version differs from the last only inside a block: that block. */
  get labelmapPatch(): LabelmapBoxView | null {
    const p = this.#labelmapPatch;
    return p && p.version === this.#labelmapVersion ? p.box : null;
  }
  /** True when Ctrl+Shift+Z has an edit to redo. */
  get canRedo(): boolean {
    return this.#redo.length > 0 && !!this.#session && !this.#session.signOff;
  }

  /** Shows a session (null: none) with its labelmap, and remembers it for a page reload. */
  show(s: SessionView | null): void {
    this.#session = s;
    this.#redo = [];
    if (s) setOpenSessionRef(localStorage, { sessionId: s.id, studyId: s.studyId });
    else setOpenSessionRef(localStorage, null);
    this.#labelmapVersion++;
  }

  /** Edits the labelmap at a voxel: relabels (or erases) the component under it. */
  async editAt(ijk: readonly [number, number, number]): Promise<void> {
    const { client, status, controls } = this.#deps;
    const session = this.#session;
    if (!session) return;
    const next = await status.guard('Editing…', () =>
      client.edit(session.id, controls.readerName(), ijk, controls.editLabel),
    );
    if (next) {
      this.#redo = [];
      this.#applySession(next);
    }
  }

  /**
   * Sends one brush stroke (the dabs of a mouse drag) as one edit, then reloads the labelmap from
   * the session — the source of truth — even when the edit failed (the viewer painted a preview).
   */
  async paintStroke(
    centersIjk: readonly (readonly [number, number, number])[],
    plane: 'axial' | 'sagittal' | 'coronal' | null,
  ): Promise<void> {
    const { client, status, controls } = this.#deps;
    const session = this.#session;
    if (!session || centersIjk.length === 0) return;
    const label = controls.brushLabel;
    const radiusMm = controls.brushRadiusMm;
    const next = await status.guard('Painting…', () =>
      client.paintStroke(session.id, controls.readerName(), {
        centersIjk,
        radiusMm,
        label,
        plane,
      }),
    );
    if (next) {
      this.#session = next;
      this.#redo = [];
    }
    // Only voxels within the radius of a dab can have changed: reload just that block.
    const g = session.geometry;
    const reach = g.spacing.map((sp) => Math.ceil(radiusMm / sp) + 1);
    const lo = [0, 1, 2].map((a) => Math.min(...centersIjk.map((c) => c[a])) - reach[a]);
    const hi = [0, 1, 2].map((a) => Math.max(...centersIjk.map((c) => c[a])) + reach[a]);
    this.#labelmapVersion++;
    this.#labelmapPatch = {
      version: this.#labelmapVersion,
      box: { min: [lo[0], lo[1], lo[2]], max: [hi[0], hi[1], hi[2]] },
    };
  }

  /**
   * Stores the reader's measurements in the session (the viewer calls it after each change). A
   * signed-off session is read-only: the viewer is put back to the stored ones.
   */
  async saveMeasurements(list: readonly MeasurementInputView[]): Promise<void> {
    const { client, status, controls } = this.#deps;
    const s = this.#session;
    if (!s) {
      if (list.length)
        status.note(
          'Measurements are kept in a review session: run the model or open a session first.',
        );
      return;
    }
    if (s.signOff) {
      this.#session = { ...s };
      status.note('This session is signed off: reopen it to change measurements.');
      return;
    }
    if (sameMeasurements(list, s.measurements)) return;
    const next = await status.guard('Saving measurements…', () =>
      client.setMeasurements(s.id, controls.readerName(), list),
    );
    if (!next || this.#session?.id !== next.id) return;
    // The answer is the session as stored: edits someone else made meanwhile come with it, and
    // the labelmap on screen must follow (the reader is told).
    if (next.edits !== s.edits) {
      const last = next.audit.findLast((a) => a.action !== 'measurements');
      status.note(
        `The session was changed meanwhile (${last?.action ?? 'edit'} by ${last?.reader ?? 'another reader'}): the view shows it as it is now.`,
      );
    }
    this.#applySession(next);
  }

  /** Removes one measurement. */
  async removeMeasurement(id: string): Promise<void> {
    const s = this.#session;
    if (!s) return;
    await this.saveMeasurements(s.measurements.filter((m) => m.id !== id));
  }

  /** Undoes the last edit (Ctrl+Z); the edit can be redone until a new edit is made. */
  async undo(): Promise<void> {
    const { client, status, controls } = this.#deps;
    const s = this.#session;
    if (!s || s.signOff || !s.lastEdit) return;
    const undone = s.lastEdit;
    const next = await status.guard('Undoing…', () => client.undo(s.id, controls.readerName()));
    if (!next) return;
    this.#applySession(next);
    this.#redo = [...this.#redo, undone];
  }

  /** Redoes the last undone edit (Ctrl+Shift+Z). */
  async redo(): Promise<void> {
    const { client, status, controls } = this.#deps;
    const s = this.#session;
    const edit = this.#redo.at(-1);
    if (!s || s.signOff || !edit) return;
    const next = await status.guard('Redoing…', () =>
      client.reapply(s.id, controls.readerName(), edit),
    );
    if (!next) return;
    this.#redo = this.#redo.slice(0, -1);
    this.#applySession(next);
  }

  /** Signs the session off for the reader, if the result on screen still matches its inputs. */
  async signOff(): Promise<void> {
    const { client, status, controls } = this.#deps;
    // The api refuses a sign-off of a session changed after this view (issue 11): an edit or
    // measurement of this reader still on its way would do that, so it lands first.
    await status.settle();
    const s = this.#session;
    if (!s) return;
    if (!controls.reader.trim()) {
      status.fail({ message: 'Type your name before signing off: it goes into the audit trail.' });
      return;
    }
    const { staleNote, inputSeries } = this.#deps.resultCheck();
    if (staleNote) {
      status.fail({
        message: `Cannot sign off: ${staleNote} (or set the sequences back as they were).`,
      });
      return;
    }
    const next = await status.guard('Signing off…', () =>
      client.signOff(s.id, controls.readerName(), { updatedAt: s.updatedAt, inputSeries }),
    );
    if (next) this.#session = next;
    else if (status.error?.code === 'SESSION_CONFLICT') await this.#reloadAfterConflict(s.id);
    this.#deps.sessionsChanged();
  }

  /**
   * The session changed after this screen loaded it (another reader, another window, the CLI):
   * shows it as it is now, so the reader looks at that before signing off again. The refusal
   * stays on screen; a failed reload leaves the view as it was.
   */
  async #reloadAfterConflict(sessionId: string): Promise<void> {
    const { client, status, controls } = this.#deps;
    const fresh = await client.openSession(sessionId, controls.readerName()).catch(() => null);
    if (!fresh || this.#session?.id !== sessionId) return;
    this.show(fresh);
    status.note('The session was reloaded as it is now: look at it again, then sign off.');
  }

  /** Reopens a signed-off session for editing. */
  async reopen(): Promise<void> {
    const { client, status, controls } = this.#deps;
    const s = this.#session;
    if (!s) return;
    const next = await status.guard('Reopening…', () => client.reopen(s.id, controls.readerName()));
    if (next) this.#session = next;
    this.#deps.sessionsChanged();
  }

  #applySession(next: SessionView): void {
    const changed = next.edits !== this.#session?.edits;
    this.#session = next;
    if (changed) this.#labelmapVersion++;
  }
}
