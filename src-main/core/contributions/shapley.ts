/**
 * Exact Shapley values over a small set of players (the present sequences, n ≤ 4) from a value
 * function given for every subset as a bit mask. Pure functions.
 */

/** Number of set bits. */
export function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** All non-empty subsets (bit masks) of `mask`, in increasing numeric order. */
export function nonEmptySubsets(mask: number): number[] {
  const out: number[] = [];
  for (let s = 1; s <= mask; s++) if ((s & ~mask) === 0) out.push(s);
  return out;
}

/**
 * Shapley value of each player in `players` (bit indices) for value function `v` (v(0) is the
 * empty coalition's value): φ_i = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! · (v(S∪{i}) − v(S)).
 * The values sum to v(N) − v(∅) (efficiency).
 */
export function shapleyValues(
  players: readonly number[],
  v: (mask: number) => number,
): Map<number, number> {
  const n = players.length;
  const all = players.reduce((a, p) => a | (1 << p), 0);
  const nFact = factorial(n);
  const out = new Map<number, number>();
  for (const p of players) {
    const bit = 1 << p;
    const others = all & ~bit;
    let phi = 0;
    for (let s = others; ; s = (s - 1) & others) {
      const size = popcount(s);
      const w = (factorial(size) * factorial(n - size - 1)) / nFact;
      phi += w * (v(s | bit) - v(s));
      if (s === 0) break;
    }
    out.set(p, phi);
  }
  return out;
}
