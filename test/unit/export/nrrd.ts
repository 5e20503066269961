/**
 * Minimal NRRD reader for tests: the dcmqi fixtures' label maps (gzip or raw, little endian,
 * 3-D, `space: left-posterior-superior`). Only what the reference comparisons need.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Geometry, Vec3 } from '../../../src-main/core/volume/Geometry.ts';
import type { Volume } from '../../../src-main/core/volume/Volume.ts';

function vectors(s: string): Vec3[] {
  return [...s.matchAll(/\(([^)]*)\)/g)].map((m) => m[1].split(',').map(Number) as unknown as Vec3);
}

/** Reads a 3-D LPS NRRD label map (uchar/short/ushort/int) into a Volume. */
export function readNrrd(file: string): Volume {
  const buf = readFileSync(file);
  const end = buf.indexOf('\n\n');
  const header = buf.subarray(0, end).toString('latin1');
  const field = (name: string): string => {
    const m = header.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'));
    if (!m) throw new Error(`${file}: NRRD field "${name}" missing`);
    return m[1].trim();
  };
  if (!/left-posterior-superior/.test(field('space'))) throw new Error(`${file}: not LPS`);
  const dims = field('sizes').split(/\s+/).map(Number) as unknown as Vec3;
  const dirs = vectors(field('space directions'));
  const origin = vectors(`(${field('space origin').replace(/[()]/g, '')})`)[0];
  const raw = buf.subarray(end + 2);
  const body = field('encoding') === 'gzip' ? gunzipSync(raw) : raw;
  const type = field('type');
  const ab = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
  const data =
    type === 'short'
      ? new Int16Array(ab)
      : type === 'unsigned short' || type === 'ushort'
        ? new Uint16Array(ab)
        : type === 'int'
          ? new Int32Array(ab)
          : new Uint8Array(ab);
  const spacing = dirs.map((d) => Math.hypot(...d)) as unknown as Vec3;
  const geometry: Geometry = {
    dims,
    spacing,
    originLps: origin,
    directionLps: dirs.map((d, i) => d.map((x) => x / spacing[i])) as unknown as [Vec3, Vec3, Vec3],
  };
  return { geometry, data };
}
