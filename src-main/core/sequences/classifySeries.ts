/**
 * Classifies one series on its own evidence: runs every rule, sums the votes per family and
 * splits the T1 family into T1 / T1ce by the contrast votes. Pure functions.
 *
 * The study-level rules (acquisition order) live in classifyStudy.ts; they start from the
 * SeriesDecision this file returns.
 */
import type { Classification, SeriesInfo } from '../study/types.ts';
import type { SequenceLabel } from '../enums/SequenceLabel.ts';
import { FAMILIES, VOTE_DISPLAY, type Evidence, type Family, type Vote } from './evidence.ts';
import { factsFromSeries, type SequenceFacts } from './facts.ts';
import { fileSuffixRule, nameWordsRule, sequenceNameRule } from './nameRules.ts';
import { contrastAgentRule, imageTypeRule, physicsRule } from './headerRules.ts';

/** A rule: facts in, weighted votes out. */
export type Rule = (facts: SequenceFacts) => Evidence[];

/** Every rule, in the order their reasons are read. */
export const RULES: readonly Rule[] = [
  nameWordsRule,
  fileSuffixRule,
  sequenceNameRule,
  physicsRule,
  contrastAgentRule,
  imageTypeRule,
];

/** Pseudo-count added to the runner-up when turning scores into a confidence. */
const CONFIDENCE_PRIOR = 1;
/** Contrast pseudo-count: one POST word (2.5) gives ≈ 0.83, a POST word plus an agent ≈ 0.9. */
const CONTRAST_PRIOR = 0.5;
/** How sure "T1, no contrast evidence either way" is that the T1 is pre-contrast. */
const UNKNOWN_CONTRAST_FACTOR = 0.85;
/** Confidence of "other" when nothing at all was recognised. */
const NO_EVIDENCE_CONFIDENCE = 0.2;

/** Everything the study-level rules need about one series' own decision. */
export interface SeriesDecision {
  readonly id: string;
  readonly classification: Classification;
  readonly family: Family | undefined;
  /** Summed post-contrast minus pre-contrast weight. */
  readonly contrast: number;
  /** Summed pre-contrast weight (explicit "pre"/"native" words, BraTS "_t1"…). */
  readonly pre: number;
  readonly derived: boolean;
  readonly evidence: readonly Evidence[];
}

function sumVotes(evidence: readonly Evidence[]): Record<Vote, number> {
  const s: Record<Vote, number> = {
    flair: 0,
    t1: 0,
    t2: 0,
    other: 0,
    post: 0,
    pre: 0,
    derived: 0,
  };
  for (const e of evidence) s[e.vote] += e.weight;
  return s;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Reasons: the verdict, then supporting evidence (strongest first), then what spoke against. */
function buildReasons(
  evidence: readonly Evidence[],
  supports: ReadonlySet<Vote>,
  verdict: string,
): string[] {
  const sorted = [...evidence].sort((a, b) => b.weight - a.weight);
  const pro = sorted.filter((e) => supports.has(e.vote)).map((e) => e.reason);
  const con = sorted
    .filter((e) => !supports.has(e.vote) && e.vote !== 'derived')
    .map((e) => `against: ${e.reason} (${VOTE_DISPLAY[e.vote]})`);
  const derived = sorted.filter((e) => e.vote === 'derived').map((e) => e.reason);
  return [...new Set([verdict, ...pro, ...derived, ...con])];
}

/** Picks the label from summed votes. */
export function decide(id: string, evidence: readonly Evidence[]): SeriesDecision {
  const s = sumVotes(evidence);
  const derived = s.derived > 0;
  const ranked = [...FAMILIES].sort((a, b) => s[b] - s[a]);
  const [best, second] = ranked;
  const contrast = s.post - s.pre;
  if (s[best] <= 0) {
    return {
      id,
      family: undefined,
      contrast,
      pre: s.pre,
      derived,
      evidence,
      classification: {
        label: 'other',
        confidence: NO_EVIDENCE_CONFIDENCE,
        reasons: ['other: no sequence evidence recognised in the name or header'],
        derived,
      },
    };
  }
  let confidence = s[best] / (s[best] + s[second] + CONFIDENCE_PRIOR);
  let label: SequenceLabel = best;
  const supports = new Set<Vote>([best]);
  let verdict = `${VOTE_DISPLAY[best]} (score ${round2(s[best])}; next ${VOTE_DISPLAY[second]} ${round2(s[second])})`;
  if (best === 't1') {
    if (contrast > 0) {
      label = 't1ce';
      supports.add('post');
      confidence *= contrast / (contrast + CONTRAST_PRIOR);
      verdict = `T1ce: ${verdict}, post-contrast evidence ${round2(s.post)} vs pre ${round2(s.pre)}`;
    } else if (contrast < 0) {
      supports.add('pre');
      // Pre-contrast evidence only adds to the default assumption that a T1 is native.
      const certainty = -contrast / (-contrast + CONTRAST_PRIOR);
      confidence *= UNKNOWN_CONTRAST_FACTOR + (1 - UNKNOWN_CONTRAST_FACTOR) * certainty;
      verdict = `T1 (pre-contrast): ${verdict}`;
    } else {
      confidence *= UNKNOWN_CONTRAST_FACTOR;
      verdict = `T1: ${verdict}; no contrast evidence, taken as pre-contrast`;
    }
  }
  return {
    id,
    family: best,
    contrast,
    pre: s.pre,
    derived,
    evidence,
    classification: {
      label,
      confidence: round2(confidence),
      reasons: buildReasons(evidence, supports, verdict),
      derived,
    },
  };
}

/** Runs every rule on one series and returns the full decision (for classifyStudy). */
export function decideSeries(info: SeriesInfo): SeriesDecision {
  const facts = factsFromSeries(info);
  const evidence = RULES.flatMap((rule) => rule(facts));
  return decide(info.id, evidence);
}

/**
 * Classifies one series on its own (no study context: a repeated T1 cannot be recognised as
 * post-contrast here — use classifyStudy for that).
 */
export function classifySeries(info: SeriesInfo): Classification {
  return decideSeries(info).classification;
}
