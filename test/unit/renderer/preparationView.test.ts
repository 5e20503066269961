/** The preparation stage in the reader's words: mode choices, import decision, stages, summary. */
import { describe, expect, it } from 'vitest';
import {
  PREP_MODE_CHOICES,
  decisionView,
  prepModeExplanation,
  preparationSummary,
  stageWords,
  type PreparationDto,
} from '../../../src-renderer/lib/preparationView.ts';

const I: PreparationDto['registrations'][number]['matrix'] = [
  1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
];
const reg = (
  name: string,
  slot: 'flair' | 't1' | 't1ce' | 't2',
  over: Partial<PreparationDto['registrations'][number]> = {},
): PreparationDto['registrations'][number] => ({
  name,
  slot,
  kind: 'rigid',
  transform: 'EulerTransform',
  parameters: [0, 0, 0, 0, 0, 0],
  centreLps: [0, 0, 0],
  matrix: I,
  rotationDeg: 3.14159,
  translationMm: 2.06,
  before: { nmi: 1.0412, correlation: 0.3 },
  after: { nmi: 1.1234, correlation: 0.7 },
  ms: 1200,
  used: true,
  ...over,
});

const prepared: PreparationDto = {
  decision: {
    mode: 'auto',
    needed: true,
    reasons: [
      { code: 'not-skull-stripped', message: 'FLAIR, T1ce not skull-stripped.' },
      { code: 'different-grids', message: 'The series are on different grids.' },
    ],
  },
  ran: true,
  referenceSlot: 't1ce',
  registrations: [
    reg('FLAIR → T1ce', 'flair'),
    reg('T1ce (brain) → BraTS template', 't1ce', { rotationDeg: 12, translationMm: 30 }),
    reg('T1ce (brain) → BraTS template', 't1ce', { kind: 'affine', used: false }),
  ],
  composed: {},
  brainMask: {
    method: 'mindgrab',
    volumeMl: 1234.4,
    provider: 'cpu',
    workingSpacingMm: 2,
    ms: 5300,
  },
  excluded: [{ slot: 't2', reason: 'NMI fell after registration (a localizer?).' }],
  timings: {
    decideMs: 10,
    registrationMs: 4100,
    brainExtractionMs: 5300,
    alignmentMs: 2000,
    resampleMs: 800,
    totalMs: 12210,
    cpuMs: 20000,
  },
  warnings: ['Brain mask 1234 mL is small for an adult.'],
};

describe('mode choices', () => {
  it('offers auto, off and force, each explained', () => {
    expect(PREP_MODE_CHOICES.map((c) => c.mode)).toEqual(['auto', 'off', 'force']);
    expect(prepModeExplanation('off')).toMatch(/as they are/);
    expect(prepModeExplanation('force')).toMatch(/Always/);
  });
});

describe('decisionView', () => {
  it('names every reason of a raw study in the headline', () => {
    const v = decisionView({
      needed: true,
      slots: ['flair', 't1ce'],
      reasons: [
        { code: 'not-skull-stripped', message: 'a' },
        { code: 'different-grids', message: 'b' },
        { code: 'not-brats-space', message: 'c' },
      ],
    });
    expect(v.headline).toBe(
      'Raw study: will be prepared — not skull-stripped; series on different grids; not in BraTS space',
    );
    expect(v.details).toEqual(['a', 'b', 'c']);
  });
  it('says BraTS-space input is used as is', () => {
    expect(decisionView({ needed: false, slots: ['t1ce'], reasons: [] }).headline).toBe(
      'BraTS-space input: used as is',
    );
  });
  it('says there is nothing to prepare without assigned series', () => {
    expect(decisionView({ needed: false, slots: [], reasons: [] }).headline).toMatch(/No series/);
  });
});

describe('stageWords', () => {
  it('names the series being registered to T1ce, in slot order', () => {
    const slots = ['flair', 't1', 't1ce', 't2'];
    expect(stageWords('register', 0, 3, slots)).toBe('registering FLAIR to T1ce (1/3)');
    expect(stageWords('register', 2, 3, slots)).toBe('registering T2 to T1ce (3/3)');
    expect(stageWords('register', 3, 3, slots)).toBe('co-registration done');
  });
  it('counts the series when the reference is not T1ce', () => {
    expect(stageWords('register', 0, 2, ['flair', 't1', 't2'])).toBe(
      'registering series 1/2 to the reference',
    );
  });
  it('words the other stages', () => {
    expect(stageWords('brain-extraction', 1, 3)).toBe('brain extraction');
    expect(stageWords('align', 0, 2)).toBe('alignment to the BraTS template');
    expect(stageWords('resample', 2, 4)).toBe('resampling into BraTS space 2/4');
    expect(stageWords('inference', 3, 12)).toBe('tiles 3/12');
    expect(stageWords('something', 1, 2)).toBe('something 1/2');
  });
});

describe('preparationSummary', () => {
  const v = preparationSummary(prepared);
  it('says what ran, in which mode, on which reference, and why', () => {
    expect(v.headline).toBe(
      'Prepared (auto) on T1ce: registered, skull-stripped and aligned to BraTS space',
    );
    expect(v.reasons).toEqual([
      'FLAIR, T1ce not skull-stripped.',
      'The series are on different grids.',
    ]);
  });
  it('lists each registration with rotation, shift and NMI before → after', () => {
    expect(v.registrations).toEqual([
      'FLAIR → T1ce, rigid: rotation 3.1°, shift 2.1 mm, NMI 1.041 → 1.123',
    ]);
    expect(v.alignment).toEqual([
      'T1ce (brain) → BraTS template, rigid: rotation 12.0°, shift 30.0 mm, NMI 1.041 → 1.123',
      'T1ce (brain) → BraTS template, affine: rotation 3.1°, shift 2.1 mm, NMI 1.041 → 1.123 (measured, not used)',
    ]);
  });
  it('names excluded series, the brain mask, the times and the warnings', () => {
    expect(v.excluded).toEqual(['T2 left out: NMI fell after registration (a localizer?).']);
    expect(v.brainMask).toBe('Brain mask 1234 mL, MindGrab on cpu at 2 mm, 5.3 s');
    expect(v.times).toEqual([
      'registration 4.1 s',
      'brain extraction 5.3 s',
      'alignment 2.0 s',
      'resampling 0.8 s',
      'total 12.2 s',
    ]);
    expect(v.warnings).toEqual(['Brain mask 1234 mL is small for an adult.']);
    expect(v.timesNote).toBeNull();
  });
  it('says so when the stage times overlap', () => {
    const t = { ...prepared.timings!, registrationMs: 9000, brainExtractionMs: 9000 };
    expect(preparationSummary({ ...prepared, timings: t }).timesNote).toMatch(/side by side/);
  });
  it('says a pass-through used the input as is', () => {
    const p: PreparationDto = {
      decision: { mode: 'auto', needed: false, reasons: [] },
      ran: false,
      registrations: [],
      composed: {},
      excluded: [],
      warnings: [],
    };
    const s = preparationSummary(p);
    expect(s.headline).toBe('Not prepared (auto): BraTS-space input used as is');
    expect(s.brainMask).toBeNull();
    expect(s.times).toEqual([]);
    expect(
      preparationSummary({ ...p, decision: { mode: 'off', needed: false, reasons: [] } }).headline,
    ).toMatch(/as they are/);
  });
});
