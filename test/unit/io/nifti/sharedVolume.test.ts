/**
 * Issue 13 (fast start): a gzipped NIfTI volume is read into a SharedArrayBuffer, so the
 * segmentation worker gets it by reference instead of a 36 MB copy per BraTS series; the gunzip
 * stays bounded with its larger output chunks; the viewer still hands out a plain ArrayBuffer
 * (IPC and HTTP cannot carry shared memory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../../../src-main/core/io/nifti/readNifti.ts';
import { writeNifti } from '../../../../src-main/core/io/nifti/writeNifti.ts';
import { gunzipUpTo } from '../../../../src-main/core/io/nifti/boundedGunzip.ts';
import { packRequest } from '../../../../src-main/core/inference/segmentInWorker.ts';
import { createViewerService } from '../../../../src-main/api/services/viewerService.ts';
import type { Geometry } from '../../../../src-main/core/volume/Geometry.ts';
import type { Series } from '../../../../src-main/core/study/types.ts';

const geometry: Geometry = {
  // Larger than a NIfTI-2 header, so the image is inflated in its own (shared) pass.
  dims: [20, 20, 10],
  spacing: [1, 1, 2],
  originLps: [0, 0, 0],
  directionLps: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};
const voxels = Int16Array.from({ length: 4000 }, (_, i) => (i % 7) * 100 - 200);
const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-shared-nifti-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readNifti of a .nii.gz', () => {
  it('reads the voxels into shared memory, and the worker request takes them by reference', async () => {
    const file = path.join(dir, 'vol.nii.gz');
    await writeNifti(file, { geometry, data: voxels });
    const image = await readNifti(file);
    const data = image.frames[0];
    expect(data).toBeInstanceOf(Int16Array);
    expect(data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...data]).toEqual([...voxels]);
    const { request, transfer } = packRequest({
      model: '/m',
      volumes: { t1: { geometry: image.geometry, data } },
    });
    expect(request.volumes.t1?.data).toBe(data);
    expect(transfer).toEqual([]);
  });

  it('an uncompressed .nii stays in ordinary memory', async () => {
    const file = path.join(dir, 'vol.nii');
    await writeNifti(file, { geometry, data: voxels });
    const data = (await readNifti(file)).frames[0];
    expect(data.buffer).toBeInstanceOf(ArrayBuffer);
    expect([...data]).toEqual([...voxels]);
  });
});

describe('gunzipUpTo with large output chunks', () => {
  const zeros = gzipSync(Buffer.alloc(8 * 1024 * 1024)); // 8 MiB of zeros, ~8 KB compressed

  it('stops at the limit (a small limit never inflates a whole large chunk)', async () => {
    for (const shared of [false, true]) {
      const r = await gunzipUpTo(zeros, 1000, { shared });
      expect(r.complete).toBe(false);
      expect(r.data.length).toBe(1000);
      expect(r.data.buffer instanceof SharedArrayBuffer).toBe(shared);
    }
  });

  it('returns everything, in the right order, when the stream ends below the limit', async () => {
    const text = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const r = await gunzipUpTo(gzipSync(text), 10 * 1024 * 1024, { shared: true });
    expect(r.complete).toBe(true);
    expect(Buffer.compare(r.data, text)).toBe(0);
    expect(r.data.buffer.byteLength).toBe(text.length);
  });
});

describe('getSeriesVolume of a shared-memory volume', () => {
  it('hands out the exact bytes in a plain ArrayBuffer', async () => {
    const sab = new SharedArrayBuffer(352 + voxels.byteLength);
    const data = new Int16Array(sab, 352, voxels.length);
    data.set(voxels);
    const series = { id: 's1', volume: { geometry, data } } as unknown as Series;
    const dto = await createViewerService(async () => series).getSeriesVolume(
      { studyId: 'st', seriesId: 's1' },
      { emit: () => {} },
    );
    expect(dto.data).toBeInstanceOf(ArrayBuffer);
    expect([...new Int16Array(dto.data)]).toEqual([...voxels]);
  });
});
