/** Sliding-window starts and the Gaussian importance map (MODEL_PIPELINE.md §8). */
import { describe, expect, it } from 'vitest';
import {
  gaussianImportance,
  tileOrigins,
  windowStarts,
} from '../../../src-main/core/inference/slidingWindow.ts';
import { providerOrder } from '../../../src-main/core/inference/providers.ts';

describe('windowStarts', () => {
  it('follows step = P(1−overlap), n = ceil((S−P)/step)+1, round(linspace)', () => {
    expect(windowStarts(64, 64, 0.5)).toEqual([0]);
    expect(windowStarts(80, 64, 0.5)).toEqual([0, 16]);
    expect(windowStarts(96, 64, 0.5)).toEqual([0, 32]);
    expect(windowStarts(92, 32, 0.5)).toEqual([0, 15, 30, 45, 60]);
    // linspace(0, 5, 3) = 0, 2.5, 5 → 2.5 rounds half away from zero to 3.
    expect(windowStarts(9, 4, 0)).toEqual([0, 3, 5]);
  });

  it('covers the volume: last window ends at S', () => {
    for (const s of [33, 50, 77, 120]) {
      const st = windowStarts(s, 32, 0.5);
      expect(st[st.length - 1] + 32).toBe(s);
      expect(tileOrigins([s, 32, 32], [32, 32, 32], 0.5)).toHaveLength(st.length);
    }
  });
});

describe('gaussianImportance', () => {
  it('peaks at 1 at the centre, is symmetric and has no zero weight', () => {
    const g = gaussianImportance([8, 6, 4], 0.125);
    let max = 0;
    let min = Infinity;
    for (const v of g) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    expect(max).toBeCloseTo(1, 6);
    expect(min).toBeGreaterThan(0);
    expect(g[0]).toBeCloseTo(g[7 + 8 * (5 + 6 * 3)], 7);
  });
});

describe('providerOrder', () => {
  it('tries the native GPU provider, then WebGPU, then CPU; a forced one alone', () => {
    expect(providerOrder('auto', 'linux')).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerOrder('auto', 'win32')).toEqual(['dml', 'webgpu', 'cpu']);
    expect(providerOrder('auto', 'darwin')).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(providerOrder('webgpu', 'linux')).toEqual(['webgpu']);
  });
});
