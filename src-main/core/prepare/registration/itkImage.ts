/**
 * Our Volume ↔ itk-wasm Image (in memory: no files, no symlinks; RAW-INPUT.md warns that
 * readImageNode fails on a symlinked path). Pure functions.
 *
 * itk-wasm's `direction` is ITK's 3×3 direction matrix in row-major order, whose COLUMN c is the
 * LPS direction of voxel axis c; ITK's physical space is LPS, like ours, so origin, spacing and
 * size copy over unchanged (checked against readImageNode on a raw oblique series).
 */
import type { Image } from 'itk-wasm';
import type { Geometry, Vec3 } from '../../volume/Geometry.ts';
import type { Volume } from '../../volume/Volume.ts';

/** The itk-wasm Image of a volume, as float32 (elastix's internal pixel type). */
export function volumeToItkImage(v: Volume, name = 'image'): Image {
  const g = v.geometry;
  const direction = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) direction[r * 3 + c] = g.directionLps[c][r];
  const data = v.data instanceof Float32Array ? v.data : Float32Array.from(v.data);
  return {
    imageType: { dimension: 3, componentType: 'float32', pixelType: 'Scalar', components: 1 },
    name,
    origin: [...g.originLps],
    spacing: [...g.spacing],
    direction,
    size: [...g.dims],
    metadata: new Map(),
    data,
  } as Image;
}

/** The Geometry of an itk-wasm Image (inverse of volumeToItkImage's header part). */
export function itkImageGeometry(im: Image): Geometry {
  const d = im.direction;
  const col = (c: number): Vec3 => [Number(d[c]), Number(d[3 + c]), Number(d[6 + c])];
  return {
    dims: [im.size[0], im.size[1], im.size[2]],
    spacing: [im.spacing[0], im.spacing[1], im.spacing[2]],
    originLps: [im.origin[0], im.origin[1], im.origin[2]],
    directionLps: [col(0), col(1), col(2)],
  };
}
