/**
 * MindGrab's post-processing on small synthetic masks: argmax of the two logit planes, the
 * largest 26-connected component (diagonal neighbours join, as brainchop's bwlabel with conn 26),
 * and placing the crop back into its grid.
 */
import { describe, expect, it } from 'vitest';
import {
  argmaxMask,
  keepLargestComponent,
  uncropMask,
} from '../../../src-main/core/prepare/brain/postprocess.ts';
import type { Vec3 } from '../../../src-main/core/volume/Geometry.ts';

const at = (dims: Vec3, i: number, j: number, k: number): number => i + dims[0] * (j + dims[1] * k);

describe('argmaxMask', () => {
  it('marks brain where logit 1 beats logit 0 (ties are background)', () => {
    const logits = Float32Array.from([0, 1, 2, 5, /* class 1: */ 1, 1, 3, -1]);
    expect(Array.from(argmaxMask(logits, 4))).toEqual([1, 0, 1, 0]);
  });
});

describe('keepLargestComponent', () => {
  it('keeps the biggest blob and joins voxels that touch only at a corner', () => {
    const dims: Vec3 = [6, 6, 6];
    const m = new Uint8Array(216);
    // A corner-connected chain of 3 voxels: one component under 26-connectivity.
    m[at(dims, 0, 0, 0)] = 1;
    m[at(dims, 1, 1, 1)] = 1;
    m[at(dims, 2, 2, 2)] = 1;
    // A separate pair, not touching the chain.
    m[at(dims, 5, 5, 0)] = 1;
    m[at(dims, 5, 4, 0)] = 1;
    expect(keepLargestComponent(m, dims)).toBe(3);
    expect(m.reduce((a, b) => a + b, 0)).toBe(3);
    expect(m[at(dims, 1, 1, 1)]).toBe(1);
    expect(m[at(dims, 5, 5, 0)]).toBe(0);
  });

  it('fills no holes (brainchop does not) and returns 0 for an empty mask', () => {
    const dims: Vec3 = [5, 5, 5];
    const m = new Uint8Array(125).fill(1);
    m[at(dims, 2, 2, 2)] = 0;
    expect(keepLargestComponent(m, dims)).toBe(124);
    expect(m[at(dims, 2, 2, 2)]).toBe(0);
    expect(keepLargestComponent(new Uint8Array(125), dims)).toBe(0);
  });
});

describe('uncropMask', () => {
  it('puts the box back at its corner of the grid', () => {
    const dims: Vec3 = [4, 3, 2];
    const box = { lo: [1, 1, 1] as Vec3, hi: [3, 3, 2] as Vec3 };
    const out = uncropMask(Uint8Array.from([1, 0, 0, 1]), box, dims);
    expect(out[at(dims, 1, 1, 1)]).toBe(1);
    expect(out[at(dims, 2, 2, 1)]).toBe(1);
    expect(out.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
