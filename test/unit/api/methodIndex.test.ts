/**
 * Issue 13 (fast start): the api service loads each contract group's schemas and service on the
 * first call of one of its methods. The static method index it answers `has` from must list
 * exactly the contract's methods, each in the group whose schemas and service define it.
 */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { apiMethods } from '../../../src-main/api/contract.ts';
import { isApiMethod, METHOD_GROUP, methodSpec } from '../../../src-main/api/methodIndex.ts';
import { createApiService, defaultServiceOptions } from '../../../src-main/api/service.ts';

describe('api method index', () => {
  it('lists exactly the methods of the contract', () => {
    expect(Object.keys(METHOD_GROUP).sort()).toEqual(Object.keys(apiMethods).sort());
    expect(isApiMethod('importStudy')).toBe(true);
    expect(isApiMethod('toString')).toBe(false);
    expect(isApiMethod('nope')).toBe(false);
  });

  it('loads the same schema object the contract declares, from the named group', async () => {
    for (const name of Object.keys(apiMethods) as (keyof typeof apiMethods)[]) {
      expect(await methodSpec(name), name).toBe(apiMethods[name]);
    }
  });

  it('dispatches through the lazily loaded group; unknown names keep their error', async () => {
    const api = createApiService({
      ...defaultServiceOptions(),
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'metakd-index-')),
      outboxLoop: false,
    });
    try {
      expect(api.has('about')).toBe(true);
      expect(api.has('hasOwnProperty')).toBe(false);
      await expect(api.invoke('about', {})).resolves.toMatchObject({
        appVersion: expect.any(String),
      });
      await expect(api.invoke('nope' as never, {})).rejects.toMatchObject({
        dto: { code: 'INVALID_ARGUMENT', message: 'Unknown api method "nope".' },
      });
      await expect(api.invoke('getStudy', {})).rejects.toMatchObject({
        dto: {
          code: 'INVALID_ARGUMENT',
          message: expect.stringMatching(/^Invalid params for getStudy: studyId/),
        },
      });
    } finally {
      await api.close?.();
    }
  });
});
