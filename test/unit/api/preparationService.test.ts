/** getPreparationDecision: core's decision on the imported study's assigned series (issue 10). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createApiService,
  defaultServiceOptions,
  type ApiError,
  type ApiService,
} from '../../../src-main/api/service.ts';
import { dataPath, describeData } from '../../helpers/data.ts';

describeData('getPreparationDecision', () => {
  let api: ApiService;
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'metakd-prepdecision-'));
    api = createApiService({ ...defaultServiceOptions(), dataDir: home });
  });
  afterAll(async () => {
    await api?.close?.();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const decide = async (dir: string) => {
    const r = await api.invoke('importStudy', { path: dir });
    return api.invoke('getPreparationDecision', { studyId: r.studies[0].id });
  };

  it('names why a raw study needs preparation', async () => {
    const d = await decide(dataPath('raw', 'TCGA-FG-6692'));
    expect(d.needed).toBe(true);
    expect(d.slots).toEqual(['flair', 't1', 't1ce', 't2']);
    expect(d.reasons.map((r) => r.code)).toEqual([
      'not-skull-stripped',
      'different-grids',
      'not-brats-space',
    ]);
  });

  it('passes a BraTS-space study through', async () => {
    const d = await decide(dataPath('brats18', 'Brats18_2013_20_1'));
    expect(d).toMatchObject({ needed: false, reasons: [] });
    expect(d.slots).toHaveLength(4);
  });

  it('refuses an unknown study with NOT_FOUND', async () => {
    const e = (await api
      .invoke('getPreparationDecision', { studyId: 'not-imported' })
      .catch((x: unknown) => x)) as ApiError;
    expect(e.dto.code).toBe('NOT_FOUND');
  });
});
