/**
 * Name rules: votes from the words in SeriesDescription / ProtocolName / file names, from file-name
 * suffix conventions and from Siemens sequence names. Pure functions over the tables in
 * vocabulary.ts.
 */
import { evidenceFrom, type Evidence } from './evidence.ts';
import type { SequenceFacts } from './facts.ts';
import { tokenize } from './tokenize.ts';
import {
  COMPOUND_TABLE,
  FILE_SUFFIX_TABLE,
  SIEMENS_SEQUENCE_TABLE,
  TOKEN_TABLE,
  type CompoundEntry,
} from './vocabulary.ts';

/** True when `tokens` contains the compound's tokens (adjacent and in order when required). */
function matchesCompound(tokens: readonly string[], entry: CompoundEntry): boolean {
  if (!entry.adjacent) return entry.tokens.every((t) => tokens.includes(t));
  const n = entry.tokens.length;
  for (let i = 0; i + n <= tokens.length; i++) {
    if (entry.tokens.every((t, k) => tokens[i + k] === t)) return true;
  }
  return false;
}

/** Tokens of one name plus those that a compound rule has taken over. */
interface NameAnalysis {
  readonly tokens: readonly string[];
  readonly cancelled: ReadonlySet<string>;
  readonly compounds: readonly CompoundEntry[];
}

function analyseName(name: string): NameAnalysis {
  const tokens = tokenize(name);
  const compounds = COMPOUND_TABLE.filter((c) => matchesCompound(tokens, c));
  const cancelled = new Set(compounds.flatMap((c) => c.cancels));
  return { tokens, cancelled, compounds };
}

/**
 * Rule "name words": every known token (or multi-token phrase) in the names casts its votes once,
 * however often it repeats across description, protocol and file name.
 */
export function nameWordsRule(facts: SequenceFacts): Evidence[] {
  const seenCompounds = new Set<CompoundEntry>();
  const seenTokens = new Set<string>();
  const out: Evidence[] = [];
  for (const name of facts.names) {
    const a = analyseName(name);
    for (const c of a.compounds) {
      if (seenCompounds.has(c)) continue;
      seenCompounds.add(c);
      out.push(...evidenceFrom('nameWords', c.votes, `name: ${c.meaning}`));
    }
    for (const token of a.tokens) {
      const entry = TOKEN_TABLE[token];
      if (!entry || a.cancelled.has(token) || seenTokens.has(token)) continue;
      seenTokens.add(token);
      out.push(...evidenceFrom('nameWords', entry.votes, `name says "${token}": ${entry.meaning}`));
    }
  }
  return out;
}

/**
 * Rule "file-name suffix" (NIfTI only): BraTS `_flair/_t1/_t1ce/_t2`, BraTS 2023
 * `-t2f/-t1n/-t1c/-t2w`, BIDS `_T1w/_ce-gd_T1w`. Skipped when a phrase in the name re-reads the
 * last word (dcm2niix "AX_T1_POST_GD_FLAIR" ends in FLAIR but is a T1).
 */
export function fileSuffixRule(facts: SequenceFacts): Evidence[] {
  if (!facts.fileStem) return [];
  const a = analyseName(facts.fileStem);
  const last = a.tokens.at(-1);
  if (last !== undefined && a.cancelled.has(last)) return [];
  return FILE_SUFFIX_TABLE.filter((e) => e.pattern.test(facts.fileStem ?? '')).flatMap((e) =>
    evidenceFrom('fileSuffix', e.votes, `file name: ${e.meaning}`),
  );
}

/** Siemens sequence-name shape: optional "*", a technique prefix, a digit and "d" (2d/3d). */
const SIEMENS_SEQUENCE_NAME = /^\*?([a-z]+?)\d+d/i;

/**
 * Rule "Siemens sequence name": SequenceName ("*tir2d1_21") or a sequence-name word inside a
 * dcm2niix file name ("…_tir2d1_21_fla") hints at the technique.
 */
export function sequenceNameRule(facts: SequenceFacts): Evidence[] {
  const candidates = [
    facts.SequenceName,
    ...facts.names.flatMap((n) => n.split(/[^A-Za-z0-9*]+/)),
  ].filter((s): s is string => !!s);
  for (const candidate of candidates) {
    const m = SIEMENS_SEQUENCE_NAME.exec(candidate);
    if (!m) continue;
    const prefix = m[1].toLowerCase();
    const entry = SIEMENS_SEQUENCE_TABLE.find((e) => e.prefix === prefix);
    if (entry) {
      return evidenceFrom(
        'sequenceName',
        entry.votes,
        `sequence name "${candidate}": ${entry.meaning}`,
      );
    }
  }
  return [];
}
