/**
 * The vendor vocabulary, pinned through whole-series classification of realistic descriptions
 * (Siemens, GE, Philips, BIDS). One row per word family so a table edit that breaks one shows up.
 */
import { describe, expect, it } from 'vitest';
import { classifySeries } from '../../../src-main/core/sequences/classifySeries.ts';
import { makeSeries } from './makeSeries.ts';

const EXPECTED: ReadonlyArray<readonly [string, string]> = [
  ['AX FLAIR', 'flair'],
  ['tirm_tra_dark-fluid', 'flair'],
  ['T2-FLAIR AX', 'flair'],
  ['Sag CUBE FLAIR', 'flair'],
  ['t2_spc_da-fl_sag_p2_iso DARK-FLUID', 'flair'],
  ['Sag T1W 3D', 't1'],
  ['t1_mprage_sag_p2_iso', 't1'],
  ['Ax FSPGR 3D', 't1'],
  ['SAG BRAVO', 't1'],
  ['T1W_3D_TFE', 't1'],
  ['t1_vibe_tra', 't1'],
  ['AX T1 FLAIR', 't1'],
  ['AX T1 +C', 't1ce'],
  ['T1 POST', 't1ce'],
  ['Ax T1 GAD', 't1ce'],
  ['T1 GD', 't1ce'],
  ['T1W CE', 't1ce'],
  ['T1C', 't1ce'],
  ['T1GD', 't1ce'],
  ['T1 CONTRAST', 't1ce'],
  ['MPRAGE POST', 't1ce'],
  ['AX T1 C-', 't1'],
  ['T1 W/O', 't1'],
  ['T2W_TSE', 't2'],
  ['AX T2 FSE', 't2'],
  ['AX T2 PROPELLER', 't2'],
  ['t2_tse_tra_blade', 't2'],
  ['ep2d_diff_mddw', 'other'],
  ['AX DWI', 'other'],
  ['ADC', 'other'],
  ['TRACE', 'other'],
  ['SWI', 'other'],
  ['AX SWAN', 'other'],
  ['AX T2* GRE', 'other'],
  ['PD AX', 'other'],
  ['LOCALIZER', 'other'],
  ['SCOUT', 'other'],
  ['3-PLANE LOC', 'other'],
  ['PERFUSION', 'other'],
  ['ep2d_perf DSC', 'other'],
  ['DCE', 'other'],
  ['pcasl ASL', 'other'],
  ['TOF 3D multi-slab', 'other'],
  ['MRA COW', 'other'],
  ['MIP', 'other'],
];

describe('vendor vocabulary', () => {
  it.each(EXPECTED)('"%s" → %s', (description, label) => {
    expect(classifySeries(makeSeries({ SeriesDescription: description })).label).toBe(label);
  });

  it('MPR / REFORMAT keep the label and mark it derived', () => {
    expect(classifySeries(makeSeries({ SeriesDescription: 'T2 AX MPR' }))).toMatchObject({
      label: 't2',
      derived: true,
    });
    expect(classifySeries(makeSeries({ SeriesDescription: 'FLAIR REFORMAT COR' }))).toMatchObject({
      label: 'flair',
      derived: true,
    });
  });
});
