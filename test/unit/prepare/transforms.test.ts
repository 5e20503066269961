import { describe, expect, it } from 'vitest';
import {
  eulerRotation,
  eulerToMatrix,
  matrixToEuler,
  affineParamsToMatrix,
} from '../../../src-main/core/prepare/registration/eulerTransform.ts';
import {
  compose,
  displacementMm,
  invert,
  linearDeterminant,
  rotationAngleDeg,
} from '../../../src-main/core/prepare/transforms.ts';
import { applyAffine, type Vec3 } from '../../../src-main/core/volume/Geometry.ts';

const deg = Math.PI / 180;

describe('EulerTransform parameters ↔ matrix (elastix convention R = Rz·Rx·Ry, fixed → moving)', () => {
  it('rotates about the centre and then translates: T(p) = R(p − c) + c + t', () => {
    const c: Vec3 = [10, -20, 30];
    const m = eulerToMatrix([0, 0, 90 * deg, 1, 2, 3], c);
    // A point 5 mm along +x from the centre goes to +y (rotation about z by 90°), then + t.
    const q = applyAffine(m, [15, -20, 30]);
    expect(q[0]).toBeCloseTo(10 + 1, 9);
    expect(q[1]).toBeCloseTo(-20 + 5 + 2, 9);
    expect(q[2]).toBeCloseTo(30 + 3, 9);
    // The centre itself only moves by t.
    expect(applyAffine(m, c)).toEqual([11, -18, 33].map((x) => expect.closeTo(x, 9)));
  });

  it('applies Ry first, then Rx, then Rz', () => {
    const r = eulerRotation([90 * deg, 90 * deg, 0]);
    // e_z --Ry(90°)--> e_x --Rx(90°)--> e_x.
    expect([r[2], r[5], r[8]].map((x) => Math.round(x * 1e9) / 1e9 + 0)).toEqual([1, 0, 0]);
  });

  it('round-trips parameters through the matrix', () => {
    const p = [3 * deg, -7 * deg, 11 * deg, 4.5, -2, 13];
    const c: Vec3 = [1, 2, 3];
    const back = matrixToEuler(eulerToMatrix(p, c), c);
    back.forEach((x, i) => expect(x).toBeCloseTo(p[i], 9));
    expect(rotationAngleDeg(eulerToMatrix(p, c))).toBeGreaterThan(11);
    expect(rotationAngleDeg(eulerToMatrix([0, 0, 10 * deg, 0, 0, 0], c))).toBeCloseTo(10, 9);
  });

  it('reads AffineTransform parameters row-major about the centre', () => {
    const m = affineParamsToMatrix([2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], [10, 0, 0]);
    expect(applyAffine(m, [11, 5, 5])).toEqual([12, 5, 5]);
    expect(linearDeterminant(m)).toBe(2);
  });

  it('rejects the wrong number of parameters', () => {
    expect(() => eulerToMatrix([1, 2, 3], [0, 0, 0])).toThrow(/6 parameters/);
  });
});

describe('compose / invert', () => {
  it('composes in application order and inverts', () => {
    const a = eulerToMatrix([0.1, 0.2, 0.3, 1, 2, 3], [5, 5, 5]);
    const b = eulerToMatrix([-0.2, 0.05, 0.1, -4, 0, 8], [0, 0, 0]);
    const p: Vec3 = [12, -7, 40];
    const q = applyAffine(compose(a, b), p);
    const r = applyAffine(b, applyAffine(a, p));
    q.forEach((x, i) => expect(x).toBeCloseTo(r[i], 9));
    const back = applyAffine(invert(compose(a, b)), q);
    back.forEach((x, i) => expect(x).toBeCloseTo(p[i], 9));
    expect(displacementMm(eulerToMatrix([0, 0, 0, 3, 4, 0], [0, 0, 0]), p)).toBeCloseTo(5, 9);
  });
});
