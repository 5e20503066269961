/** Each rule on its own: the votes it casts for small, hand-made inputs. */
import { describe, expect, it } from 'vitest';
import type { Evidence, Vote } from '../../../src-main/core/sequences/evidence.ts';
import { factsFromSeries } from '../../../src-main/core/sequences/facts.ts';
import {
  fileSuffixRule,
  nameWordsRule,
  sequenceNameRule,
} from '../../../src-main/core/sequences/nameRules.ts';
import {
  contrastAgentRule,
  imageTypeRule,
  physicsRule,
} from '../../../src-main/core/sequences/headerRules.ts';
import { makeNifti, makeSeries } from './makeSeries.ts';
import type { SeriesInfo } from '../../../src-main/core/study/types.ts';

/** Summed weight per vote. */
function tally(evidence: readonly Evidence[]): Partial<Record<Vote, number>> {
  const t: Partial<Record<Vote, number>> = {};
  for (const e of evidence) t[e.vote] = (t[e.vote] ?? 0) + e.weight;
  return t;
}

const facts = (f: Partial<SeriesInfo> & { SeriesDescription: string }) =>
  factsFromSeries(makeSeries(f));

describe('nameWordsRule', () => {
  it('votes FLAIR for FLAIR words and T1 for vendor T1 techniques', () => {
    expect(tally(nameWordsRule(facts({ SeriesDescription: 'AX FLAIR' })))).toEqual({ flair: 3 });
    expect(tally(nameWordsRule(facts({ SeriesDescription: 'SAG MPRAGE' })))).toEqual({ t1: 3 });
    expect(tally(nameWordsRule(facts({ SeriesDescription: 'dark-fluid tra' })))).toEqual({
      flair: 3,
    });
  });

  it('reads "T1 … FLAIR" as a T1 (T1-FLAIR) and "T2 … FLAIR" as a FLAIR', () => {
    const t1flair = tally(nameWordsRule(facts({ SeriesDescription: 'AX T1 FLAIR' })));
    expect(t1flair.flair).toBeUndefined();
    expect(t1flair.t1).toBeGreaterThan(3);
    const t2flair = tally(nameWordsRule(facts({ SeriesDescription: 'T2W_FLAIR_TRA' })));
    expect(t2flair.t2).toBeUndefined();
    expect(t2flair.flair).toBe(3);
  });

  it('negates a contrast word after "pre" ("AX_T1_pre_gd")', () => {
    const t = tally(nameWordsRule(facts({ SeriesDescription: 'AX_T1_pre_gd' })));
    expect(t.post).toBeUndefined();
    expect(t.pre).toBeGreaterThan(0);
  });

  it('counts a word once even when description and protocol repeat it', () => {
    const t = tally(nameWordsRule(facts({ SeriesDescription: 'T2 TSE', ProtocolName: 't2_tse' })));
    expect(t).toEqual({ t2: 4 });
  });

  it('votes other for DWI, SWI, PD, localizers, perfusion, TOF', () => {
    for (const d of ['DWI', 'SWI', 'PD FSE', '3-PLANE LOC', 'ep2d_perf DSC', 'TOF_3D', 'T2*']) {
      const t = tally(nameWordsRule(facts({ SeriesDescription: d })));
      expect(t.other, d).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('fileSuffixRule', () => {
  it('reads BraTS 2018 and 2023 suffixes on NIfTI files only', () => {
    const f = (name: string) => tally(fileSuffixRule(factsFromSeries(makeNifti(name))));
    expect(f('Brats18_2013_2_1_flair.nii.gz')).toEqual({ flair: 4 });
    expect(f('Brats18_2013_2_1_t1ce.nii.gz')).toEqual({ t1: 4, post: 2.5 });
    expect(f('BraTS-GLI-00001-000-t1n.nii.gz')).toEqual({ t1: 4, pre: 2.5 });
    expect(f('BraTS-GLI-00001-000-t2f.nii.gz')).toEqual({ flair: 4 });
    expect(f('BraTS-GLI-00001-000-t2w.nii.gz')).toEqual({ t2: 4 });
    expect(tally(fileSuffixRule(facts({ SeriesDescription: 'x_flair' })))).toEqual({});
  });

  it('yields when a phrase re-reads the last word (dcm2niix "AX_T1_POST_GD_FLAIR")', () => {
    expect(fileSuffixRule(factsFromSeries(makeNifti('AX_T1_POST_GD_FLAIR.nii.gz')))).toEqual([]);
  });
});

describe('sequenceNameRule', () => {
  it('reads Siemens sequence names from SequenceName or a file name', () => {
    expect(
      tally(sequenceNameRule(facts({ SeriesDescription: 'x', SequenceName: '*tir2d1_21' }))),
    ).toEqual({ flair: 2 });
    expect(tally(sequenceNameRule(facts({ SeriesDescription: 'T1_AX_SE_10_se2d1_t1' })))).toEqual({
      t1: 1,
    });
    expect(
      tally(sequenceNameRule(facts({ SeriesDescription: 'x', SequenceName: '*tfl3d1' }))),
    ).toEqual({ t1: 2 });
  });
});

describe('physicsRule', () => {
  it('long TI with long TR is FLAIR; ~900 ms TI is T1 (MPRAGE); short TI is STIR', () => {
    const p = (TR: number, TE: number, TI?: number, ScanningSequence = 'IR') =>
      tally(
        physicsRule(
          facts({
            SeriesDescription: '',
            RepetitionTime: TR,
            EchoTime: TE,
            InversionTime: TI,
            ScanningSequence,
          }),
        ),
      );
    expect(p(6000, 120, 2000)).toEqual({ flair: 3.5 });
    expect(p(2300, 3, 900, 'GR\\IR')).toEqual({ t1: 3.5 });
    expect(p(4000, 60, 150)).toEqual({ other: 1.5 });
  });

  it('long TR/TE is T2, short TR/TE spin echo is T1, long TR short TE is PD', () => {
    const p = (TR: number, TE: number, ScanningSequence = 'SE') =>
      tally(
        physicsRule(
          facts({ SeriesDescription: '', RepetitionTime: TR, EchoTime: TE, ScanningSequence }),
        ),
      );
    expect(p(5227, 100)).toEqual({ t2: 1.5 });
    expect(p(625, 15)).toEqual({ t1: 1.5 });
    expect(p(2300, 22)).toEqual({ other: 1.5 });
    expect(p(24, 34, 'GR')).toEqual({ other: 1.5 });
  });

  it('a GE FLAIR with ScanningSequence RM and no TI reads as T2 with a FLAIR hint', () => {
    const t = tally(
      physicsRule(
        facts({
          SeriesDescription: '',
          RepetitionTime: 10002,
          EchoTime: 159.5,
          ScanningSequence: 'RM',
        }),
      ),
    );
    expect(t.t2).toBeGreaterThan(0);
    expect(t.flair).toBeGreaterThan(0);
  });

  it('takes times from a BIDS sidecar in seconds', () => {
    const f = factsFromSeries(
      makeNifti('x.nii.gz', {
        sidecar: { RepetitionTime: 9, EchoTime: 0.081, InversionTime: 2.5 },
      }),
    );
    expect(f.RepetitionTime).toBe(9000);
    expect(tally(physicsRule(f))).toEqual({ flair: 3.5 });
  });
});

describe('contrastAgentRule', () => {
  it('a recorded agent is post-contrast, "NONE" is pre', () => {
    expect(
      tally(contrastAgentRule(facts({ SeriesDescription: '', ContrastBolusAgent: 'Gadovist' })))
        .post,
    ).toBeGreaterThan(3);
    expect(
      tally(contrastAgentRule(facts({ SeriesDescription: '', ContrastBolusAgent: 'NONE' }))),
    ).toEqual({ pre: 1.5 });
    expect(contrastAgentRule(facts({ SeriesDescription: '' }))).toEqual([]);
  });
});

describe('imageTypeRule', () => {
  it('flags DERIVED/MPR/PROJECTION as derived and ADC/TRACE as other', () => {
    const it_ = (ImageType: string[]) =>
      tally(imageTypeRule(facts({ SeriesDescription: '', ImageType })));
    expect(it_(['DERIVED', 'SECONDARY', 'MPR'])).toEqual({ derived: 1 });
    expect(it_(['DERIVED', 'PRIMARY', 'PROJECTION IMAGE'])).toEqual({ derived: 1 });
    expect(it_(['DERIVED', 'PRIMARY', 'DIFFUSION', 'ADC'])).toEqual({ other: 8, derived: 2 });
    expect(it_(['ORIGINAL', 'PRIMARY', 'P', 'ND'])).toEqual({ other: 3 });
    expect(it_(['ORIGINAL', 'PRIMARY', 'M', 'ND'])).toEqual({});
  });
});

describe('imageTypeRule on vendor quirks', () => {
  it('GE "ORIGINAL\\PRIMARY\\MPR" on acquired slices is not derived', () => {
    const f = facts({ SeriesDescription: '', ImageType: ['ORIGINAL', 'PRIMARY', 'MPR'] });
    expect(imageTypeRule(f)).toEqual([]);
  });
});

describe('nameWordsRule on masks', () => {
  it('a BraTS "_seg" file is a label map, not an image', () => {
    expect(tally(nameWordsRule(facts({ SeriesDescription: 'Brats18_2013_2_1_seg' })))).toEqual({
      other: 4,
    });
  });
});
