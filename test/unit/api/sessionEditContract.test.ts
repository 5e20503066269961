/**
 * The brush edits at the api boundary: well-formed paintSphere / paintStroke edits pass the schema
 * (plane defaults to a 3-D sphere), malformed ones are refused by the real api service with
 * INVALID_ARGUMENT naming the field, before any session is touched.
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
import { sessionEditSchema } from '../../../src-main/api/contract/session.ts';

const SESSION = '0b0c53f4-5d7e-4a84-9d4e-6a4a3c1f0b11';
const stroke = (over: Record<string, unknown>) => ({
  kind: 'paintStroke',
  centersIjk: [
    [1, 2, 3],
    [2, 2, 3],
  ],
  radiusMm: 3,
  label: 0,
  plane: 'axial',
  ...over,
});

let api: ApiService;
beforeAll(() => {
  api = createApiService({
    ...defaultServiceOptions(),
    dataDir: path.join(os.tmpdir(), `metakd-edit-contract-${process.pid}`),
  });
});

describe('session edit schema: brush', () => {
  it('accepts dabs and strokes; a missing plane means a 3-D sphere', () => {
    const dab = sessionEditSchema.parse({
      kind: 'paintSphere',
      centerIjk: [0, 5, 9],
      radiusMm: 0.5,
      label: 4,
    });
    expect(dab).toEqual({
      kind: 'paintSphere',
      centerIjk: [0, 5, 9],
      radiusMm: 0.5,
      label: 4,
      plane: null,
    });
    const s = sessionEditSchema.parse(stroke({ radiusMm: 30, plane: 'coronal' }));
    expect(s).toMatchObject({ kind: 'paintStroke', radiusMm: 30, plane: 'coronal' });
    const long = Array.from({ length: 2000 }, () => [1, 1, 1]);
    expect(sessionEditSchema.safeParse(stroke({ centersIjk: long })).success).toBe(true);
  });

  it.each([
    [stroke({ radiusMm: 0.4 }), /edit\.radiusMm: radiusMm must be at least 0\.5 mm/],
    [stroke({ radiusMm: 31 }), /edit\.radiusMm: radiusMm must be at most 30 mm/],
    [stroke({ radiusMm: '3' }), /edit\.radiusMm/],
    [stroke({ label: 3 }), /edit\.label: label must be 0 \(erase\), 1 \(NCR\), 2 \(ED\) or 4/],
    [stroke({ plane: 'oblique' }), /edit\.plane: plane must be axial, sagittal, coronal or null/],
    [stroke({ centersIjk: [] }), /edit\.centersIjk: a brush stroke needs at least one centre/],
    [
      stroke({ centersIjk: Array.from({ length: 2001 }, () => [1, 1, 1]) }),
      /edit\.centersIjk: a brush stroke has at most 2000 centres/,
    ],
    [stroke({ centersIjk: [[1, 2]] }), /edit\.centersIjk\.0/],
    [stroke({ centersIjk: [[1, 2, -3]] }), /edit\.centersIjk\.0\.2/],
    [stroke({ centersIjk: [[1, 2.5, 3]] }), /whole numbers/],
    [stroke({ colour: 'red' }), /colour/],
    [{ kind: 'paintSphere', centerIjk: [1, 2, 3], label: 1 }, /edit\.radiusMm/],
    [{ kind: 'paintSphere', centersIjk: [[1, 2, 3]], radiusMm: 2, label: 1 }, /edit/],
    [{ kind: 'flood', seedIjk: [1, 2, 3], toLabel: 1 }, /edit\.kind/],
  ])('editSession refuses %j', async (edit, message) => {
    let error: ApiError | null = null;
    try {
      await api.invoke('editSession', { sessionId: SESSION, reader: 'Dr A', edit });
    } catch (e) {
      error = e as ApiError;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error!.dto.code).toBe('INVALID_ARGUMENT');
    expect(error!.dto.message).toContain('Invalid params for editSession');
    expect(error!.dto.message).toMatch(message);
  });

  it('lets a valid stroke through to core (which then reports the missing session)', async () => {
    const e = await api
      .invoke('editSession', { sessionId: SESSION, reader: 'Dr A', edit: stroke({}) })
      .then(
        () => null,
        (x: unknown) => x as ApiError,
      );
    expect(e?.dto.code).toBe('NOT_FOUND');
  });
});
