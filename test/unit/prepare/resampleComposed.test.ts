import { describe, expect, it } from 'vitest';
import {
  resampleNearestThrough,
  resampleTrilinearThrough,
} from '../../../src-main/core/prepare/resampleComposed.ts';
import { downsampleTo } from '../../../src-main/core/prepare/downsample.ts';
import { IDENTITY4 } from '../../../src-main/core/prepare/transforms.ts';
import { eulerToMatrix } from '../../../src-main/core/prepare/registration/eulerTransform.ts';
import {
  itkImageGeometry,
  volumeToItkImage,
} from '../../../src-main/core/prepare/registration/itkImage.ts';
import { resampleTrilinear } from '../../../src-main/core/preprocess/resample.ts';
import type { Geometry } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

const g: Geometry = {
  dims: [20, 16, 12],
  spacing: [1, 1.5, 2],
  originLps: [-10, 5, 3],
  directionLps: [
    [0, 1, 0],
    [-1, 0, 0],
    [0, 0, 1],
  ],
};
const ramp: Volume = {
  geometry: g,
  data: Float32Array.from({ length: 20 * 16 * 12 }, (_, x) => (x % 20) + 3 * Math.floor(x / 320)),
};

describe('resampling through a world transform', () => {
  it('equals plain world-coordinate resampling for the identity', () => {
    expect(resampleTrilinearThrough(ramp, IDENTITY4, g)).toEqual(resampleTrilinear(ramp, g));
  });

  it('pulls values from the transformed position', () => {
    // pull = +2 mm along LPS y = −(i axis of the source) → source index i − 2 … in the source's
    // own axes: dirI is LPS +y, so a target point p samples the source at p + (0, 2, 0) = i + 2.
    const pull = eulerToMatrix([0, 0, 0, 0, 2, 0], [0, 0, 0]);
    const out = resampleTrilinearThrough(ramp, pull, g);
    expect(out[5]).toBeCloseTo(ramp.data[7], 5);
    const labels: Volume = { geometry: g, data: Uint8Array.from(ramp.data, (v) => v % 5) };
    expect(resampleNearestThrough(labels, pull, g)[5]).toBe(labels.data[7]);
    expect(resampleNearestThrough(labels, pull, g)[19]).toBe(0); // pulled from outside
  });
});

describe('downsampleTo', () => {
  it('averages blocks and keeps the world position of the block centres', () => {
    const d = downsampleTo(ramp, 2);
    expect(d.geometry.dims).toEqual([10, 16, 12]); // 1.5 mm stays: floor(2 / 1.5) = 1
    expect(d.geometry.spacing).toEqual([2, 1.5, 2]);
    // First output voxel = mean of source i = 0, 1 at j = 0, k = 0 → 0.5; centre at i = 0.5.
    expect(d.data[0]).toBeCloseTo(0.5, 6);
    expect(d.geometry.originLps[1]).toBeCloseTo(5 + 0.5, 9);
  });
});

describe('itk Image conversion', () => {
  it('round-trips the geometry (ITK direction columns = our axis directions)', () => {
    const im = volumeToItkImage(ramp);
    expect(Array.from(im.direction as Float64Array)).toEqual([0, -1, 0, 1, 0, 0, 0, 0, 1]);
    expect(itkImageGeometry(im)).toEqual(g);
  });
});
