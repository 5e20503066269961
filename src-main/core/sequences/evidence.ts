/**
 * The shared vocabulary of sequence detection: what a rule may vote for, and the shape of one
 * piece of evidence. Types and tiny helpers only.
 *
 * Rules never pick a label themselves. Each returns weighted votes; classifySeries sums them. A
 * vote is either for a sequence family (T1, T2, FLAIR, other), for contrast (post / pre, which
 * only splits the T1 family into T1 and T1ce), or a derived flag.
 */

/** Sequence families a rule can vote for. T1ce is the T1 family plus post-contrast evidence. */
export type Family = 't1' | 't2' | 'flair' | 'other';

/** Everything a rule can vote for. */
export type Vote = Family | 'post' | 'pre' | 'derived';

/** Every vote kind, in the order reasons are listed when weights tie. */
export const VOTES: readonly Vote[] = ['flair', 't1', 't2', 'other', 'post', 'pre', 'derived'];

/** Every family. */
export const FAMILIES: readonly Family[] = ['flair', 't1', 't2', 'other'];

/** One piece of evidence: a weighted vote and the sentence that explains it. */
export interface Evidence {
  /** Name of the rule that produced it (for tests and debugging). */
  readonly rule: string;
  readonly vote: Vote;
  /** > 0; larger is stronger. Names are the strongest evidence (≈ 2–4), physics ≈ 1–2.5. */
  readonly weight: number;
  /** Human-readable reason, e.g. `description says "FLAIR"`. */
  readonly reason: string;
}

/** Votes of one table entry, keyed by vote kind. */
export type Votes = Readonly<Partial<Record<Vote, number>>>;

/** Builds one Evidence per vote in `votes`. */
export function evidenceFrom(rule: string, votes: Votes, reason: string): Evidence[] {
  const out: Evidence[] = [];
  for (const vote of VOTES) {
    const weight = votes[vote];
    if (weight !== undefined && weight > 0) out.push({ rule, vote, weight, reason });
  }
  return out;
}

/** Display names used in reasons. */
export const VOTE_DISPLAY: Readonly<Record<Vote, string>> = {
  flair: 'FLAIR',
  t1: 'T1',
  t2: 'T2',
  other: 'other',
  post: 'post-contrast',
  pre: 'pre-contrast',
  derived: 'derived',
};
