/**
 * Token tables for name-based sequence detection (data, not logic). Vendor vocabulary from
 * Siemens, GE and Philips protocol names, BraTS / MSD / BIDS file-name conventions and the real
 * strings in shared/data/sequence-names/other_real_strings.tsv. Tokens are the canonical lower-case
 * forms produced by tokenize.ts.
 */
import type { Votes } from './evidence.ts';

/** One single-token entry: the votes it casts and what it means (for the reason text). */
export interface TokenEntry {
  readonly votes: Votes;
  readonly meaning: string;
}

/** Name weights: a sequence word in a name is strong evidence; a technique word is weaker. */
const W = {
  /** A word that names the weighting outright: FLAIR, T1, T2, DWI, localizer… */
  strong: 3,
  /** A word that names an unambiguous "other" series kind (DWI, SWI, localizer…). */
  otherKind: 4,
  /** A technique that usually implies a weighting (MPRAGE, SPGR, PROPELLER…). */
  technique: 2,
  /** A technique that only hints (TSE/FSE is used for T2 and PD and T1). */
  hint: 1,
  /** A contrast word (POST, GAD, +C) or its negation (PRE, NATIVE). */
  contrast: 2.5,
  /** A reformat/projection word. */
  derived: 1,
} as const;

const flair = (meaning: string, weight: number = W.strong): TokenEntry => ({
  votes: { flair: weight },
  meaning,
});
const t1 = (meaning: string, weight: number = W.strong): TokenEntry => ({
  votes: { t1: weight },
  meaning,
});
const t2 = (meaning: string, weight: number = W.strong): TokenEntry => ({
  votes: { t2: weight },
  meaning,
});
const other = (meaning: string, weight: number = W.otherKind): TokenEntry => ({
  votes: { other: weight },
  meaning,
});
const post = (meaning: string): TokenEntry => ({ votes: { post: W.contrast }, meaning });
const pre = (meaning: string): TokenEntry => ({ votes: { pre: W.contrast }, meaning });
const derived = (meaning: string): TokenEntry => ({ votes: { derived: W.derived }, meaning });

/** Single tokens and their votes. */
export const TOKEN_TABLE: Readonly<Record<string, TokenEntry>> = {
  // FLAIR family
  flair: flair('FLAIR'),
  tirm: flair('TIRM (Siemens turbo inversion recovery, used for FLAIR)', W.technique),
  t2f: flair('T2-FLAIR (BraTS 2023 "t2f")'),
  fla: flair('FLAIR ("fla")', W.technique),
  // T1 family
  t1: t1('T1-weighted'),
  mprage: t1('MPRAGE (3-D IR-prepared T1 gradient echo)'),
  mp2rage: t1('MP2RAGE (T1 gradient echo)'),
  spgr: t1('SPGR (T1 spoiled gradient echo)', W.technique),
  fspgr: t1('FSPGR (T1 spoiled gradient echo)', W.technique),
  irspgr: t1('IR-SPGR (T1 gradient echo)', W.technique),
  bravo: t1('BRAVO (GE 3-D T1)', W.technique),
  tfe: t1('TFE (Philips T1 turbo field echo)', W.technique),
  tfl: t1('TFL (Siemens turboFLASH, MPRAGE)', W.technique),
  vibe: t1('VIBE (Siemens 3-D T1 gradient echo)', W.technique),
  lava: t1('LAVA (GE 3-D T1 gradient echo)', W.technique),
  ffe: t1('FFE (Philips gradient echo, usually T1)', W.hint),
  volumetric: t1('volumetric (3-D; in brain protocols usually the T1)', W.hint),
  stealth: t1('"Stealth" navigation volume (3-D T1 for StealthStation)', W.technique),
  fl3d: t1('FL3D (Siemens 3-D FLASH, a T1 gradient echo)', W.technique),
  t1n: { votes: { t1: W.strong, pre: W.contrast }, meaning: 'native T1 (BraTS 2023 "t1n")' },
  t1pre: { votes: { t1: W.strong, pre: W.contrast }, meaning: 'pre-contrast T1' },
  t1c: { votes: { t1: W.strong, post: W.contrast }, meaning: 'contrast-enhanced T1 ("t1c")' },
  t1ce: { votes: { t1: W.strong, post: W.contrast }, meaning: 'contrast-enhanced T1 ("t1ce")' },
  t1gd: { votes: { t1: W.strong, post: W.contrast }, meaning: 'gadolinium T1 ("t1gd")' },
  t1post: { votes: { t1: W.strong, post: W.contrast }, meaning: 'post-contrast T1' },
  // T2 family
  t2: t2('T2-weighted'),
  tse: t2('TSE (turbo spin echo, mostly T2)', W.hint),
  fse: t2('FSE (fast spin echo, mostly T2)', W.hint),
  frfse: t2('FRFSE (GE fast-recovery FSE, T2)', W.technique),
  propeller: t2('PROPELLER (GE, mostly T2)', W.technique),
  blade: t2('BLADE (Siemens, mostly T2)', W.technique),
  haste: t2('HASTE (single-shot T2)', W.technique),
  ssfse: t2('SSFSE (single-shot T2)', W.technique),
  cube: t2('CUBE (GE 3-D fast spin echo, T2 or with FLAIR)', W.hint),
  // other kinds
  pd: other('proton density'),
  pdw: other('proton density'),
  dwi: other('diffusion'),
  diffusion: other('diffusion'),
  diff: other('diffusion (Siemens "ep2d_diff")'),
  dti: other('diffusion tensor'),
  adc: { votes: { other: W.otherKind, derived: W.derived }, meaning: 'ADC map' },
  trace: { votes: { other: W.otherKind, derived: W.derived }, meaning: 'diffusion trace' },
  fa: { votes: { other: W.otherKind, derived: W.derived }, meaning: 'FA map' },
  b0: other('diffusion b=0'),
  b1000: other('diffusion b=1000'),
  swi: other('susceptibility-weighted'),
  swan: other('GE SWAN (susceptibility)'),
  swip: other('Philips SWIp (susceptibility)'),
  t2star: other('T2*-weighted gradient echo'),
  hemo: other('haemosiderin-sensitive gradient echo'),
  qsm: other('susceptibility mapping'),
  localizer: other('localizer'),
  scout: other('localizer (scout)'),
  survey: other('localizer (Philips survey)'),
  pilot: other('localizer (pilot)'),
  tripilot: other('localizer (tri-pilot)'),
  perfusion: { votes: { other: W.otherKind, post: W.hint }, meaning: 'perfusion' },
  perf: { votes: { other: W.otherKind, post: W.hint }, meaning: 'perfusion' },
  dsc: { votes: { other: W.otherKind, post: W.hint }, meaning: 'DSC perfusion (contrast bolus)' },
  dce: { votes: { other: W.otherKind, post: W.hint }, meaning: 'DCE perfusion (contrast bolus)' },
  asl: other('arterial spin labelling'),
  pasl: other('arterial spin labelling'),
  pcasl: other('arterial spin labelling'),
  cbf: other('perfusion map'),
  cbv: other('perfusion map'),
  tof: other('time-of-flight angiography'),
  mra: other('MR angiography'),
  angio: other('angiography'),
  mrv: other('MR venography'),
  ven: other('venous (BOLD venography)', W.technique),
  bold: other('BOLD'),
  fmri: other('functional MRI'),
  resting: other('resting-state fMRI'),
  fieldmap: other('field map'),
  spectro: other('spectroscopy'),
  svs: other('spectroscopy'),
  csi: other('spectroscopy'),
  stir: other('STIR (fat-suppressed IR)', W.technique),
  dir: other('double inversion recovery', W.technique),
  cine: other('cine'),
  calibration: other('calibration'),
  asset: other('GE ASSET calibration', W.technique),
  seg: other('segmentation / label map, not an image'),
  segmentation: other('segmentation / label map, not an image'),
  mask: other('mask, not an image'),
  label: other('label map, not an image', W.technique),
  labels: other('label map, not an image', W.technique),
  // contrast
  post: post('post-contrast'),
  gad: post('gadolinium'),
  gd: post('gadolinium'),
  postgad: post('post-gadolinium'),
  ce: post('contrast-enhanced'),
  contrast: post('contrast'),
  pluscontrast: post('"+C" (with contrast)'),
  enhanced: post('enhanced'),
  // German "Kontrastmittel" (Siemens protocol names such as "t1_se_tra_KM").
  km: post('"KM" (Kontrastmittel, contrast agent)'),
  delayed: post('delayed (after contrast)'),
  pre: pre('pre-contrast'),
  native: pre('native (no contrast)'),
  nc: pre('non-contrast'),
  without: pre('without (contrast)'),
  // reformats and projections
  mpr: derived('multiplanar reformat'),
  reformat: derived('reformat'),
  reformatted: derived('reformat'),
  mip: {
    votes: { other: W.technique, derived: W.derived },
    meaning: 'maximum-intensity projection',
  },
  minip: {
    votes: { other: W.technique, derived: W.derived },
    meaning: 'minimum-intensity projection',
  },
  projection: derived('projection'),
  projected: derived('projection'),
};

/** A rule over several tokens: adjacent (`phrase`) or anywhere in the name (`together`). */
export interface CompoundEntry {
  /** Tokens that must all appear; adjacent and in order when `adjacent`. */
  readonly tokens: readonly string[];
  readonly adjacent: boolean;
  readonly votes: Votes;
  readonly meaning: string;
  /** Tokens whose single-token votes this rule replaces. */
  readonly cancels: readonly string[];
}

/** Words that negate a following contrast word ("pre gd", "without contrast", "non contrast"). */
const NEGATIONS = ['pre', 'without', 'non', 'no', 'wo'] as const;
/** Contrast words a negation can precede. */
const CONTRAST_WORDS = ['gad', 'gd', 'contrast', 'ce', 'pluscontrast', 'enhanced', 'con'] as const;

/** FLAIR-like words: with "T1" they mean a T1-weighted FLAIR; with "T2" they mean FLAIR. */
const FLAIR_WORDS = ['flair', 'tirm'] as const;

/** Multi-token rules. Checked before single tokens; cancelled tokens cast no single vote. */
export const COMPOUND_TABLE: readonly CompoundEntry[] = [
  ...NEGATIONS.flatMap((neg) =>
    CONTRAST_WORDS.map((word): CompoundEntry => ({
      tokens: [neg, word],
      adjacent: true,
      votes: { pre: W.contrast },
      meaning: `"${neg} ${word}" (before contrast)`,
      cancels: [neg, word],
    })),
  ),
  ...FLAIR_WORDS.map((word): CompoundEntry => ({
    tokens: ['t1', word],
    adjacent: false,
    votes: { t1: W.strong + W.technique },
    meaning: `T1 with ${word.toUpperCase()}: a T1-weighted FLAIR (short TI), not a FLAIR`,
    cancels: ['t1', word],
  })),
  ...FLAIR_WORDS.map((word): CompoundEntry => ({
    tokens: ['t2', word],
    adjacent: false,
    votes: { flair: W.strong },
    meaning: `T2 with ${word.toUpperCase()}: T2-FLAIR`,
    cancels: ['t2', word],
  })),
  {
    tokens: ['t2', 'star'],
    adjacent: true,
    votes: { other: W.otherKind },
    meaning: 'T2-star (gradient echo), not a T2',
    cancels: ['t2'],
  },
  {
    tokens: ['dark', 'fluid'],
    adjacent: true,
    votes: { flair: W.strong },
    meaning: 'dark-fluid (FLAIR)',
    cancels: [],
  },
  {
    tokens: ['proton', 'density'],
    adjacent: true,
    votes: { other: W.otherKind },
    meaning: 'proton density',
    cancels: [],
  },
  {
    tokens: ['3', 'plane'],
    adjacent: true,
    votes: { other: W.otherKind },
    meaning: 'three-plane localizer',
    cancels: [],
  },
  {
    tokens: ['field', 'map'],
    adjacent: true,
    votes: { other: W.otherKind },
    meaning: 'field map',
    cancels: [],
  },
  {
    tokens: ['resting', 'state'],
    adjacent: true,
    votes: { other: W.otherKind },
    meaning: 'resting-state fMRI',
    cancels: ['resting'],
  },
];

/**
 * File-name suffix conventions (NIfTI only): BraTS 2018–2021, BraTS 2023, the BraTS toolkit and
 * BIDS. Matched against the file name without extension; strong because these are conventions.
 */
export const FILE_SUFFIX_TABLE: ReadonlyArray<{
  readonly pattern: RegExp;
  readonly votes: Votes;
  readonly meaning: string;
}> = [
  { pattern: /[_-]flair$/i, votes: { flair: W.otherKind }, meaning: 'BraTS/BIDS suffix "_flair"' },
  { pattern: /[_-]t2f$/i, votes: { flair: W.otherKind }, meaning: 'BraTS 2023 suffix "-t2f"' },
  { pattern: /[_-]fla$/i, votes: { flair: W.otherKind }, meaning: 'BraTS toolkit suffix "_fla"' },
  {
    pattern: /[_-](t1ce|t1c|t1gd)$/i,
    votes: { t1: W.otherKind, post: W.contrast },
    meaning: 'BraTS suffix for contrast-enhanced T1',
  },
  {
    pattern: /[_-]t1n$/i,
    votes: { t1: W.otherKind, pre: W.contrast },
    meaning: 'BraTS 2023 suffix "-t1n" (native T1)',
  },
  {
    pattern: /[_-]t1w?$/i,
    votes: { t1: W.otherKind, pre: W.hint },
    meaning: 'BraTS/BIDS suffix "_t1" (native T1 by convention)',
  },
  { pattern: /[_-]t2w?$/i, votes: { t2: W.otherKind }, meaning: 'BraTS/BIDS suffix "_t2"' },
  {
    pattern: /_ce-[a-z0-9]+_t1w$/i,
    votes: { post: W.contrast },
    meaning: 'BIDS "ce-" entity (contrast agent)',
  },
];

/**
 * Siemens sequence-name prefixes (SequenceName "*tir2d1_21", "*tfl3d1", "*se2d1", also found
 * in dcm2niix file names): technique hints.
 */
export const SIEMENS_SEQUENCE_TABLE: ReadonlyArray<{
  readonly prefix: string;
  readonly votes: Votes;
  readonly meaning: string;
}> = [
  { prefix: 'spcir', votes: { flair: W.technique }, meaning: 'SPACE with inversion (FLAIR)' },
  { prefix: 'tir', votes: { flair: W.technique }, meaning: 'turbo inversion recovery' },
  { prefix: 'tfl', votes: { t1: W.technique }, meaning: 'turboFLASH (MPRAGE)' },
  { prefix: 'swi', votes: { other: W.otherKind }, meaning: 'SWI' },
  { prefix: 'epse', votes: { other: W.technique }, meaning: 'spin-echo EPI (diffusion)' },
  { prefix: 'ep', votes: { other: W.technique }, meaning: 'EPI (diffusion/BOLD/perfusion)' },
  { prefix: 'tse', votes: { t2: W.hint }, meaning: 'turbo spin echo' },
  {
    prefix: 'se',
    votes: { t1: W.hint },
    meaning: 'conventional spin echo (T1 in brain protocols)',
  },
];

/**
 * Words a scanner string may glue together without a separator ("AXT2FLAIR", "SAGT1MPRAGE",
 * "BRAINAXSPGR", "AXT1POST"): tokenize.ts splits an unknown word into these when it can. Besides
 * the vocabulary above, the orientation and technique words that sit next to them.
 */
export const GLUE_FILLERS: ReadonlySet<string> = new Set([
  'ax',
  'axi',
  'axial',
  'sag',
  'sagittal',
  'cor',
  'coronal',
  'tra',
  'trans',
  'obl',
  'oblique',
  '2d',
  '3d',
  'fs',
  'fat',
  'sat',
  'iso',
  'hr',
  'thin',
  'brain',
  'head',
  'se',
  'gre',
  'ir',
  'vol',
  'plane',
  'tri',
  'thick',
]);

/**
 * A glued word is split only when one of its pieces is one of these sequence words: a word made
 * of orientation and contrast pieces alone ("face" = "fa" + "ce") stays whole.
 */
export const GLUE_CORES: ReadonlySet<string> = new Set([
  't1',
  't2',
  't1w',
  't2w',
  't1c',
  't1ce',
  't1gd',
  't1post',
  't1pre',
  't2star',
  'flair',
  'tirm',
  'mprage',
  'spgr',
  'fspgr',
  'irspgr',
  'bravo',
  'tfe',
  'ffe',
  'vibe',
  'lava',
  'fse',
  'tse',
  'frfse',
  'stir',
  'dwi',
  'swi',
  'adc',
  'localizer',
  'loc',
  'scout',
  'survey',
  'stealth',
  'fl3d',
  'mp2rage',
  'cube',
  'swan',
  'perfusion',
  'perf',
  'dti',
  'tof',
]);

/**
 * Names of 3-D gradient-echo T1 acquisitions (MPRAGE, SPGR/FSPGR, BRAVO, Philips 3D TFE/FFE,
 * VIBE, LAVA, "volumetric"). Tumour protocols acquire the post-contrast T1 this way after a
 * native spin-echo T1, which is how classifyStudy reads such a series when the study already has
 * a native T1 and nothing else is marked post-contrast.
 */
export const VOLUMETRIC_T1_WORDS: ReadonlySet<string> = new Set([
  'mprage',
  'mp2rage',
  'spgr',
  'fspgr',
  'irspgr',
  'bravo',
  'tfe',
  'tfl',
  'fl3d',
  'stealth',
  'ffe',
  'vibe',
  'lava',
  '3d',
  'vol',
  'volumetric',
]);
