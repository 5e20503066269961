/** The study api end to end on real data: import, summary rows, overrides, the shared store. */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ApiError, createApiService } from '../../../src-main/api/service.ts';
import { studyStore } from '../../../src-main/api/services/studyStore.ts';
import type { JobProgressEvent } from '../../../src-main/api/contract.ts';
import { dataPath, describeData } from '../../helpers/data.ts';

const api = createApiService({
  appVersion: '0.0.0-test',
  dataDir: mkdtempSync(path.join(os.tmpdir(), 'metakd-study-svc-')),
  modelsDir: path.join(os.tmpdir(), 'no-models'),
});

describeData('study service on a BraTS 2023 case', () => {
  it('imports, summarises, stores, and takes overrides', async () => {
    const events: JobProgressEvent[] = [];
    const r = await api.invoke(
      'importStudy',
      { path: dataPath('brats23', 'BraTS-GLI-00001-000') },
      { emit: (e) => e.type === 'job.progress' && events.push(e) },
    );
    expect(r.studies).toHaveLength(1);
    const [study] = r.studies;
    expect(events.at(-1)).toMatchObject({ stage: 'import', done: 4, total: 4 });
    const row = study.series.find((s) => s.description.endsWith('-t2f'));
    expect(row).toMatchObject({
      label: 'flair',
      dims: [240, 240, 155],
      spacing: [1, 1, 1],
      derived: false,
      source: 'nifti',
    });
    expect(row?.confidence).toBeGreaterThan(0.5);
    expect(study.missing).toEqual([]);

    // The shared store holds the voxels for the other service parts.
    const t1ce = studyStore.getSeries(study.id, study.assignment.t1ce ?? '');
    expect(t1ce.volume.data.length).toBe(240 * 240 * 155);

    // Force T1 missing and use the T1 image as T1ce.
    const t1Id = study.assignment.t1 ?? '';
    const next = await api.invoke('setAssignment', {
      studyId: study.id,
      overrides: { t1: null, t1ce: t1Id },
    });
    expect(next.assignment).toMatchObject({ t1: null, t1ce: t1Id });
    expect(next.missing).toEqual(['t1']);
    expect(next.overrides).toEqual({ t1: null, t1ce: t1Id });
    expect((await api.invoke('getStudy', { studyId: study.id })).assignment.t1ce).toBe(t1Id);

    // A series from nowhere is refused and changes nothing.
    const err = await api
      .invoke('setAssignment', { studyId: study.id, overrides: { t2: 'nope' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).dto).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await api.invoke('getStudy', { studyId: study.id })).assignment.t1ce).toBe(t1Id);
  });
});
