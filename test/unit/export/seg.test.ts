/**
 * DICOM SEG writer: round trip voxel for voxel, dciodvfy (no errors), dcmdump, references and
 * provenance, on a synthetic oblique MR series written in code.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { buildSeg, type BuildSegParams } from '../../../src-main/core/export/seg/buildSeg.ts';
import { readSeg } from '../../../src-main/core/export/seg/readSeg.ts';
import { readSourceSeries, toSegSource } from '../../../src-main/core/export/seg/sourceSeries.ts';
import { parseDicom, type DicomDataset } from '../../../src-main/core/export/seg/dcmjsSeg.ts';
import { rgbToDicomLab, LABELS } from '../../../src-main/core/export/labelColours.ts';
import type { Provenance } from '../../../src-main/core/export/provenance.ts';
import { voxelToLps, type Geometry } from '../../../src-main/core/volume/Geometry.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import { syntheticLabels, writeSyntheticSeries, type SyntheticSeries } from './syntheticSeries.ts';

const provenance: Provenance = {
  algorithm: 'MetaKD',
  modelName: 'metakd-brats',
  modelVersion: '1.2.0',
  modelSha256: 'ab12cd34ef56ab12cd34ef56',
  provider: 'cpu',
  editedByHuman: false,
  sourceSeries: { id: 'series-1' },
  createdAt: '2024-03-14T10:00:00Z',
};

let dir: string;
let series: SyntheticSeries;

function params(over: Partial<BuildSegParams> = {}): BuildSegParams {
  return {
    labels: syntheticLabels(),
    source: series,
    provenance,
    settings: { ContentCreatorName: 'Doe^Jane', ContentLabel: 'tumour review' },
    appVersion: '0.1.0',
    ...over,
  };
}

/** dciodvfy's error and warning lines for a file. */
function dciodvfy(file: string): { errors: string[]; warnings: string[] } {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n');
  return {
    errors: lines.filter((l) => l.startsWith('Error')),
    warnings: lines.filter((l) => l.startsWith('Warning')),
  };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'metakd-seg-'));
  series = writeSyntheticSeries(path.join(dir, 'mr'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildSeg', () => {
  it('round-trips to the same labelmap voxel for voxel', () => {
    const labels = syntheticLabels();
    const seg = buildSeg(params({ labels }));
    const file = path.join(dir, 'rt.dcm');
    writeFileSync(file, seg.bytes);
    const back = readSeg(file, { reference: readSourceSeries(series.files) });
    expect(back.bratsLabels).toBe(true);
    expect(back.warnings).toEqual([]);
    expect(back.labelmap.geometry.dims).toEqual(labels.geometry.dims);
    let diff = 0;
    for (let i = 0; i < labels.data.length; i++)
      if (back.labelmap.data[i] !== labels.data[i]) diff++;
    expect(diff).toBe(0);
    expect(back.segments.map((s) => s.value)).toEqual([1, 2, 4]);
  });

  it('passes dciodvfy without errors and dcmdump parses it', () => {
    const file = path.join(dir, 'valid.dcm');
    writeFileSync(file, buildSeg(params()).bytes);
    const { errors } = dciodvfy(file);
    expect(errors).toEqual([]);
    const dump = execFileSync('dcmdump', ['-q', file], { encoding: 'utf8' });
    expect(dump).toContain('SegmentSequence');
    expect(dump).toContain('(0062,0001) CS [BINARY]');
  });

  it('references the exact source instances and copies patient, study and frame of reference', () => {
    const seg = buildSeg(params());
    const ds = parseDicom(seg.bytes).dataset;
    expect(ds.StudyInstanceUID).toBe(series.StudyInstanceUID);
    expect(ds.FrameOfReferenceUID).toBe(series.FrameOfReferenceUID);
    expect(ds.PatientID).toBe('SYN-0001');
    expect(ds.SeriesInstanceUID).not.toBe(series.SeriesInstanceUID);
    expect(ds.SeriesDescription).toBe('MetaKD tumour segmentation');
    expect(ds.ContentCreatorName).toEqual([{ Alphabetic: 'Doe^Jane' }]);
    expect(ds.ContentLabel).toBe('TUMOUR REVIEW');
    expect(ds.ContentQualification).toBe('RESEARCH');
    const ref = (ds.ReferencedSeriesSequence as DicomDataset[])[0];
    expect(ref.SeriesInstanceUID).toBe(series.SeriesInstanceUID);
    expect((ref.ReferencedInstanceSequence as DicomDataset[]).length).toBe(series.instances.length);
    const g: Geometry = series.geometry;
    for (const item of ds.PerFrameFunctionalGroupsSequence as DicomDataset[]) {
      const pos = (
        (item.PlanePositionSequence as DicomDataset[])[0].ImagePositionPatient as number[]
      ).map(Number);
      const src = (
        (item.DerivationImageSequence as DicomDataset[])[0].SourceImageSequence as DicomDataset[]
      )[0];
      const k = series.instances.findIndex(
        (i) => i.SOPInstanceUID === src.ReferencedSOPInstanceUID,
      );
      expect(k).toBeGreaterThanOrEqual(0);
      const expected = voxelToLps(g, [0, 0, k]);
      expect(
        Math.hypot(pos[0] - expected[0], pos[1] - expected[1], pos[2] - expected[2]),
      ).toBeLessThan(1e-4);
    }
  });

  it('writes coded segments with the app colours and AUTOMATIC, or SEMIAUTOMATIC when edited', () => {
    const auto = parseDicom(buildSeg(params()).bytes).dataset;
    const segs = auto.SegmentSequence as DicomDataset[];
    expect(segs.map((s) => s.SegmentAlgorithmType)).toEqual([
      'AUTOMATIC',
      'AUTOMATIC',
      'AUTOMATIC',
    ]);
    expect(segs[0].SegmentAlgorithmName).toBe('MetaKD metakd-brats 1.2.0');
    expect(
      segs.map((s) => (s.SegmentedPropertyTypeCodeSequence as DicomDataset[])[0].CodeValue),
    ).toEqual(['6574001', '79654002', 'C113842']);
    expect(segs.map((s) => (s.RecommendedDisplayCIELabValue as number[]).map(Number))).toEqual(
      LABELS.map((l) => rgbToDicomLab(l.rgb)),
    );
    const edited = parseDicom(
      buildSeg(params({ provenance: { ...provenance, editedByHuman: true } })).bytes,
    ).dataset;
    expect((edited.SegmentSequence as DicomDataset[])[0].SegmentAlgorithmType).toBe(
      'SEMIAUTOMATIC',
    );
  });

  it('omits empty frames and empty segments, and refuses a mask with no tumour', () => {
    const labels = syntheticLabels();
    const data = Uint8Array.from(labels.data, (v) => (v === 1 ? 4 : v));
    const seg = buildSeg(params({ labels: { geometry: labels.geometry, data } }));
    expect(seg.segments.map((s) => s.label.key)).toEqual(['ED', 'ET']);
    expect(seg.emptyLabels.map((l) => l.key)).toEqual(['NCR']);
    const slicesWithEd = new Set<number>();
    const [nx, ny] = labels.geometry.dims;
    data.forEach((v, i) => v === 2 && slicesWithEd.add(Math.floor(i / (nx * ny))));
    const slicesWithEt = new Set<number>();
    data.forEach((v, i) => v === 4 && slicesWithEt.add(Math.floor(i / (nx * ny))));
    expect(seg.numberOfFrames).toBe(slicesWithEd.size + slicesWithEt.size);
    const empty = { geometry: labels.geometry, data: new Uint8Array(labels.data.length) };
    expect(() => buildSeg(params({ labels: empty }))).toThrow(/no tumour voxels/);
  });

  it('maps a labelmap from a coarser model grid onto the source grid', () => {
    const g = series.geometry;
    const model: Geometry = {
      ...g,
      dims: [10, 8, 6],
      spacing: [g.spacing[0] * 2, g.spacing[1] * 2, g.spacing[2] * 2],
    };
    const data = new Uint8Array(10 * 8 * 6).fill(2);
    const seg = buildSeg(params({ labels: { geometry: model, data } }));
    const file = path.join(dir, 'coarse.dcm');
    writeFileSync(file, seg.bytes);
    const back = readSeg(file, { reference: series });
    // Source voxel i sits at coarse index i/2; nearest neighbour rounds half up, so the last
    // source column, row and slice fall just outside the coarse grid.
    const [nx, ny, nz] = g.dims;
    let expected = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++)
          if (Math.round(i / 2) < 10 && Math.round(j / 2) < 8 && Math.round(k / 2) < 6) expected++;
    const count = Array.from(back.labelmap.data).filter((v) => v === 2).length;
    expect(count).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  });
});

describe('toSegSource', () => {
  it('says plainly that a NIfTI-only series needs NIfTI export', () => {
    try {
      toSegSource({ source: 'nifti', id: 'BraTS_t1ce', volume: { geometry: series.geometry } });
      expect.unreachable();
    } catch (e) {
      expect(isMetaKdError(e, 'EXPORT_INVALID')).toBe(true);
      expect(String((e as Error).message)).toMatch(/DICOM SEG needs DICOM source images.*NIfTI/);
    }
  });
});

describe('rgbToDicomLab', () => {
  it('maps white and black to the ends of the scaled CIELab range', () => {
    expect(rgbToDicomLab([255, 255, 255])).toEqual([65535, 32896, 32896]);
    expect(rgbToDicomLab([0, 0, 0])).toEqual([0, 32896, 32896]);
  });
});
