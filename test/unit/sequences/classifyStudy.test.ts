/** Study-level rules: acquisition order tells a post-contrast T1 from a pre-contrast one. */
import { describe, expect, it } from 'vitest';
import {
  classifyStudy,
  compareAcquisition,
  parseDicomTime,
} from '../../../src-main/core/sequences/classifyStudy.ts';
import { makeSeries } from './makeSeries.ts';

const philipsT1 = {
  SeriesDescription: 'T1W_SE-TRA_FS',
  ProtocolName: 'T1W_SE-TRA_FS CLEAR',
  ScanningSequence: 'SE',
  SequenceVariant: 'SS',
  RepetitionTime: 625.741,
  EchoTime: 15,
};

describe('classifyStudy', () => {
  it('the later of two identical T1 series is the T1ce (Philips 901 / 1201)', () => {
    const pre = makeSeries({ ...philipsT1, SeriesNumber: 901, SeriesTime: '144200' });
    const post = makeSeries({ ...philipsT1, SeriesNumber: 1201, SeriesTime: '145400' });
    // Input order must not matter.
    const labels = classifyStudy([post, pre]);
    expect(labels.get(pre.id)?.label).toBe('t1');
    expect(labels.get(post.id)?.label).toBe('t1ce');
    expect(labels.get(post.id)?.reasons.join('\n')).toMatch(/repeat of #901/);
  });

  it('a T1 acquired after a post-contrast series is a T1ce; one acquired before stays T1', () => {
    const before = makeSeries({ SeriesDescription: 'AX T1 SE', SeriesNumber: 3 });
    const flairPost = makeSeries({ SeriesDescription: 'AX FLAIR POST GAD', SeriesNumber: 5 });
    const after = makeSeries({ SeriesDescription: 'SAG MPRAGE', SeriesNumber: 7 });
    const labels = classifyStudy([before, flairPost, after]);
    expect(labels.get(flairPost.id)?.label).toBe('flair');
    expect(labels.get(before.id)?.label).toBe('t1');
    expect(labels.get(after.id)?.label).toBe('t1ce');
    expect(labels.get(after.id)?.reasons.join('\n')).toMatch(/acquired after #5/);
  });

  it('a T1 after a DSC perfusion (bolus) is post-contrast', () => {
    const dsc = makeSeries({ SeriesDescription: 'ep2d_perf DSC', SeriesNumber: 8 });
    const t1 = makeSeries({ SeriesDescription: 't1_mprage_tra', SeriesNumber: 9 });
    expect(classifyStudy([dsc, t1]).get(t1.id)?.label).toBe('t1ce');
  });

  it('explicit pre-contrast words beat the order rule', () => {
    const post = makeSeries({ SeriesDescription: 'T1 +C', SeriesNumber: 4 });
    const pre = makeSeries({ SeriesDescription: 'T1 PRE', SeriesNumber: 6 });
    expect(classifyStudy([post, pre]).get(pre.id)?.label).toBe('t1');
  });

  it('without any order information two identical T1 stay T1', () => {
    const a = makeSeries({ SeriesDescription: 'T1_AX' });
    const b = makeSeries({ SeriesDescription: 'T1_AX' });
    const labels = classifyStudy([a, b]);
    expect(labels.get(a.id)?.label).toBe('t1');
    expect(labels.get(b.id)?.label).toBe('t1');
  });

  it('a derived reformat is not relabelled by the order rule', () => {
    const pre = makeSeries({ ...philipsT1, SeriesNumber: 901 });
    const reformat = makeSeries({
      ...philipsT1,
      SeriesNumber: 902,
      ImageType: ['DERIVED', 'SECONDARY', 'MPR'],
    });
    const labels = classifyStudy([pre, reformat]);
    expect(labels.get(reformat.id)).toMatchObject({ label: 't1', derived: true });
  });

  it('accepts a Study as well as a series list', () => {
    const s = makeSeries({ SeriesDescription: 'AX FLAIR' });
    const study = { id: 'st', sourcePath: '/x', series: [{ ...s, volume: undefined as never }] };
    expect(classifyStudy(study).get(s.id)?.label).toBe('flair');
  });
});

describe('acquisition order helpers', () => {
  it('parses DICOM TM in both spellings', () => {
    expect(parseDicomTime('144200')).toBe(14 * 3600 + 42 * 60);
    expect(parseDicomTime('14:42:00')).toBe(14 * 3600 + 42 * 60);
    expect(parseDicomTime('144200.500000')).toBeCloseTo(14 * 3600 + 42 * 60 + 0.5);
    expect(parseDicomTime('garbage')).toBeUndefined();
  });

  it('orders by time, falls back to SeriesNumber, and says when it cannot', () => {
    expect(
      compareAcquisition({ time: 10, seriesNumber: 9 }, { time: 20, seriesNumber: 1 }),
    ).toBeLessThan(0);
    expect(compareAcquisition({ seriesNumber: 2 }, { time: 5, seriesNumber: 1 })).toBeGreaterThan(
      0,
    );
    expect(compareAcquisition({ time: 1 }, { seriesNumber: 1 })).toBeUndefined();
  });
});
