/**
 * readNifti / decodeNifti on NIfTI files built in code: orientation (sform, qform, pixdim),
 * precedence, datatypes in both byte orders, scaling, NIfTI-2, 4-D, units and offsets.
 * Expected world positions are computed by hand from nifti1.h's formulas.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNifti, readNifti } from '../../../../src-main/core/io/nifti/readNifti.ts';
import { voxelToLps } from '../../../../src-main/core/volume/Geometry.ts';
import type { Vec3 } from '../../../../src-main/core/volume/Geometry.ts';
import { axisCodes } from '../../../../src-main/core/volume/orientation.ts';
import { buildNifti, ramp } from './buildNifti.ts';
import type { BuildNiftiParams, TestVoxelType } from './buildNifti.ts';

const decode = (p: BuildNiftiParams) => decodeNifti(buildNifti(p), 'test.nii');

function expectClose(a: readonly number[], b: readonly number[], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) =>
    expect(Math.abs(v - b[i]), `component ${i}: ${v} vs ${b[i]}`).toBeLessThan(tol),
  );
}

/** A 3×4×5 float32 ramp. */
const base = { dims: [3, 4, 5], values: ramp(60) };

describe('orientation', () => {
  it('RAS sform: x and y flip to LPS', () => {
    const img = decode({ ...base, sformCode: 1, srow: [2, 0, 0, 10, 0, 3, 0, 20, 0, 0, 4, 30] });
    expect(img.info.transformSource).toBe('sform');
    expect(axisCodes(img.geometry)).toBe('RAS');
    expectClose(img.geometry.spacing, [2, 3, 4]);
    expectClose(img.geometry.originLps, [-10, -20, 30]);
    // voxel (1,2,3): RAS = (1·2+10, 2·3+20, 3·4+30) = (12, 26, 42) → LPS (−12, −26, 42)
    expectClose(voxelToLps(img.geometry, [1, 2, 3]), [-12, -26, 42]);
  });

  it('LPS sform (BraTS style): identity directions in LPS', () => {
    const img = decode({ ...base, sformCode: 1, srow: [-1, 0, 0, 5, 0, -1, 0, 6, 0, 0, 1, 7] });
    expect(axisCodes(img.geometry)).toBe('LPS');
    expectClose(img.geometry.directionLps.flat(), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expectClose(voxelToLps(img.geometry, [2, 3, 4]), [-5 + 2, -6 + 3, 7 + 4]);
  });

  it('LAS qform (FSL / dcm2niix style): quaternion (0,1,0) with qfac −1', () => {
    // R = 180° about y = diag(−1, 1, −1); qfac −1 negates the k column → diag(−1, 1, 1).
    const img = decode({
      ...base,
      qformCode: 1,
      quatern: [0, 1, 0],
      qoffset: [10, 20, 30],
      pixdim: [-1, 2, 3, 4],
    });
    expect(img.info.transformSource).toBe('qform');
    expect(axisCodes(img.geometry)).toBe('LAS');
    // voxel (1,2,3): RAS = (−2+10, 6+20, 12+30) = (8, 26, 42) → LPS (−8, −26, 42)
    expectClose(voxelToLps(img.geometry, [1, 2, 3]), [-8, -26, 42]);
  });

  it('oblique qform: 30° rotation about z from the quaternion', () => {
    const half = (15 * Math.PI) / 180;
    const img = decode({
      ...base,
      qformCode: 1,
      quatern: [0, 0, Math.sin(half)],
      qoffset: [5, 6, 7],
      pixdim: [1, 1, 2, 3],
    });
    const c = Math.cos(2 * half);
    const s = Math.sin(2 * half);
    // voxel (1,1,1): RAS = R·(1·1, 1·2, 1·3) + qoffset
    const ras: Vec3 = [c * 1 - s * 2 + 5, s * 1 + c * 2 + 6, 3 + 7];
    expectClose(voxelToLps(img.geometry, [1, 1, 1]), [-ras[0], -ras[1], ras[2]], 1e-5);
    expectClose(img.geometry.spacing, [1, 2, 3], 1e-6);
  });

  it('quaternion with |(b,c,d)| rounded just above 1 stays finite (a = 0)', () => {
    const img = decode({ ...base, qformCode: 1, quatern: [1.0000001, 0, 0] });
    expect(img.geometry.directionLps.flat().every(Number.isFinite)).toBe(true);
    expect(axisCodes(img.geometry)).toBe('RPI'); // 180° about x: RAS diag(1, −1, −1) → R P I
  });

  it('a sheared sform is kept exactly, with a warning', () => {
    const img = decode({ ...base, sformCode: 1, srow: [1, 0.5, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0] });
    // voxel (1,2,0): RAS = (1 + 0.5·2, 2, 0) = (2, 2, 0) → LPS (−2, −2, 0)
    expectClose(voxelToLps(img.geometry, [1, 2, 0]), [-2, -2, 0]);
    expect(img.warnings.join(' ')).toMatch(/shear/);
    expect(
      decode({ ...base, sformCode: 1, srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0] }).warnings,
    ).toEqual([]);
  });

  it('no sform, no qform: pixdim only (RAS, origin 0) with a warning', () => {
    const img = decode({ ...base, pixdim: [0, 2, 3, 4] });
    expect(img.info.transformSource).toBe('pixdim');
    expect(axisCodes(img.geometry)).toBe('RAS');
    expectClose(voxelToLps(img.geometry, [1, 1, 1]), [-2, -3, 4]);
    expect(img.warnings.join(' ')).toMatch(/no sform or qform/);
  });
});

describe('sform / qform precedence', () => {
  const sform = [2, 0, 0, 1, 0, 2, 0, 2, 0, 0, 2, 3];
  const q = {
    quatern: [0, 0, 0] as [number, number, number],
    qoffset: [9, 9, 9] as [number, number, number],
  };

  it('sform wins when sform_code > 0, even when qform_code is larger', () => {
    const img = decode({ ...base, ...q, sformCode: 1, qformCode: 2, srow: sform });
    expect(img.info.transformSource).toBe('sform');
    expectClose(img.geometry.originLps, [-1, -2, 3]);
  });

  it('qform is used when sform_code is 0', () => {
    const img = decode({ ...base, ...q, sformCode: 0, qformCode: 1, srow: sform });
    expect(img.info.transformSource).toBe('qform');
    expectClose(img.geometry.originLps, [-9, -9, 9]);
  });

  it('a singular sform falls back to the qform with a warning', () => {
    const img = decode({ ...base, ...q, sformCode: 1, qformCode: 1, srow: Array(12).fill(0) });
    expect(img.info.transformSource).toBe('qform');
    expect(img.warnings.join(' ')).toMatch(/sform is singular/);
  });
});

describe('datatypes', () => {
  const cases: [TestVoxelType, number[], string][] = [
    ['uint8', [0, 1, 200, 255], 'Uint8Array'],
    ['int8', [-128, -1, 0, 127], 'Int8Array'],
    ['int16', [-32768, -2, 300, 32767], 'Int16Array'],
    ['uint16', [0, 1, 40000, 65535], 'Uint16Array'],
    ['int32', [-2147483648, -5, 70000, 2147483647], 'Int32Array'],
    ['uint32', [0, 7, 3000000000, 4294967295], 'Uint32Array'],
    ['float32', [-1.5, 0, 0.25, Math.fround(3e38)], 'Float32Array'],
    ['float64', [-1e-300, 0, Math.PI, 1e300], 'Float64Array'],
  ];
  for (const [type, values, ctor] of cases) {
    for (const littleEndian of [true, false]) {
      it(`${type}, ${littleEndian ? 'little' : 'big'}-endian`, () => {
        const img = decode({ dims: [2, 2, 1], type, values, littleEndian });
        expect(img.info.datatype).toBe(type);
        expect(img.info.header.littleEndian).toBe(littleEndian);
        expect(img.frames[0].constructor.name).toBe(ctor);
        expect(Array.from(img.frames[0])).toEqual(values);
      });
    }
  }
});

describe('scl_slope / scl_inter', () => {
  it('applies slope and intercept (float32 result)', () => {
    const img = decode({
      dims: [2, 2, 1],
      type: 'int16',
      values: [0, 1, -2, 100],
      sclSlope: 2,
      sclInter: -1,
    });
    expect(img.info.scaled).toBe(true);
    expect(img.frames[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(img.frames[0])).toEqual([-1, 1, -5, 199]);
  });

  it('slope 0 means no scaling and keeps the stored type', () => {
    const img = decode({
      dims: [2, 2, 1],
      type: 'int16',
      values: [0, 1, -2, 100],
      sclSlope: 0,
      sclInter: 5,
    });
    expect(img.info.scaled).toBe(false);
    expect(img.frames[0]).toBeInstanceOf(Int16Array);
    expect(Array.from(img.frames[0])).toEqual([0, 1, -2, 100]);
  });

  it('NaN slope (nibabel default) and slope 1 / inter 0 mean no scaling', () => {
    for (const [sclSlope, sclInter] of [
      [NaN, NaN],
      [1, 0],
    ]) {
      const img = decode({ dims: [2, 1, 1], type: 'uint8', values: [3, 4], sclSlope, sclInter });
      expect(img.frames[0]).toBeInstanceOf(Uint8Array);
    }
  });

  it('float64 data stays float64 when scaled', () => {
    const img = decode({
      dims: [2, 1, 1],
      type: 'float64',
      values: [1, 2],
      sclSlope: 0.5,
      sclInter: 0,
    });
    expect(img.frames[0]).toBeInstanceOf(Float64Array);
    expect(Array.from(img.frames[0])).toEqual([0.5, 1]);
  });
});

describe('NIfTI-2', () => {
  it('reads header, sform and voxels, little- and big-endian', () => {
    for (const littleEndian of [true, false]) {
      const img = decode({
        version: 2,
        littleEndian,
        ...base,
        type: 'int32',
        sformCode: 1,
        srow: [2, 0, 0, 10, 0, 3, 0, 20, 0, 0, 4, 30],
      });
      expect(img.info.header.version).toBe(2);
      expectClose(voxelToLps(img.geometry, [1, 2, 3]), [-12, -26, 42]);
      expect(Array.from(img.frames[0])).toEqual(ramp(60));
    }
  });

  it('uses the qform when sform_code is 0 (LAS)', () => {
    const img = decode({
      version: 2,
      ...base,
      qformCode: 1,
      quatern: [0, 1, 0],
      pixdim: [-1, 1, 1, 1],
    });
    expect(img.info.transformSource).toBe('qform');
    expect(axisCodes(img.geometry)).toBe('LAS');
  });

  it('rejects a wrong NIfTI-2 magic', () => {
    expect(() => decode({ version: 2, ...base, magic: 'n+1\0\0\0\0\0' })).toThrow(/magic/);
  });
});

describe('4-D, units and offsets', () => {
  it('splits a 4-D file into frames along the 4th index', () => {
    const img = decode({
      dims: [2, 2, 2, 3],
      type: 'int16',
      values: ramp(24),
      littleEndian: false,
    });
    expect(img.frames).toHaveLength(3);
    img.frames.forEach((f, t) => expect(Array.from(f)).toEqual(ramp(8).map((v) => v + 8 * t)));
  });

  it('converts metres to millimetres (xyzt_units)', () => {
    const img = decode({ ...base, qformCode: 1, pixdim: [1, 0.001, 0.002, 0.003], xyztUnits: 1 });
    expectClose(img.geometry.spacing, [1, 2, 3], 1e-4);
  });

  it('reads voxels after header extensions (vox_offset > 352)', () => {
    const img = decode({ dims: [2, 1, 1], type: 'uint8', values: [7, 9], voxOffset: 400 });
    expect(Array.from(img.frames[0])).toEqual([7, 9]);
  });

  it('treats a vox_offset of 0 as 352, with a warning', () => {
    const img = decode({ dims: [2, 1, 1], type: 'uint8', values: [7, 9], voxOffset: 0 });
    expect(Array.from(img.frames[0])).toEqual([7, 9]);
    expect(img.warnings.join(' ')).toMatch(/vox_offset/);
  });

  it('tolerates trailing bytes after the voxel data', () => {
    const buf = Buffer.concat([
      buildNifti({ dims: [2, 1, 1], type: 'uint8', values: [1, 2] }),
      Buffer.alloc(10, 0xff),
    ]);
    expect(Array.from(decodeNifti(buf, 'x.nii').frames[0])).toEqual([1, 2]);
  });
});

describe('files on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'metakd-nifti-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads .nii and .nii.gz (gzip detected from content, not the name)', async () => {
    const bytes = buildNifti({
      ...base,
      type: 'int16',
      sformCode: 1,
      srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0],
    });
    await writeFile(path.join(dir, 'a.nii'), bytes);
    await writeFile(path.join(dir, 'b.nii.gz'), gzipSync(bytes));
    await writeFile(path.join(dir, 'c.nii'), gzipSync(bytes)); // misnamed but gzipped
    for (const name of ['a.nii', 'b.nii.gz', 'c.nii']) {
      const img = await readNifti(path.join(dir, name));
      expect(img.info.gzipped).toBe(name !== 'a.nii');
      expect(Array.from(img.frames[0])).toEqual(ramp(60));
    }
  });
  it('decodeNifti never shares memory with its input; readNifti may view its own buffer', async () => {
    const bytes = buildNifti({ dims: [4, 4, 4], type: 'int16', values: ramp(64) });
    const copy = decodeNifti(bytes, 'x.nii').frames[0];
    bytes.writeInt16LE(999, 352); // change voxel 0 in the input after decoding
    expect(copy[0]).toBe(0);
    await writeFile(path.join(dir, 'view.nii'), bytes);
    const viewed = (await readNifti(path.join(dir, 'view.nii'))).frames[0];
    expect(viewed[0]).toBe(999);
    expect(viewed.byteOffset).toBe(352); // a view past the header: never assume byteOffset 0
    const scaled = buildNifti({ dims: [2, 1, 1], type: 'int16', values: [1, 2], sclSlope: 2 });
    await writeFile(path.join(dir, 'scaled.nii'), scaled);
    expect((await readNifti(path.join(dir, 'scaled.nii'))).frames[0].byteOffset).toBe(0);
  });
});
