/**
 * Sequence detection on the real data (../shared/data): every BraTS 2018 and 2023 case gets all
 * four slots right, the raw TCGA-FG-6692 clinical scans get FLAIR/T1ce/T2/T1 right, the GE PD
 * series is other with all four missing, and the real strings with a clear label agree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { importPath } from '../../../src-main/core/study/importStudy.ts';
import { assignSlots, classifyStudy } from '../../../src-main/core/sequences/index.ts';
import type { ModelSlot } from '../../../src-main/core/enums/SequenceLabel.ts';
import type { SeriesInfo, Study } from '../../../src-main/core/study/types.ts';
import { dataPath, describeData, hasData } from '../../helpers/data.ts';

/** File name (without folder) of the series assigned to each slot. */
function assignedFiles(study: Study): Record<ModelSlot, string | null> {
  const { assignment } = assignSlots(study.series, classifyStudy(study));
  const name = (id: string | null) => {
    const s = study.series.find((x) => x.id === id);
    return s ? path.basename(s.files[0]) : null;
  };
  return {
    flair: name(assignment.flair),
    t1: name(assignment.t1),
    t1ce: name(assignment.t1ce),
    t2: name(assignment.t2),
  };
}

const brats18Cases = hasData ? readdirSync(dataPath('brats18')).sort() : [];

describeData('BraTS cases: all four slots right', () => {
  it.each(brats18Cases)('brats18 %s', async (caseId) => {
    const { studies } = await importPath(dataPath('brats18', caseId));
    expect(studies).toHaveLength(1);
    expect(assignedFiles(studies[0])).toEqual({
      flair: `${caseId}_flair.nii.gz`,
      t1: `${caseId}_t1.nii.gz`,
      t1ce: `${caseId}_t1ce.nii.gz`,
      t2: `${caseId}_t2.nii.gz`,
    });
  });

  it('has all 24 brats18 cases', () => {
    expect(brats18Cases).toHaveLength(24);
  });

  it('brats23 BraTS-GLI-00001-000', async () => {
    const id = 'BraTS-GLI-00001-000';
    const { studies } = await importPath(dataPath('brats23', id));
    expect(assignedFiles(studies[0])).toEqual({
      flair: `${id}-t2f.nii.gz`,
      t1: `${id}-t1n.nii.gz`,
      t1ce: `${id}-t1c.nii.gz`,
      t2: `${id}-t2w.nii.gz`,
    });
  });
});

describeData('raw clinical scans and DICOM', () => {
  it('raw/TCGA-FG-6692 gets FLAIR, T1ce, T2 and T1 right (and its co-registered reference)', async () => {
    const root = dataPath('raw', 'TCGA-FG-6692');
    const { studies } = await importPath(root);
    const raw = studies.find((s) => s.sourcePath === root);
    expect(raw).toBeDefined();
    const files = assignedFiles(raw as Study);
    expect(files.flair).toMatch(/^MRHR_FLAIR_AX_/);
    expect(files.t1ce).toMatch(/^MRHR_T1_AX_POST_GAD_/);
    expect(files.t2).toMatch(/^MRHR_T2_AX_/);
    expect(files.t1).toMatch(/^T1_AX_/);
    const reference = studies.find((s) => s.sourcePath === path.join(root, 'reference'));
    expect(assignedFiles(reference as Study)).toEqual({
      flair: 'OtherEXampleFromTCIA_fla_bet.nii.gz',
      t1: 'OtherEXampleFromTCIA_t1_bet.nii.gz',
      t1ce: 'OtherEXampleFromTCIA_t1c_bet.nii.gz',
      t2: 'OtherEXampleFromTCIA_t2_bet.nii.gz',
    });
  });

  it('the GE Signa PD series is other (PD) with all four sequences missing', async () => {
    const { studies } = await importPath(dataPath('dicom', 'ge-signa-brain-pd'));
    expect(studies).toHaveLength(1);
    const [study] = studies;
    expect(study.series).toHaveLength(1);
    const labels = classifyStudy(study);
    const c = labels.get(study.series[0].id);
    expect(c?.label).toBe('other');
    expect(c?.derived).toBe(false);
    expect(c?.reasons.join('\n')).toMatch(/proton density/);
    expect(assignSlots(study.series, labels).missing).toEqual(['flair', 't1', 't1ce', 't2']);
  });

  it('the implicit-VR GE FLAIR slice (ScanningSequence RM) is a FLAIR', async () => {
    const { studies } = await importPath(
      dataPath('dicom', 'transfer-syntaxes', 'implicit_little.dcm'),
    );
    const series = studies[0].series[0];
    expect(series.ScanningSequence).toBe('RM');
    expect(classifyStudy(studies[0]).get(series.id)?.label).toBe('flair');
  });
});

/** Rows of other_real_strings.tsv. */
interface RealRow {
  readonly info: SeriesInfo;
  readonly guess: string;
}

function readRealRows(): RealRow[] {
  const [head, ...lines] = readFileSync(
    dataPath('sequence-names', 'other_real_strings.tsv'),
    'utf8',
  )
    .trim()
    .split('\n');
  const cols = head.split('\t');
  return lines.map((line, i) => {
    const c = line.split('\t');
    // One real row has a cell too few: its label sits in the TI column (not a number).
    const get = (k: string) => c[cols.indexOf(k)]?.trim() || undefined;
    const num = (k: string) => {
      const n = Number(get(k));
      return get(k) !== undefined && Number.isFinite(n) ? n : undefined;
    };
    const seq = get('scanning_sequence');
    const seqName = seq && /^\(seq (\S+)\)$/.exec(seq);
    const info: SeriesInfo = {
      id: `row${i}`,
      source: 'dicom',
      files: [],
      warnings: [],
      SeriesDescription: get('series_description') ?? '',
      ProtocolName: get('protocol_name'),
      ScanningSequence: seqName ? undefined : seq,
      SequenceName: seqName ? seqName[1] : undefined,
      SequenceVariant: get('sequence_variant'),
      RepetitionTime: num('TR'),
      EchoTime: num('TE'),
      InversionTime: num('TI'),
    };
    return { info, guess: c[cols.indexOf('label_guess')] ?? c.at(-1) ?? '' };
  });
}

/** The label a guess states clearly, or undefined when it hedges ("?", "likely"). */
function clearLabel(guess: string): string | undefined {
  if (/\?|likely/i.test(guess)) return undefined;
  const m = /^(localizer|other|FLAIR|T1ce|T1|T2)\b/.exec(guess.trim());
  if (!m) return undefined;
  const map: Record<string, string> = {
    localizer: 'other',
    other: 'other',
    FLAIR: 'flair',
    T1ce: 't1ce',
    T1: 't1',
    T2: 't2',
  };
  return map[m[1]];
}

describeData('other_real_strings.tsv', () => {
  it('every row with a clear label gets that label on its own', () => {
    const rows = readRealRows().filter((r) => clearLabel(r.guess) !== undefined);
    expect(rows.length).toBeGreaterThanOrEqual(25);
    const wrong = rows
      .map((r) => ({ r, got: classifyStudy([r.info]).get(r.info.id)?.label }))
      .filter(({ r, got }) => got !== clearLabel(r.guess))
      .map(({ r, got }) => `${r.info.SeriesDescription}: got ${got}, expected ${r.guess}`);
    expect(wrong).toEqual([]);
  });

  it('in study context the Philips repeat (series 1201) is the T1ce and 901 the T1', () => {
    const rows = readRealRows().filter((r) => r.info.SeriesDescription === 'T1W_SE-TRA_FS');
    expect(rows).toHaveLength(2);
    const withNumbers = rows.map((r) => ({
      ...r.info,
      SeriesNumber: Number(/series (\d+)/.exec(r.guess)?.[1]),
    }));
    const labels = classifyStudy(withNumbers);
    expect(withNumbers.map((s) => [s.SeriesNumber, labels.get(s.id)?.label])).toEqual([
      [901, 't1'],
      [1201, 't1ce'],
    ]);
  });
});
