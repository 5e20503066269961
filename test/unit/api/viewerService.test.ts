/**
 * Viewer volumes: voxels keep a type Cornerstone renders without loss, the initial window ignores
 * the background and outliers, and the service hands out exactly the series' bytes.
 */
import { describe, expect, it } from 'vitest';
import {
  createViewerService,
  robustWindow,
  toDisplayVoxels,
} from '../../../src-main/api/services/viewerService.ts';
import type { Series } from '../../../src-main/core/study/types.ts';

describe('toDisplayVoxels', () => {
  it('keeps uint8/int16/uint16 as they are (no copy)', () => {
    const a = new Int16Array([1, -2]);
    expect(toDisplayVoxels(a)).toEqual({ dataType: 'int16', array: a });
    expect(toDisplayVoxels(new Uint8Array(2)).dataType).toBe('uint8');
    expect(toDisplayVoxels(new Uint16Array(2)).dataType).toBe('uint16');
  });
  it('stores whole numbers in int16 range as int16, anything else as float32', () => {
    const ints = toDisplayVoxels(new Float32Array([0, 12, -300, 32767]));
    expect(ints.dataType).toBe('int16');
    expect([...ints.array]).toEqual([0, 12, -300, 32767]);
    expect(toDisplayVoxels(new Float32Array([0.5, 1])).dataType).toBe('float32');
    expect(toDisplayVoxels(new Int32Array([70000])).dataType).toBe('float32');
  });
});

describe('robustWindow', () => {
  it('spans the non-zero voxels without the background or single outliers', () => {
    const data = new Float32Array(100_000);
    for (let v = 50_000; v < 100_000; v++) data[v] = 100 + (v % 100);
    data[0] = 1e6; // one hot pixel
    const w = robustWindow(data);
    expect(w.center - w.width / 2).toBeGreaterThanOrEqual(100);
    expect(w.center + w.width / 2).toBeLessThanOrEqual(199);
  });
  it('gives a usable window for an empty volume', () => {
    expect(robustWindow(new Uint8Array(10)).width).toBeGreaterThan(0);
  });
});

describe('getSeriesVolume', () => {
  it('returns the geometry and exactly the voxel bytes', async () => {
    const data = new Int16Array([5, 6, 7, 8, 9, 10, 11, 12]);
    const geometry = {
      dims: [2, 2, 2] as const,
      spacing: [1, 1, 1] as const,
      originLps: [0, 0, 0] as const,
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ] as const,
    };
    const series = { id: 's1', volume: { geometry, data } } as unknown as Series;
    const svc = createViewerService(async () => series);
    const dto = await svc.getSeriesVolume({ studyId: 'st', seriesId: 's1' }, { emit: () => {} });
    expect(dto.geometry).toEqual(geometry);
    expect(dto.dataType).toBe('int16');
    expect([...new Int16Array(dto.data)]).toEqual([...data]);
  });
});
