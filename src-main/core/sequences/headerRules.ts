/**
 * Header rules: votes from acquisition physics (ScanningSequence, SequenceVariant, TR, TE, TI),
 * contrast-agent attributes and ImageType. Pure functions.
 *
 * Thresholds are the textbook brain-protocol ranges at 1.5 T and 3 T (e.g. FLAIR TI ≈ 1800–2800 ms
 * with TR ≥ 6000 ms; MPRAGE / T1-FLAIR TI ≈ 700–1200 ms; T2 TR ≥ 2000 ms with TE ≥ 80 ms; T1 SE
 * TR ≤ 800 ms with TE ≤ 20 ms). They are deliberately wide and weigh less than a name, because
 * vendors record them inconsistently (a GE FLAIR may carry ScanningSequence "RM" and no TI).
 */
import { evidenceFrom, type Evidence } from './evidence.ts';
import type { SequenceFacts } from './facts.ts';

/** Physics thresholds (ms). */
export const PHYSICS = {
  /** TI at or above this with a long TR nulls fluid: FLAIR. */
  flairMinTi: 1400,
  flairMaxTi: 3500,
  /** FLAIR needs TR well above TI (recovery). */
  flairMinTr: 4000,
  /** TI in [t1MinTi, flairMinTi) is a T1-weighted IR (MPRAGE, T1-FLAIR). */
  t1MinTi: 500,
  /** TI below this is fat nulling (STIR). */
  stirMaxTi: 300,
  /** Long TR / long TE: T2 weighting. */
  t2MinTr: 1800,
  t2MinTe: 70,
  /** TR this long without a TI recorded also fits a FLAIR whose TI is missing. */
  veryLongTr: 8000,
  /** Short TR / short TE spin echo: T1 weighting. */
  t1MaxTr: 1000,
  t1MaxTe: 30,
  /** Long TR / short TE: proton density. */
  pdMinTr: 1500,
  pdMaxTe: 40,
  /** Gradient echo with TR below this is a spoiled GRE (T1) or T2* depending on TE. */
  greMaxTr: 100,
  greT1MaxTe: 10,
  greT2StarMinTe: 15,
} as const;

/**
 * Physics weights. TR/TE readings weigh less than a name's 3, so a name wins over them; a recorded
 * TI weighs more, because TI decides whether fluid is nulled (a "FLAIR" with TI 860 ms is a
 * T1-FLAIR whatever its name says).
 */
const PW = { inversion: 3.5, strong: 2.5, normal: 1.5, weak: 0.75 } as const;

function ms(v: number): string {
  return `${Math.round(v * 10) / 10} ms`;
}

/** Evidence from an inversion time, when one is recorded. */
function inversionEvidence(facts: SequenceFacts, ti: number): Evidence[] {
  const tr = facts.RepetitionTime;
  const where = `TI ${ms(ti)}${tr !== undefined ? `, TR ${ms(tr)}` : ''}`;
  if (ti >= PHYSICS.flairMinTi && ti <= PHYSICS.flairMaxTi) {
    if (tr === undefined || tr >= PHYSICS.flairMinTr) {
      return evidenceFrom('physics', { flair: PW.inversion }, `${where}: fluid-nulling IR (FLAIR)`);
    }
    return [];
  }
  if (ti >= PHYSICS.t1MinTi && ti < PHYSICS.flairMinTi) {
    return evidenceFrom(
      'physics',
      { t1: PW.inversion },
      `${where}: T1-weighted IR (MPRAGE/T1-FLAIR), too short to null fluid`,
    );
  }
  if (ti < PHYSICS.stirMaxTi) {
    return evidenceFrom('physics', { other: PW.normal }, `${where}: fat-nulling IR (STIR)`);
  }
  return [];
}

/** Evidence from TR/TE when no inversion time decides. */
function trTeEvidence(facts: SequenceFacts, tr: number, te: number): Evidence[] {
  const where = `TR ${ms(tr)}, TE ${ms(te)}`;
  const isGre = facts.ScanningSequence.includes('GR');
  const isEpi = facts.ScanningSequence.includes('EP');
  if (isGre && tr < PHYSICS.greMaxTr) {
    if (te >= PHYSICS.greT2StarMinTe) {
      return evidenceFrom('physics', { other: PW.normal }, `${where} gradient echo: T2*/SWI`);
    }
    if (te <= PHYSICS.greT1MaxTe) {
      return evidenceFrom('physics', { t1: PW.weak }, `${where} gradient echo: T1-weighted`);
    }
    return [];
  }
  if (tr >= PHYSICS.t2MinTr && te >= PHYSICS.t2MinTe) {
    const out = evidenceFrom('physics', { t2: PW.normal }, `${where}: long TR and TE (T2)`);
    if (tr >= PHYSICS.veryLongTr) {
      out.push(
        ...evidenceFrom('physics', { flair: PW.weak }, `${where}: TR also fits a FLAIR (no TI)`),
      );
    }
    return out;
  }
  if (tr <= PHYSICS.t1MaxTr && te <= PHYSICS.t1MaxTe) {
    return evidenceFrom('physics', { t1: PW.normal }, `${where}: short TR and TE (T1)`);
  }
  if (tr >= PHYSICS.pdMinTr && te <= PHYSICS.pdMaxTe && !isGre && !isEpi) {
    return evidenceFrom('physics', { other: PW.normal }, `${where}: long TR, short TE (PD)`);
  }
  return [];
}

/**
 * Rule "physics": TI first (it decides FLAIR vs T1-IR vs STIR), then TR/TE, then the scanning
 * technique (EPI → diffusion/BOLD/perfusion; magnetisation-prepared GRE → MPRAGE-like T1).
 */
export function physicsRule(facts: SequenceFacts): Evidence[] {
  const out: Evidence[] = [];
  const { RepetitionTime: tr, EchoTime: te, InversionTime: ti } = facts;
  const fromTi = ti !== undefined ? inversionEvidence(facts, ti) : [];
  out.push(...fromTi);
  if (fromTi.length === 0 && tr !== undefined && te !== undefined) {
    out.push(...trTeEvidence(facts, tr, te));
  }
  if (facts.ScanningSequence.includes('EP')) {
    out.push(...evidenceFrom('physics', { other: PW.normal }, 'ScanningSequence EP (echo planar)'));
  }
  if (
    facts.ScanningSequence.includes('GR') &&
    facts.SequenceVariant.includes('MP') &&
    ti === undefined
  ) {
    out.push(
      ...evidenceFrom('physics', { t1: PW.weak }, 'magnetisation-prepared gradient echo (MP)'),
    );
  }
  return out;
}

/** ContrastBolusAgent values that mean "none". */
const NO_AGENT = /^(none|no|n\/?a|nil|0|-+|without)$/i;

/** Rule "contrast agent": a ContrastBolusAgent (or sidecar ingredient) means contrast was given. */
export function contrastAgentRule(facts: SequenceFacts): Evidence[] {
  const agent = facts.ContrastBolusAgent?.trim();
  if (!agent) return [];
  if (NO_AGENT.test(agent)) {
    return evidenceFrom('contrastAgent', { pre: PW.normal }, `ContrastBolusAgent "${agent}"`);
  }
  return evidenceFrom(
    'contrastAgent',
    { post: PW.strong + 1 },
    `ContrastBolusAgent "${agent}" recorded: contrast was given`,
  );
}

/** ImageType values that mark a reformat / secondary capture (label kept, flagged derived). */
const DERIVED_IMAGE_TYPES = new Set([
  'DERIVED',
  'SECONDARY',
  'MPR',
  'PROJECTION IMAGE',
  'PROJECTION',
  'REFORMATTED',
  'CSA MPR',
  'CSAPARALLEL',
  'VOLUME',
]);

/** ImageType values that name a map or another kind of series (label other). */
const OTHER_IMAGE_TYPES: Readonly<Record<string, { meaning: string; derived: boolean }>> = {
  ADC: { meaning: 'ADC map', derived: true },
  EADC: { meaning: 'exponential ADC map', derived: true },
  TRACE: { meaning: 'diffusion trace', derived: true },
  TRACEW: { meaning: 'diffusion trace', derived: true },
  FA: { meaning: 'FA map', derived: true },
  DIFFUSION: { meaning: 'diffusion', derived: false },
  MIP: { meaning: 'maximum-intensity projection', derived: true },
  MNIP: { meaning: 'minimum-intensity projection', derived: true },
  MIN_IP: { meaning: 'minimum-intensity projection', derived: true },
  PERFUSION: { meaning: 'perfusion', derived: false },
  CBF: { meaning: 'perfusion map', derived: true },
  CBV: { meaning: 'perfusion map', derived: true },
  MOSAIC: { meaning: 'EPI mosaic', derived: false },
  LOCALIZER: { meaning: 'localizer', derived: false },
  SWI: { meaning: 'susceptibility-weighted', derived: false },
  SUBTRACTION: { meaning: 'subtraction', derived: true },
};

/** ImageType's third value: "P" (phase) and "R"/"I" (real/imaginary) are not anatomy. */
const NON_MAGNITUDE = new Set(['P', 'PHASE', 'R', 'I', 'REAL', 'IMAGINARY']);

/**
 * Rule "image type": ImageType DERIVED/SECONDARY/MPR/PROJECTION → derived; ADC/TRACE/MIP… → other.
 * An "ORIGINAL\\PRIMARY" series stays native even when a later value says MPR: GE writes
 * "ORIGINAL\\PRIMARY\\MPR" on acquired slices (dicom/ge-signa-brain-pd).
 */
export function imageTypeRule(facts: SequenceFacts): Evidence[] {
  const out: Evidence[] = [];
  const values = facts.ImageType;
  const original = values[0] === 'ORIGINAL' && values[1] !== 'SECONDARY';
  const derived = values.filter((v) => DERIVED_IMAGE_TYPES.has(v));
  if (derived.length > 0 && !original) {
    out.push(
      ...evidenceFrom('imageType', { derived: 1 }, `ImageType ${derived.join('\\')}: derived`),
    );
  }
  for (const v of values) {
    const kind = OTHER_IMAGE_TYPES[v];
    if (kind) {
      const votes = kind.derived ? { other: 4, derived: 1 } : { other: 4 };
      out.push(...evidenceFrom('imageType', votes, `ImageType ${v}: ${kind.meaning} (other)`));
    }
  }
  if (values.length >= 3 && NON_MAGNITUDE.has(values[2])) {
    out.push(...evidenceFrom('imageType', { other: 3 }, `ImageType ${values[2]}: not magnitude`));
  }
  return out;
}
