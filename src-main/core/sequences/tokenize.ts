/**
 * Turns series descriptions, protocol names and file names into lower-case tokens for the
 * vocabulary rules. Pure functions.
 *
 * Scanner strings mix every separator there is ("T2W_TSE-COR", "AX T1 POST GD", "sT1W_FS",
 * "BraTS-GLI-00001-000-t2f", "T1+C", "T2*"), so the symbols that carry meaning ("+C", "C+", "*",
 * "w/o") are rewritten into words first, then the text is split on separators and on camelCase
 * boundaries, and finally known aliases are folded ("t1w" → "t1").
 */
import { GLUE_CORES, GLUE_FILLERS, TOKEN_TABLE } from './vocabulary.ts';

/** Rewrites of meaningful symbols into words, applied before splitting (order matters). */
const SYMBOL_REWRITES: ReadonlyArray<readonly [RegExp, string]> = [
  // "MP-RAGE" / "MP RAGE": one word.
  [/(?<![a-z0-9])mp[\s_-]*rage(?![a-z])/gi, ' mprage '],
  // "T2*" / "T2 *" (T2-star weighted gradient echo): not a T2.
  [/t2\s*\*/gi, ' t2star '],
  // "+C", "+ C", "+Gd", "+contrast": post-contrast marks.
  [/\+\s*(?:c|gd|gad|contrast|km)(?![a-z])/gi, ' pluscontrast '],
  // "C+" (a lone C followed by a plus); "C-" is the US shorthand for "without contrast".
  [/(?<![a-z0-9])c\s*\+/gi, ' pluscontrast '],
  [/(?<![a-z0-9])c\s*-(?![a-z0-9])/gi, ' nc '],
  // "w/o contrast" before "w/ contrast", so the shorter rule does not eat it.
  [/(?<![a-z])w\s*\/\s*o(?![a-z])/gi, ' without '],
  [/(?<![a-z])w\s*\/(?![a-z]*\/)/gi, ' with '],
];

/** Aliases folded into one canonical token (keeps the vocabulary tables short). */
const TOKEN_ALIASES: Readonly<Record<string, string>> = {
  t1w: 't1',
  t1wi: 't1',
  t1weighted: 't1',
  t2w: 't2',
  t2wi: 't2',
  t2weighted: 't2',
  localiser: 'localizer',
  loc: 'localizer',
  darkfluid: 'flair',
  gado: 'gad',
  gadolinium: 'gad',
  postgd: 'postgad',
  postcontrast: 'post',
  noncon: 'nc',
  tracew: 'trace',
  postcon: 'post',
  withcontrast: 'post',
  precontrast: 'pre',
  noncontrast: 'nc',
  nativ: 'native',
  enh: 'enhanced',
};

/**
 * Longest unknown prefix (a site or protocol code such as "MRHR", "BRAIN", Philips "V"/"s") kept
 * in front of a glued word that otherwise splits into known words.
 */
const MAX_GLUED_PREFIX = 6;
/** Every word a glued token may be split into (lower case). */
const GLUE_PIECES: readonly string[] = [
  ...new Set([...Object.keys(TOKEN_TABLE), ...Object.keys(TOKEN_ALIASES), ...GLUE_FILLERS]),
].filter((w) => w.length >= 2);
const GLUE_PIECES_SET = new Set(GLUE_PIECES);

/** Splits one word on camelCase boundaries: "sT1W" → ["s", "T1W"], "AAHead" → ["AA", "Head"]. */
function splitCamel(word: string): string[] {
  return word
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z]{2,})/g, '$1 $2')
    .split(' ')
    .filter((w) => w.length > 0);
}

/** A partial split: how many characters known words cover, and the pieces. */
interface Split {
  readonly known: number;
  readonly pieces: readonly string[];
}

/** The better of two splits: more characters covered by known words, then fewer pieces. */
function better(a: Split | undefined, b: Split): boolean {
  return !a || b.known > a.known || (b.known === a.known && b.pieces.length < a.pieces.length);
}

/**
 * Splits a word scanners glued together ("axt2flair" → ax t2 flair, "vt1w" → v t1w,
 * "brainaxspgr" → brain ax spgr, "axt1c" → ax t1c) into known words and digit runs, after an
 * optional short unknown letter prefix. Dynamic programming over end positions, preferring the
 * split that covers most characters with known words. Known words, and words that do not split
 * completely or contain no sequence word (GLUE_CORES), are returned whole.
 */
function splitGlued(token: string): string[] {
  if (GLUE_PIECES_SET.has(token) || token.length < 3) return [token];
  const n = token.length;
  const best: (Split | undefined)[] = new Array<Split | undefined>(n + 1);
  best[0] = { known: 0, pieces: [] };
  for (let p = 1; p <= Math.min(MAX_GLUED_PREFIX, n - 1); p++) {
    const prefix = token.slice(0, p);
    if (/^[a-z]+$/.test(prefix)) best[p] = { known: 0, pieces: [prefix] };
  }
  for (let i = 0; i < n; i++) {
    const from = best[i];
    if (!from) continue;
    const steps = GLUE_PIECES.filter((w) => token.startsWith(w, i));
    const digits = /^\d+/.exec(token.slice(i));
    if (digits) steps.push(digits[0]);
    for (const w of steps) {
      const next = { known: from.known + w.length, pieces: [...from.pieces, w] };
      if (better(best[i + w.length], next)) best[i + w.length] = next;
    }
  }
  const done = best[n];
  if (!done || done.pieces.length < 2 || !done.pieces.some((w) => GLUE_CORES.has(w))) {
    return [token];
  }
  return [...done.pieces];
}

/**
 * Tokenises a free-text scanner string into lower-case canonical tokens, in order.
 * @example tokenize("AX T1 POST GD FLAIR") → ["ax", "t1", "post", "gd", "flair"]
 * @example tokenize("MPRAGE+C") → ["mprage", "pluscontrast"]
 */
export function tokenize(text: string | undefined): string[] {
  if (!text) return [];
  let s = text;
  for (const [pattern, replacement] of SYMBOL_REWRITES) s = s.replace(pattern, replacement);
  const words = s.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  const tokens: string[] = [];
  for (const word of words) {
    for (const part of splitCamel(word)) {
      for (const piece of splitGlued(part.toLowerCase())) {
        tokens.push(TOKEN_ALIASES[piece] ?? piece);
      }
    }
  }
  return tokens;
}
