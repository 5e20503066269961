/**
 * Maps the raw-study preparation (issue 10) to plain words for the reader: the mode choices, the
 * import-time decision, the run's stage in words, and what the preparation did (registrations,
 * brain mask, template alignment, times, warnings). Pure: unit-tested without a DOM.
 */
import type { ResultOf, apiMethods } from '../../src-main/api/contract.ts';

type SegmentationResult = NonNullable<ResultOf<(typeof apiMethods)['getSegmentation']>['result']>;
/** The preparation record of a finished segmentation, as the api sends it. */
export type PreparationDto = NonNullable<SegmentationResult['preparation']>;
/** What `auto` would do with an imported study. */
export type PreparationDecisionDto = ResultOf<(typeof apiMethods)['getPreparationDecision']>;

/** Preparation modes of startSegmentation. */
export type PrepModeView = 'auto' | 'off' | 'force';

/** The mode choices with a one-line explanation each (selector next to Run). */
export const PREP_MODE_CHOICES: readonly {
  readonly mode: PrepModeView;
  readonly label: string;
  readonly explain: string;
}[] = [
  {
    mode: 'auto',
    label: 'Auto',
    explain:
      'Prepare raw studies (register, skull-strip, align to BraTS space); use BraTS-space input as is.',
  },
  {
    mode: 'off',
    label: 'Off',
    explain:
      'Never prepare: the series go to the model as they are (only right for BraTS-preprocessed input).',
  },
  {
    mode: 'force',
    label: 'Force',
    explain: 'Always prepare, even input that already looks BraTS-preprocessed.',
  },
];

/** The one-line explanation of a mode. */
export function prepModeExplanation(mode: PrepModeView): string {
  return PREP_MODE_CHOICES.find((c) => c.mode === mode)?.explain ?? '';
}

const SLOT_NAME: Readonly<Record<string, string>> = {
  flair: 'FLAIR',
  t1: 'T1',
  t1ce: 'T1ce',
  t2: 'T2',
};
const slotName = (s: string): string => SLOT_NAME[s] ?? s;

/** Short words for each reason code (the headline); the full sentence goes below it. */
const REASON_WORDS: Readonly<Record<string, string>> = {
  'not-skull-stripped': 'not skull-stripped',
  'different-grids': 'series on different grids',
  'not-brats-space': 'not in BraTS space',
  forced: 'preparation forced',
};

/** The import-time decision in words: a headline and the reasons' sentences. */
export interface DecisionView {
  readonly needed: boolean;
  readonly headline: string;
  readonly details: readonly string[];
}

/** "Raw study: will be prepared — …" or "BraTS-space input: used as is". */
export function decisionView(
  d: Pick<PreparationDecisionDto, 'needed' | 'reasons' | 'slots'>,
): DecisionView {
  if (d.slots.length === 0) {
    return { needed: false, headline: 'No series assigned: nothing to prepare.', details: [] };
  }
  if (!d.needed) {
    return {
      needed: false,
      headline: 'BraTS-space input: used as is',
      details: ['The assigned series are skull-stripped and on the BraTS (SRI24, 1 mm) grid.'],
    };
  }
  const words = d.reasons.map((r) => REASON_WORDS[r.code] ?? r.code);
  return {
    needed: true,
    headline: `Raw study: will be prepared — ${words.join('; ')}`,
    details: d.reasons.map((r) => r.message),
  };
}

/**
 * A run's stage in words. `slots` (the assigned slots, from the import decision) lets the
 * registration stage name its series: core registers every other slot to T1ce when T1ce is present,
 * in slot order (flair, t1, t2); without T1ce the reference is chosen by resolution, so the series
 * is only counted.
 */
export function stageWords(
  stage: string,
  done: number,
  total: number,
  slots: readonly string[] = [],
): string {
  switch (stage) {
    case 'starting':
      return 'starting';
    case 'register': {
      if (total > 0 && done >= total) return 'co-registration done';
      const others = slots.includes('t1ce') ? slots.filter((s) => s !== 't1ce') : [];
      const moving = others.length === total ? others[done] : undefined;
      return moving
        ? `registering ${slotName(moving)} to T1ce (${done + 1}/${total})`
        : `registering series ${done + 1}/${total} to the reference`;
    }
    case 'brain-extraction':
      return 'brain extraction';
    case 'align':
      return 'alignment to the BraTS template';
    case 'resample':
      return `resampling into BraTS space ${done}/${total}`;
    case 'preprocess':
      return 'preprocessing';
    case 'inference':
      return `tiles ${done}/${total}`;
    default:
      return total > 0 ? `${stage} ${done}/${total}` : stage;
  }
}

const deg = (x: number): string => `${x.toFixed(1)}°`;
const mm = (x: number): string => `${x.toFixed(1)} mm`;
const nmi = (x: number): string => x.toFixed(3);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** What the preparation did, in plain words (the results panel). */
export interface PreparationSummaryView {
  /** "Prepared (auto): …" or "Not prepared (off): …". */
  readonly headline: string;
  readonly ran: boolean;
  /** Why (the decision's reasons). */
  readonly reasons: readonly string[];
  /** One line per registration. */
  readonly registrations: readonly string[];
  /** One line per series left out. */
  readonly excluded: readonly string[];
  readonly brainMask: string | null;
  /** One line per template-alignment step. */
  readonly alignment: readonly string[];
  /** "registration 4.1 s", … */
  readonly times: readonly string[];
  /** Said when stages overlapped (brain extraction runs beside co-registration), else null. */
  readonly timesNote: string | null;
  readonly warnings: readonly string[];
}

function registrationLine(r: PreparationDto['registrations'][number]): string {
  const unused = r.used ? '' : ' (measured, not used)';
  return (
    `${r.name}, ${r.kind}: rotation ${deg(r.rotationDeg)}, shift ${mm(r.translationMm)}, ` +
    `NMI ${nmi(r.before.nmi)} → ${nmi(r.after.nmi)}${unused}`
  );
}

/** Registrations to the template are named "… → BraTS template" by core. */
const isAlignment = (r: PreparationDto['registrations'][number]): boolean =>
  /template/i.test(r.name);

/** Maps the preparation record to the summary's lines. */
export function preparationSummary(p: PreparationDto): PreparationSummaryView {
  const mode = p.decision.mode;
  const reasons = p.decision.reasons.map((r) => r.message);
  const headline = p.ran
    ? `Prepared (${mode})${p.referenceSlot ? ` on ${slotName(p.referenceSlot)}` : ''}: registered, skull-stripped and aligned to BraTS space`
    : mode === 'off'
      ? 'Not prepared (off): the series went to the model as they are'
      : `Not prepared (${mode}): BraTS-space input used as is`;
  const b = p.brainMask;
  const brainMask = b
    ? `Brain mask ${b.volumeMl.toFixed(0)} mL, ${
        b.method === 'mindgrab'
          ? `MindGrab${b.provider ? ` on ${b.provider}` : ''}${
              b.workingSpacingMm ? ` at ${b.workingSpacingMm} mm` : ''
            }`
          : 'input already skull-stripped (non-zero voxels)'
      }, ${secs(b.ms)}`
    : null;
  const t = p.timings;
  const times = t
    ? [
        `registration ${secs(t.registrationMs)}`,
        `brain extraction ${secs(t.brainExtractionMs)}`,
        `alignment ${secs(t.alignmentMs)}`,
        `resampling ${secs(t.resampleMs)}`,
        `total ${secs(t.totalMs)}`,
      ]
    : [];
  // Core runs the brain network in its worker while elastix registers: the stage times then add
  // up to more than the total, which reads as an error unless it is said.
  const overlapped =
    !!t && t.registrationMs + t.brainExtractionMs + t.alignmentMs + t.resampleMs > t.totalMs * 1.01;
  return {
    headline,
    ran: p.ran,
    timesNote: overlapped
      ? 'Brain extraction ran side by side with co-registration, so the stage times add up to more than the total.'
      : null,
    reasons,
    registrations: p.registrations.filter((r) => !isAlignment(r)).map(registrationLine),
    excluded: p.excluded.map((e) => `${slotName(e.slot)} left out: ${e.reason}`),
    brainMask,
    alignment: p.registrations.filter(isAlignment).map(registrationLine),
    times,
    warnings: p.warnings,
  };
}

/** What a finished job / stored session offers for checking its preparation. */
export type PreparationCheckView = ResultOf<(typeof apiMethods)['getPreparationCheck']>;
/** A check volume (brain mask or co-registered series) on the reference's native grid. */
export type PreparationVolumeView = ResultOf<(typeof apiMethods)['getPreparationVolume']>;

/** The two checks are offered only when the preparation ran (and its volumes were kept). */
export function checksOffered(c: PreparationCheckView | null): {
  brainMask: boolean;
  registration: boolean;
} {
  const ran = !!c?.preparation?.ran;
  return {
    brainMask: ran && !!c?.brainMask,
    registration: ran && (c?.checkSlots.length ?? 0) > 0,
  };
}

/**
 * What the reader is looking at in the reference pane, in one sentence per active check (the
 * result panel says it next to the controls).
 */
export function checkWords(p: {
  readonly reference: string | undefined;
  readonly showBrainMask: boolean;
  readonly mode: 'off' | 'checkerboard' | 'flicker';
  readonly slot: string | null;
  readonly tileMm: number;
  readonly paused: boolean;
  readonly showingSeries: boolean;
}): string[] {
  const ref = p.reference ? slotName(p.reference) : 'the reference';
  const other = p.slot ? slotName(p.slot) : 'the series';
  const out: string[] = [];
  if (p.showBrainMask) {
    out.push(
      `Magenta line: the brain mask the model input was cut with, on the ${ref} pane (native grid). It should follow the inner skull on every slice.`,
    );
  }
  if (p.mode === 'checkerboard') {
    out.push(
      `Checkerboard in the ${ref} pane: ${p.tileMm} mm tiles alternate ${ref} (as acquired) and ${other} as the model saw it (through the recorded registration, trilinear). Edges should run on across tile borders.`,
    );
  } else if (p.mode === 'flicker') {
    const now = p.showingSeries ? `${other} (registered)` : `${ref} (as acquired)`;
    out.push(
      `Flicker in the ${ref} pane: ${ref} and ${other} as the model saw it alternate about once a second${p.paused ? ' — paused' : ''}; showing ${now}. Anatomy should not jump.`,
    );
  }
  return out;
}
