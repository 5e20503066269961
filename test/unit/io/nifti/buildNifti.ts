/**
 * Test helper: builds NIfTI-1 / NIfTI-2 files byte by byte, independent of the encoder under test,
 * so every header field (byte order, magic, codes, quaternion, srow, offsets) can be set freely.
 * Offsets are those of nifti1.h / nifti2.h.
 */

/** Voxel values with their on-disk type. */
export type TestVoxelType =
  'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** nifti1.h DT_* codes. */
export const DT: Record<TestVoxelType, number> = {
  uint8: 2,
  int16: 4,
  int32: 8,
  float32: 16,
  float64: 64,
  int8: 256,
  uint16: 512,
  uint32: 768,
};
const SIZE: Record<TestVoxelType, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

/** Everything a test may set. Defaults: NIfTI-1, little-endian, no transforms, float32. */
export interface BuildNiftiParams {
  version?: 1 | 2;
  littleEndian?: boolean;
  /** Spatial dims and optional 4th dim. */
  dims: number[];
  type?: TestVoxelType;
  /** Override the stored datatype code (for unsupported-type tests). */
  datatypeCode?: number;
  /** Voxel values in file order (i fastest). Length: product of dims (or fewer for truncation tests). */
  values: ArrayLike<number>;
  /** pixdim[0..3]; pixdim[0] is qfac. */
  pixdim?: [number, number, number, number];
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: [number, number, number];
  /** 12 numbers, RAS. */
  srow?: number[];
  sclSlope?: number;
  sclInter?: number;
  magic?: string;
  voxOffset?: number;
  xyztUnits?: number;
  description?: string;
}

function writer(buf: Buffer, le: boolean) {
  return {
    i16: (v: number, o: number) => (le ? buf.writeInt16LE(v, o) : buf.writeInt16BE(v, o)),
    i32: (v: number, o: number) => (le ? buf.writeInt32LE(v, o) : buf.writeInt32BE(v, o)),
    i64: (v: number, o: number) =>
      le ? buf.writeBigInt64LE(BigInt(v), o) : buf.writeBigInt64BE(BigInt(v), o),
    f32: (v: number, o: number) => (le ? buf.writeFloatLE(v, o) : buf.writeFloatBE(v, o)),
    f64: (v: number, o: number) => (le ? buf.writeDoubleLE(v, o) : buf.writeDoubleBE(v, o)),
  };
}

function writeValue(buf: Buffer, type: TestVoxelType, le: boolean, v: number, o: number): void {
  switch (type) {
    case 'uint8':
      buf.writeUInt8(v, o);
      break;
    case 'int8':
      buf.writeInt8(v, o);
      break;
    case 'int16':
      if (le) buf.writeInt16LE(v, o);
      else buf.writeInt16BE(v, o);
      break;
    case 'uint16':
      if (le) buf.writeUInt16LE(v, o);
      else buf.writeUInt16BE(v, o);
      break;
    case 'int32':
      if (le) buf.writeInt32LE(v, o);
      else buf.writeInt32BE(v, o);
      break;
    case 'uint32':
      if (le) buf.writeUInt32LE(v, o);
      else buf.writeUInt32BE(v, o);
      break;
    case 'float32':
      if (le) buf.writeFloatLE(v, o);
      else buf.writeFloatBE(v, o);
      break;
    case 'float64':
      if (le) buf.writeDoubleLE(v, o);
      else buf.writeDoubleBE(v, o);
      break;
  }
}

/** Builds the bytes of a single-file NIfTI. */
export function buildNifti(p: BuildNiftiParams): Buffer {
  const version = p.version ?? 1;
  const le = p.littleEndian ?? true;
  const type = p.type ?? 'float32';
  const minOffset = version === 1 ? 352 : 544;
  const offset = p.voxOffset ?? minOffset;
  const dataStart = Math.max(offset, minOffset);
  const buf = Buffer.alloc(dataStart + p.values.length * SIZE[type]);
  const w = writer(buf, le);
  const dim = [p.dims.length, ...p.dims, ...Array(7 - p.dims.length).fill(1)];
  const pix = [...(p.pixdim ?? [1, 1, 1, 1]), 1, 1, 1, 1];
  const srow = p.srow ?? Array(12).fill(0);
  if (version === 1) {
    w.i32(348, 0);
    dim.forEach((d, i) => w.i16(d, 40 + 2 * i));
    w.i16(p.datatypeCode ?? DT[type], 70);
    w.i16(SIZE[type] * 8, 72);
    pix.forEach((d, i) => w.f32(d, 76 + 4 * i));
    w.f32(offset, 108);
    w.f32(p.sclSlope ?? 0, 112);
    w.f32(p.sclInter ?? 0, 116);
    buf.writeUInt8(p.xyztUnits ?? 2, 123);
    buf.write(p.description ?? '', 148, 'latin1');
    w.i16(p.qformCode ?? 0, 252);
    w.i16(p.sformCode ?? 0, 254);
    [...(p.quatern ?? [0, 0, 0]), ...(p.qoffset ?? [0, 0, 0])].forEach((v, i) =>
      w.f32(v, 256 + 4 * i),
    );
    srow.forEach((v, i) => w.f32(v, 280 + 4 * i));
    buf.write(`${p.magic ?? 'n+1'}\0`, 344, 'latin1');
  } else {
    w.i32(540, 0);
    buf.write(p.magic ?? 'n+2\0\r\n\x1a\n', 4, 'latin1');
    w.i16(p.datatypeCode ?? DT[type], 12);
    w.i16(SIZE[type] * 8, 14);
    dim.forEach((d, i) => w.i64(d, 16 + 8 * i));
    pix.forEach((d, i) => w.f64(d, 104 + 8 * i));
    w.i64(offset, 168);
    w.f64(p.sclSlope ?? 0, 176);
    w.f64(p.sclInter ?? 0, 184);
    buf.write(p.description ?? '', 240, 'latin1');
    w.i32(p.qformCode ?? 0, 344);
    w.i32(p.sformCode ?? 0, 348);
    [...(p.quatern ?? [0, 0, 0]), ...(p.qoffset ?? [0, 0, 0])].forEach((v, i) =>
      w.f64(v, 352 + 8 * i),
    );
    srow.forEach((v, i) => w.f64(v, 400 + 8 * i));
    w.i32(p.xyztUnits ?? 2, 500);
  }
  for (let i = 0; i < p.values.length; i++) {
    writeValue(buf, type, le, p.values[i], dataStart + i * SIZE[type]);
  }
  return buf;
}

/** 0, 1, 2, … n−1 (distinct voxel values make index mix-ups visible). */
export function ramp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
