/**
 * Issue 11, "Result integrity" (patient-safety class): sign-off of a stale result.
 *
 * Symptom: sign-off of a result computed for other series than the study's slots hold now was
 * refused only by the screen (the Sign off button). Any other caller of the api — another tab,
 * the HTTP api, a script — signed a stale result off, and so did a tab whose view of the session
 * was older than its last change (another reader's edit, made after the screen loaded it).
 *
 * Triage: `signOffSession` took a session id and a reader name and nothing else; staleness was a
 * renderer-only derivation (src-renderer/lib/integrity.ts).
 *
 * Contract pinned here, through the real api service on a shared BraTS case (tiny test model:
 * random weights, the labelmap does not matter, its inputs do):
 * - a sign-off carries what the reader saw: the session's updatedAt and the shown result's inputs
 *   (missing: INVALID_ARGUMENT);
 * - after a slot override the session's result is stale: its sign-off is refused (SESSION_STALE,
 *   "Computed for FLAIR + T1 + T1ce + T2 — inputs changed (T1), run again"), nothing is signed;
 * - after a re-run with the new slots, the new session's sign-off is accepted (the old one stays
 *   refused);
 * - a sign-off with an older updatedAt than the session's last change, or with another result's
 *   inputs, is refused (SESSION_CONFLICT);
 * - the core definition of staleness and the renderer's copy agree on every combination.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../src-main/api/service.ts';
import type { SessionDto } from '../../src-main/api/contract/session.ts';
import * as core from '../../src-main/core/sessions/resultInputs.ts';
import { signOffRefusal } from '../../src-main/core/sessions/signOffCheck.ts';
import type { SessionRecord } from '../../src-main/core/sessions/types.ts';
import * as renderer from '../../src-renderer/lib/integrity.ts';
import { MODEL_SLOTS } from '../../src-main/core/enums/SequenceLabel.ts';
import { dataPath, describeData } from '../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../fixtures/tinyModel.ts';

const CASE = 'Brats18_2013_20_1';
const READER = 'Dr Stale';

/** What a screen that shows session `s` sends with its sign-off. */
const seenOf = (s: SessionDto) => ({
  updatedAt: s.updatedAt,
  inputSeries: s.result ? core.toResultInputs(s.result.inputSeries) : null,
});

describe('the api and the screen share one definition of a stale result', () => {
  it('core and renderer agree on every combination of inputs and assignment', () => {
    const values = [null, 'a', 'b'] as const;
    const all: core.ResultInputs[] = [];
    for (let n = 0; n < values.length ** MODEL_SLOTS.length; n++) {
      const v = MODEL_SLOTS.map((_, i) => values[Math.floor(n / values.length ** i) % 3]);
      all.push({ flair: v[0], t1: v[1], t1ce: v[2], t2: v[3] });
    }
    let stale = 0;
    for (const inputs of all)
      for (const assignment of all) {
        const m = core.staleMessage(inputs, assignment);
        expect(renderer.staleMessage(inputs, assignment)).toBe(m);
        expect(renderer.changedSlots(inputs, assignment)).toEqual(
          core.changedSlots(inputs, assignment),
        );
        if (m) stale++;
      }
    expect(stale).toBe(all.length * all.length - all.length); // only identical pairs are current
  });

  it('lets a session without recorded inputs (made before issue 11) be signed off', () => {
    const record = {
      studyId: 'st',
      updatedAt: '2026-01-01T00:00:00.000Z',
      audit: [],
    } as unknown as SessionRecord;
    const assignment = core.toResultInputs({ flair: 'x' });
    const check = (inputSeries: Record<string, string | null> | null) =>
      signOffRefusal(record, {
        seen: { updatedAt: record.updatedAt, inputSeries },
        currentAssignment: () => assignment,
      });
    expect(check(null)).toBeNull();
    expect(check({ flair: 'x' })?.code).toBe('SESSION_CONFLICT');
  });
});

describeData('issue 11: the api refuses sign-off of a stale result', () => {
  let tmp: string;
  let api: ApiService;
  let studyId: string;
  let first: SessionDto;

  const segment = async (): Promise<SessionDto> => {
    const { jobId } = await api.invoke('startSegmentation', {
      studyId,
      provider: 'cpu',
      modelDir: tinyModelDir(),
    });
    await api.invoke('awaitSegmentation', { jobId });
    return api.invoke('createSession', { jobId, reader: READER });
  };
  const signOff = (s: SessionDto, seen = seenOf(s)) =>
    api.invoke('signOffSession', { sessionId: s.id, reader: READER, seen });
  const stored = async (id: string) =>
    (await api.invoke('listSessions', { studyId })).find((s) => s.id === id);

  beforeAll(async () => {
    if (!canMakeTinyModel()) throw new Error('the tiny test model needs python3 with torch + onnx');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue11-signoff-'));
    api = createApiService({ ...defaultServiceOptions(), dataDir: path.join(tmp, 'data') });
    const imported = await api.invoke('importStudy', { path: dataPath('brats18', CASE) });
    studyId = imported.studies[0].id;
    await api.invoke('setAssignment', { studyId, overrides: {} });
    first = await segment();
  }, 300_000);

  afterAll(async () => {
    await api?.close?.();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('needs what the reader saw', async () => {
    await expect(
      api.invoke('signOffSession', { sessionId: first.id, reader: READER }),
    ).rejects.toMatchObject({ dto: { code: 'INVALID_ARGUMENT' } });
  });

  it('refuses a result whose slots were changed, then accepts the re-run', async () => {
    expect(first.result?.inputSeries.t1).toBeTruthy(); // computed with all four sequences
    // The reader takes T1 out: the result on screen was computed with it.
    await api.invoke('setAssignment', { studyId, overrides: { t1: null } });
    await expect(signOff(first)).rejects.toMatchObject({
      dto: {
        code: 'SESSION_STALE',
        message:
          'Cannot sign off: Computed for FLAIR + T1 + T1ce + T2 — inputs changed (T1), run again. ' +
          '(or set the sequences back as they were).',
      },
    });
    expect((await stored(first.id))?.signOff).toBeNull();

    const rerun = await segment();
    expect(rerun.result?.inputSeries.t1).toBeNull();
    const signed = await signOff(rerun);
    expect(signed.signOff?.reader).toBe(READER);
    expect(signed.audit.at(-1)?.action).toBe('signOff');
    // The first session still holds a result for other inputs: still refused.
    await expect(signOff(first)).rejects.toMatchObject({ dto: { code: 'SESSION_STALE' } });

    // Setting the slots back as they were makes the first result current again.
    await api.invoke('setAssignment', { studyId, overrides: {} });
    expect((await signOff(first)).signOff?.reader).toBe(READER);
  }, 300_000);

  it('refuses a view older than the session’s last change, and another result’s inputs', async () => {
    const reopened = await api.invoke('reopenSession', { sessionId: first.id, reader: READER });
    const [nx, ny, nz] = reopened.geometry.dims;
    const edited = await api.invoke('editSession', {
      sessionId: first.id,
      reader: 'Dr Other',
      edit: {
        kind: 'paintSphere',
        centerIjk: [nx >> 1, ny >> 1, nz >> 1],
        radiusMm: 3,
        label: 2,
        plane: null,
      },
    });
    expect(edited.updatedAt).not.toBe(reopened.updatedAt);
    // The reader's screen still shows the session as reopened: the edit came from elsewhere.
    await expect(signOff(reopened)).rejects.toMatchObject({
      dto: {
        code: 'SESSION_CONFLICT',
        message: expect.stringMatching(
          /^The session changed after your screen loaded it \(edit by Dr Other at .*\); look at it again/,
        ),
      },
    });
    // A screen showing another result's inputs with the current revision.
    const other = { ...seenOf(edited), inputSeries: { ...seenOf(edited).inputSeries!, t1: null } };
    await expect(signOff(edited, other)).rejects.toMatchObject({
      dto: {
        code: 'SESSION_CONFLICT',
        message: expect.stringMatching(/showed a result computed for FLAIR \+ T1ce \+ T2, but/),
      },
    });
    expect((await stored(first.id))?.signOff).toBeNull();
    expect((await signOff(edited)).signOff?.reader).toBe(READER);
  }, 120_000);
});
