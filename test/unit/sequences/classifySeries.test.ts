/** Whole-series classification, including the real traps from other_real_strings.tsv. */
import { describe, expect, it } from 'vitest';
import { classifySeries } from '../../../src-main/core/sequences/classifySeries.ts';
import { makeNifti, makeSeries } from './makeSeries.ts';

describe('classifySeries', () => {
  it('"AX T1 POST GD FLAIR" is a T1ce, not a FLAIR', () => {
    const c = classifySeries(makeSeries({ SeriesDescription: 'AX T1 POST GD FLAIR' }));
    expect(c.label).toBe('t1ce');
    expect(c.reasons.join('\n')).toMatch(/T1-weighted FLAIR/);
  });

  it('a T1-FLAIR by physics (TI 860 ms) is a T1 even without T1 in the name', () => {
    const c = classifySeries(
      makeSeries({
        SeriesDescription: 'AX FLAIR',
        RepetitionTime: 2200,
        EchoTime: 12,
        InversionTime: 860,
        ScanningSequence: 'SE\\IR',
      }),
    );
    // Name says FLAIR (3), the recorded TI says T1-IR (3.5): T1, with a low confidence and the
    // conflict in the reasons.
    expect(c.label).toBe('t1');
    expect(c.confidence).toBeLessThan(0.6);
    expect(c.reasons.join('\n')).toMatch(/against: name says "flair"/);
  });

  it('a GE FLAIR with ScanningSequence RM and no TI is a FLAIR', () => {
    const c = classifySeries(
      makeSeries({
        SeriesDescription: 'FLAIR',
        ScanningSequence: 'RM',
        SequenceVariant: 'NONE',
        RepetitionTime: 10002,
        EchoTime: 159.5,
        Manufacturer: 'GE MEDICAL SYSTEMS',
      }),
    );
    expect(c.label).toBe('flair');
  });

  it('"AX_T1_pre_gd" is a pre-contrast T1 although it contains GD', () => {
    expect(classifySeries(makeSeries({ SeriesDescription: 'AX_T1_pre_gd' })).label).toBe('t1');
  });

  it('post-contrast marks make a T1ce: +C, C+, POST, GAD, ContrastBolusAgent', () => {
    for (const d of ['T1+C AX', 'AX T1 C+', 'T1 POST', 'MPRAGE GAD', 'T1GD']) {
      expect(classifySeries(makeSeries({ SeriesDescription: d })).label, d).toBe('t1ce');
    }
    const agent = makeSeries({ SeriesDescription: 'T1 SE AX', ContrastBolusAgent: 'Dotarem' });
    expect(classifySeries(agent).label).toBe('t1ce');
  });

  it('physics alone decides when the name says nothing', () => {
    const flair = makeSeries({
      SeriesDescription: 'series 5',
      RepetitionTime: 9000,
      EchoTime: 90,
      InversionTime: 2500,
      ScanningSequence: 'SE\\IR',
    });
    const t2 = makeSeries({ SeriesDescription: 'series 6', RepetitionTime: 4000, EchoTime: 95 });
    const t1 = makeSeries({ SeriesDescription: 'series 7', RepetitionTime: 500, EchoTime: 10 });
    expect(classifySeries(flair).label).toBe('flair');
    expect(classifySeries(t2).label).toBe('t2');
    expect(classifySeries(t1).label).toBe('t1');
  });

  it('an MPR reformat keeps its label and is flagged derived; an ADC map is other', () => {
    const mpr = classifySeries(
      makeSeries({
        SeriesDescription: 'T1 MPRAGE SAG MPR',
        ImageType: ['DERIVED', 'SECONDARY', 'MPR'],
      }),
    );
    expect(mpr).toMatchObject({ label: 't1', derived: true });
    const adc = classifySeries(
      makeSeries({ SeriesDescription: 'dReg - DWI', ImageType: ['DERIVED', 'PRIMARY', 'ADC'] }),
    );
    expect(adc).toMatchObject({ label: 'other', derived: true });
  });

  it('PD, SWI, localizers and T2* are other', () => {
    for (const d of [
      'FSE PD AXIAL OBL',
      'SWI',
      'FAST LOCALIZER',
      'AX T2* GRE',
      'Survey__head_only',
    ]) {
      expect(classifySeries(makeSeries({ SeriesDescription: d })).label, d).toBe('other');
    }
  });

  it('nothing recognised gives other with low confidence and says so', () => {
    const c = classifySeries(makeSeries({ SeriesDescription: 'series 1' }));
    expect(c.label).toBe('other');
    expect(c.confidence).toBeLessThan(0.3);
    expect(c.reasons[0]).toMatch(/no sequence evidence/);
  });

  it('reads BraTS 2018/2023 and TCGA file names', () => {
    const cases: Array<[string, string]> = [
      ['Brats18_2013_2_1_flair.nii.gz', 'flair'],
      ['Brats18_2013_2_1_t1.nii.gz', 't1'],
      ['Brats18_2013_2_1_t1ce.nii.gz', 't1ce'],
      ['Brats18_2013_2_1_t2.nii.gz', 't2'],
      ['BraTS-GLI-00001-000-t2f.nii.gz', 'flair'],
      ['BraTS-GLI-00001-000-t1n.nii.gz', 't1'],
      ['BraTS-GLI-00001-000-t1c.nii.gz', 't1ce'],
      ['BraTS-GLI-00001-000-t2w.nii.gz', 't2'],
      ['sub-01_ce-gadolinium_T1w.nii.gz', 't1ce'],
      ['sub-01_FLAIR.nii.gz', 'flair'],
    ];
    for (const [name, label] of cases) {
      expect(classifySeries(makeNifti(name)).label, name).toBe(label);
    }
  });

  it('uses a dcm2niix JSON sidecar', () => {
    const s = makeNifti('5.nii.gz', {
      sidecar: {
        SeriesDescription: 'Ax T1 MPRAGE',
        ContrastBolusAgent: 'Gadavist',
        ImageType: ['ORIGINAL', 'PRIMARY'],
      },
    });
    expect(classifySeries(s).label).toBe('t1ce');
  });

  it('confidence is higher when name and physics agree', () => {
    const nameOnly = classifySeries(makeSeries({ SeriesDescription: 'AX FLAIR' }));
    const both = classifySeries(
      makeSeries({
        SeriesDescription: 'AX FLAIR',
        RepetitionTime: 9000,
        EchoTime: 120,
        InversionTime: 2500,
      }),
    );
    expect(both.confidence).toBeGreaterThan(nameOnly.confidence);
    expect(both.confidence).toBeLessThanOrEqual(1);
  });
});
