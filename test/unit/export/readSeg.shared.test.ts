/**
 * Importing real SEG objects made by other tools (../shared/data/seg): dcmqi (binary, 5 overlapping
 * segments, the Label Map SEG SOP class, frames that do not start on a byte boundary) and highdicom
 * (binary, overlapping, fractional), onto their source series; dcmqi's NRRD label maps are the
 * reference voxel for voxel.
 */
import { it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { dataPath, describeData } from '../../helpers/data.ts';
import { readSeg } from '../../../src-main/core/export/seg/readSeg.ts';
import { readSourceSeries } from '../../../src-main/core/export/seg/sourceSeries.ts';
import { resampleLabels } from '../../../src-main/core/export/resampleLabels.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import { readNrrd } from './nrrd.ts';

const seg = (...p: string[]): string => dataPath('seg', ...p);
const folder = (...p: string[]): string[] =>
  readdirSync(seg(...p)).map((f) => path.join(seg(...p), f));
const CT2 = ['highdicom', 'source_ct_from_debian_pydicom', 'CT2'];

describeData('readSeg on real SEG objects', () => {
  for (const size of ['23x38x3', '24x38x3']) {
    it(`dcmqi ${size} (bit-packed frames${size === '23x38x3' ? ' across byte boundaries' : ''}) matches its NRRD`, () => {
      const ref = readSourceSeries(folder('dcmqi', 'segmentations', size, 'image'));
      const r = readSeg(seg('dcmqi', 'segmentations', size, 'seg', 'label.seg'), {
        reference: ref,
      });
      expect(r.SegmentationType).toBe('BINARY');
      expect(r.ReferencedSeriesInstanceUID).toBeDefined();
      const nrrd = resampleLabels(
        readNrrd(seg('dcmqi', 'segmentations', size, 'nrrd', 'label.nrrd')),
        ref.geometry,
      );
      let diff = 0;
      let fg = 0;
      for (let i = 0; i < nrrd.data.length; i++) {
        if ((nrrd.data[i] !== 0) !== (r.labelmap.data[i] !== 0)) diff++;
        if (nrrd.data[i] !== 0) fg++;
      }
      expect(fg).toBeGreaterThan(100);
      expect(diff).toBe(0);
    });
  }

  it('dcmqi five overlapping segments: every segment imported, overlap reported', () => {
    const r = readSeg(seg('dcmqi', 'segmentations', 'partial_overlaps.dcm'), {
      reference: readSourceSeries(folder('dcmqi', 'segmentations', 'ct-3slice')),
    });
    expect(r.segments.length).toBe(5);
    expect(r.segments.every((s) => s.voxels > 0)).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/overlap in \d+ voxels/);
    const values = new Set(r.labelmap.data);
    expect([...values].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('dcmqi Label Map SEG SOP class, with and without PixelPaddingValue, gives the same labelmap', () => {
    const ref = readSourceSeries(folder('dcmqi', 'segmentations', '24x38x3', 'image'));
    const a = readSeg(seg('dcmqi', 'segmentations', 'sparse-labelmap-noppv.dcm'), {
      reference: ref,
    });
    const b = readSeg(seg('dcmqi', 'segmentations', 'sparse-labelmap-ppv5.dcm'), {
      reference: ref,
    });
    expect(a.SegmentationType).toBe('LABELMAP');
    expect(a.segments.map((s) => s.SegmentLabel)).toEqual(['Liver']);
    expect(a.segments[0].voxels).toBeGreaterThan(0);
    expect(Buffer.from(b.labelmap.data.buffer).equals(Buffer.from(a.labelmap.data.buffer))).toBe(
      true,
    );
  });

  it('highdicom binary, overlapping and fractional SEGs import on the source CT', () => {
    const ref = readSourceSeries(folder(...CT2));
    const binary = readSeg(seg('highdicom', 'seg_image_ct_binary.dcm'), { reference: ref });
    const frac = readSeg(seg('highdicom', 'seg_image_ct_binary_fractional.dcm'), {
      reference: ref,
    });
    expect(binary.segments[0].voxels).toBeGreaterThan(0);
    // A fractional SEG holding binary values thresholds to the same mask as the binary one.
    expect(Buffer.from(frac.labelmap.data).equals(Buffer.from(binary.labelmap.data))).toBe(true);
    expect(frac.warnings.join(' ')).toMatch(/FRACTIONAL/);
    const overlap = readSeg(seg('highdicom', 'seg_image_ct_binary_overlap.dcm'), {
      reference: ref,
    });
    expect(overlap.segments.length).toBe(2);
    expect(overlap.warnings.join(' ')).toMatch(/overlap/);
  });

  it('a file that is not a SEG fails with SegUnsupported naming the SOP class', () => {
    try {
      readSeg(seg('highdicom', 'ct_image.dcm'));
      expect.unreachable();
    } catch (e) {
      expect(isMetaKdError(e, 'SEG_UNSUPPORTED')).toBe(true);
      expect((e as Error).message).toMatch(
        /SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.2 .*not supported/,
      );
    }
  });
});
