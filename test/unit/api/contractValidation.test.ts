/**
 * The contract refuses malformed payloads at the boundary with a clear INVALID_ARGUMENT error that
 * names the method and the field — before any core code runs. Uses the real api service.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import {
  ApiError,
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../../src-main/api/service.ts';
import { apiMethods } from '../../../src-main/api/contract.ts';

let api: ApiService;
beforeAll(() => {
  api = createApiService({
    ...defaultServiceOptions(),
    dataDir: path.join(os.tmpdir(), `metakd-contract-${process.pid}`),
  });
});

/** Invokes and returns the ApiError it must throw. */
async function refusal(name: string, params: unknown): Promise<ApiError> {
  try {
    await api.invoke(name as never, params);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error(`${name} accepted ${JSON.stringify(params)}`);
}

const SESSION = '0b0c53f4-5d7e-4a84-9d4e-6a4a3c1f0b11';

describe('contract validation', () => {
  it.each([
    ['editSession', { sessionId: 'nope', reader: 'A', edit: {} }, /sessionId/],
    [
      'editSession',
      {
        sessionId: SESSION,
        reader: '   ',
        edit: { kind: 'relabelComponent', seedIjk: [1, 2, 3], toLabel: 1 },
      },
      /reader name is required/,
    ],
    [
      'editSession',
      {
        sessionId: SESSION,
        reader: 'A',
        edit: { kind: 'relabelComponent', seedIjk: [1, 2, 3], toLabel: 3 },
      },
      /edit\.toLabel/,
    ],
    [
      'editSession',
      {
        sessionId: SESSION,
        reader: 'A',
        edit: { kind: 'relabelComponent', seedIjk: [1, -2, 3], toLabel: 1 },
      },
      /edit\.seedIjk\.1/,
    ],
    [
      'editSession',
      {
        sessionId: SESSION,
        reader: 'A',
        edit: { kind: 'relabelComponent', seedIjk: [1.5, 2, 3], toLabel: 1 },
      },
      /whole numbers/,
    ],
    [
      'editSession',
      { sessionId: SESSION, reader: 'A', edit: { kind: 'paint', seedIjk: [1, 2, 3], toLabel: 1 } },
      /edit\.kind/,
    ],
    ['signOffSession', { sessionId: SESSION, reader: 'x'.repeat(101) }, /longer than 100/],
    ['signOffSession', { sessionId: SESSION, reader: 'A', extra: true }, /extra/],
    ['getSessionLabelmap', {}, /sessionId/],
    ['getSeriesVolume', { studyId: 's' }, /seriesId/],
    ['getSeriesVolume', { studyId: 1, seriesId: 'x' }, /studyId/],
    ['importStudy', { path: '' }, /path is required/],
    ['startSegmentation', { studyId: 's', provider: 'quantum' }, /provider/],
    ['ping', 'hello', /\(params\)/],
    ['ping', [1, 2], /\(params\)/],
  ])('%s refuses %j', async (name, params, message) => {
    const e = await refusal(name, params);
    expect(e.dto.code).toBe('INVALID_ARGUMENT');
    expect(e.dto.message).toContain(`Invalid params for ${name}`);
    expect(e.dto.message).toMatch(message);
  });

  it('refuses unknown methods by name', async () => {
    const e = await refusal('rm -rf', {});
    expect(e.dto).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Unknown api method "rm -rf".',
    });
    expect(api.has('constructor')).toBe(false);
    expect(api.has('toString')).toBe(false);
  });

  it('every method has a params schema and a description', () => {
    for (const [name, spec] of Object.entries(apiMethods)) {
      expect(typeof spec.params.safeParse, name).toBe('function');
      expect(spec.description.length, name).toBeGreaterThan(10);
    }
  });

  it('valid params reach core, whose errors name the problem', async () => {
    const e = await refusal('openSession', { sessionId: SESSION, reader: 'Dr A' });
    expect(e.dto.code).toBe('NOT_FOUND');
    expect(e.dto.message).toMatch(/No such review session/);
    const v = await refusal('getSeriesVolume', { studyId: 'not-imported', seriesId: 'x' });
    expect(v.dto.code).toBe('NOT_FOUND');
    expect(v.dto.message).toMatch(/not-imported/);
  });
});
