/**
 * encodeNifti / writeNifti: header fields, sform + qform from the Geometry, datatype choice and
 * conversion, gzip, atomic write, and read-back round trips (same voxels, geometry ≤ 1e-4 mm).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNifti, readNifti } from '../../../../src-main/core/io/nifti/readNifti.ts';
import { qformAffineRas } from '../../../../src-main/core/io/nifti/transform.ts';
import {
  encodeNifti,
  encodeNiftiFrames,
  writeNifti,
} from '../../../../src-main/core/io/nifti/writeNifti.ts';
import { parseNiftiHeader } from '../../../../src-main/core/io/nifti/header.ts';
import { affineRas, sameGrid, voxelCount } from '../../../../src-main/core/volume/Geometry.ts';
import type { Geometry, Vec3 } from '../../../../src-main/core/volume/Geometry.ts';
import type { VoxelArray } from '../../../../src-main/core/volume/Volume.ts';
import { MetaKdError } from '../../../../src-main/core/errors.ts';

/** Unit vector of a rotation of `deg` about the axis (normalised) applied to e. */
function rotate(v: Vec3, axis: Vec3, deg: number): Vec3 {
  const n = Math.hypot(...axis);
  const [x, y, z] = axis.map((a) => a / n);
  const t = (deg * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const dot = x * v[0] + y * v[1] + z * v[2];
  const cross: Vec3 = [y * v[2] - z * v[1], z * v[0] - x * v[2], x * v[1] - y * v[0]];
  return [0, 1, 2].map(
    (i) => v[i] * c + cross[i] * s + [x, y, z][i] * dot * (1 - c),
  ) as unknown as Vec3;
}

/** An oblique, non-isotropic geometry (TCGA-like: 0.9 × 0.9 × 5.5 mm, tilted ~10°). */
function obliqueGeometry(leftHanded: boolean): Geometry {
  const axis: Vec3 = [0.3, -0.5, 0.8];
  const dirs = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, leftHanded ? -1 : 1],
  ].map((d) => rotate(d as unknown as Vec3, axis, 10)) as unknown as [Vec3, Vec3, Vec3];
  return {
    dims: [7, 6, 5],
    spacing: [0.8984375, 0.8984375, 5.5],
    originLps: [-113.656448, 74.6162415, -46.858799],
    directionLps: dirs,
  };
}

const ramp = (n: number, C: new (n: number) => VoxelArray = Float32Array): VoxelArray => {
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = i % 200;
  return a;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-nifti-w-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encodeNifti', () => {
  for (const leftHanded of [false, true]) {
    it(`round-trips an oblique ${leftHanded ? 'left' : 'right'}-handed grid (sform and qform)`, () => {
      const g = obliqueGeometry(leftHanded);
      const data = ramp(voxelCount(g), Int16Array);
      const buf = encodeNifti({ geometry: g, data });
      const back = decodeNifti(buf, 'rt.nii');
      expect(back.info.transformSource).toBe('sform');
      expect(sameGrid(back.geometry, g, 1e-4)).toBe(true);
      expect(back.frames[0]).toBeInstanceOf(Int16Array);
      expect(Array.from(back.frames[0])).toEqual(Array.from(data));
      // The qform alone must describe the same grid (readers that ignore the sform).
      const h = parseNiftiHeader(buf, 'rt.nii');
      expect(h.qformCode).toBe(1);
      // diag(−1, −1, 1) has det +1, so RAS keeps the LPS handedness: left-handed ⇒ qfac −1
      expect(h.pixdim[0]).toBe(leftHanded ? -1 : 1);
      const q = qformAffineRas(h);
      const s = affineRas(g);
      for (let i = 0; i < 12; i++) expect(Math.abs(q[i] - s[i])).toBeLessThan(1e-4);
    });
  }

  it('writes the header a NIfTI-1 reader expects', () => {
    const g: Geometry = {
      dims: [2, 3, 4],
      spacing: [1, 2, 3],
      originLps: [1, 2, 3],
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    };
    const buf = encodeNifti(
      { geometry: g, data: ramp(24, Uint8Array) },
      { description: 'tumour mask', intentCode: 1002, intentName: 'label' },
    );
    const h = parseNiftiHeader(buf, 'h.nii');
    expect(h).toMatchObject({
      version: 1,
      littleEndian: true,
      magic: 'n+1',
      datatype: 2,
      bitpix: 8,
      voxOffset: 352,
      sformCode: 1,
      qformCode: 1,
      description: 'tumour mask',
      intentCode: 1002,
      intentName: 'label',
      sclSlope: 1,
      sclInter: 0,
    });
    expect(h.dim.slice(0, 4)).toEqual([3, 2, 3, 4]);
    // LPS (1,2,3) origin with identity LPS axes → RAS srow diag(−1, −2, 3), offset (−1, −2, 3)
    expect(h.srow).toEqual([-1, 0, 0, -1, 0, -2, 0, -2, 0, 0, 3, 3]);
    expect(buf.length).toBe(352 + 24);
  });

  it('chooses the datatype from the array and converts on request (round + clamp)', () => {
    const g: Geometry = {
      dims: [4, 1, 1],
      spacing: [1, 1, 1],
      originLps: [0, 0, 0],
      directionLps: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    };
    const ctors = [
      Uint8Array,
      Int8Array,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
    ];
    for (const C of ctors) {
      const back = decodeNifti(encodeNifti({ geometry: g, data: ramp(4, C) }), 'x.nii');
      expect(back.frames[0].constructor).toBe(C);
    }
    const f = new Float32Array([-3.6, 0.4, 2.5, 300]);
    const u8 = decodeNifti(encodeNifti({ geometry: g, data: f }, { datatype: 'uint8' }), 'x.nii');
    expect(Array.from(u8.frames[0])).toEqual([0, 0, 3, 255]);
  });

  it('gzips when asked', () => {
    const g = obliqueGeometry(false);
    const vol = { geometry: g, data: ramp(voxelCount(g)) };
    const gz = encodeNifti(vol, { gzip: true });
    expect(gz[0]).toBe(0x1f);
    expect(gunzipSync(gz).equals(encodeNifti(vol))).toBe(true);
  });

  it('writes 4-D frames', () => {
    const g = obliqueGeometry(false);
    const n = voxelCount(g);
    const frames = [ramp(n), ramp(n).map((v) => v + 1000)];
    const back = decodeNifti(encodeNiftiFrames(g, frames), 'x.nii');
    expect(back.frames).toHaveLength(2);
    expect(back.frames[1][5]).toBe(1005);
  });

  it('rejects data whose length does not match the geometry', () => {
    const g = obliqueGeometry(false);
    expect(() => encodeNifti({ geometry: g, data: new Uint8Array(3) })).toThrow(MetaKdError);
  });
});

describe('writeNifti', () => {
  it('writes .nii.gz atomically (no temp file left) and reads back identically', async () => {
    const g = obliqueGeometry(true);
    const data = ramp(voxelCount(g), Float32Array);
    const file = path.join(dir, 'mask.nii.gz');
    await writeNifti(file, { geometry: g, data }, { description: 'x' });
    expect(await readdir(dir)).toEqual(['mask.nii.gz']);
    const raw = await readFile(file);
    expect(raw[0]).toBe(0x1f); // gzip because of the name
    const back = await readNifti(file);
    expect(sameGrid(back.geometry, g, 1e-4)).toBe(true);
    expect(Array.from(back.frames[0])).toEqual(Array.from(data));
  });

  it('writes plain .nii when the name has no .gz and overwrites an existing file', async () => {
    const g = obliqueGeometry(false);
    const file = path.join(dir, 'plain.nii');
    await writeNifti(file, { geometry: g, data: ramp(voxelCount(g), Uint8Array) });
    await writeNifti(file, { geometry: g, data: new Uint8Array(voxelCount(g)).fill(7) });
    const raw = await readFile(file);
    expect(raw.readInt32LE(0)).toBe(348);
    expect((await readNifti(file)).frames[0][10]).toBe(7);
  });

  it('fails with a MetaKdError naming the file when the folder does not exist', async () => {
    const g = obliqueGeometry(false);
    const file = path.join(dir, 'no', 'such', 'x.nii');
    await expect(writeNifti(file, { geometry: g, data: ramp(voxelCount(g)) })).rejects.toThrow(
      file,
    );
  });
});
