/**
 * Turns series descriptions, protocol names and file names into lower-case tokens for the
 * vocabulary rules. Pure functions.
 *
 * Scanner strings mix every separator there is ("T2W_TSE-COR", "AX T1 POST GD", "sT1W_FS",
 * "BraTS-GLI-00001-000-t2f", "T1+C", "T2*"), so the symbols that carry meaning ("+C", "C+", "*",
 * "w/o") are rewritten into words first, then the text is split on separators and on camelCase
 * boundaries, and finally known aliases are folded ("t1w" → "t1").
 */

/** Rewrites of meaningful symbols into words, applied before splitting (order matters). */
const SYMBOL_REWRITES: ReadonlyArray<readonly [RegExp, string]> = [
  // "T2*" / "T2 *" (T2-star weighted gradient echo): not a T2.
  [/t2\s*\*/gi, ' t2star '],
  // "+C", "+ C", "+Gd", "+contrast": post-contrast marks.
  [/\+\s*(?:c|gd|gad|contrast)(?![a-z])/gi, ' pluscontrast '],
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
  precontrast: 'pre',
  noncontrast: 'nc',
  nativ: 'native',
  enh: 'enhanced',
};

/** Core tokens that scanners glue to a one- or two-letter prefix ("VT1W", "ST2W"). */
const GLUED_CORES = ['t1', 't2', 't1w', 't2w', 'flair'] as const;
/** Longest prefix we strip from a glued core token. */
const MAX_GLUED_PREFIX = 2;

/** Splits one word on camelCase boundaries: "sT1W" → ["s", "T1W"], "AAHead" → ["AA", "Head"]. */
function splitCamel(word: string): string[] {
  return word
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z]{2,})/g, '$1 $2')
    .split(' ')
    .filter((w) => w.length > 0);
}

/** "vt1w" → ["v", "t1w"] when a known core follows a short letter prefix; else [token]. */
function splitGlued(token: string): string[] {
  for (const core of GLUED_CORES) {
    const prefixLength = token.length - core.length;
    if (prefixLength >= 1 && prefixLength <= MAX_GLUED_PREFIX && token.endsWith(core)) {
      const prefix = token.slice(0, prefixLength);
      if (/^[a-z]+$/.test(prefix)) return [prefix, core];
    }
  }
  return [token];
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
