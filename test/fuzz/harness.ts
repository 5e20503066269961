/**
 * The fuzz loop: mutates seeds, runs a reader on each input and checks the invariant — every input
 * ends in a MetaKdError or a valid result, within a time bound per input and a memory bound for
 * the process. The input under test is written to `test-artifacts/fuzz/<target>-current.bin`
 * first, so even a hang that the test timeout has to end leaves its reproducer behind; a failing
 * input is kept as `<target>-<seed>-<iteration>.bin`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMetaKdError } from '../../src-main/core/errors.ts';
import { repoRoot } from '../helpers/data.ts';
import { makeRng, mutate, type Rng } from './mutate.ts';

/** Where reproducers go (ignored by git with the other test artifacts). */
export const REPRO_DIR = path.join(repoRoot, 'test-artifacts', 'fuzz');

/** Iterations per target: FUZZ_ITERATIONS, else the CI default. */
export function iterations(ciDefault: number): number {
  const env = Number(process.env.FUZZ_ITERATIONS);
  return Number.isInteger(env) && env > 0 ? env : ciDefault;
}

/** The run's seed: FUZZ_SEED, else a fixed one so CI is reproducible. */
export function fuzzSeed(): number {
  const env = Number(process.env.FUZZ_SEED);
  return Number.isInteger(env) ? env : 12;
}

/** One fuzz target. */
export interface FuzzTarget {
  readonly name: string;
  /** Inputs to mutate (real files and small files made in code). */
  readonly seeds: readonly Buffer[];
  /** Format-aware mutators added to the generic ones. */
  readonly mutators?: Parameters<typeof mutate>[2];
  /** Post-processing of a mutated input (e.g. gzip it), drawn per input. */
  readonly wrap?: (input: Buffer, rng: Rng) => Buffer;
  /** Runs the reader; returns a problem description when the result is not valid. */
  run(input: Buffer, iteration: number): Promise<string | undefined>;
}

/** Bounds of a fuzz run. */
export interface FuzzBounds {
  readonly iterations: number;
  readonly seed: number;
  /** Longest a single input may take. */
  readonly timeoutMs: number;
  /** Most the process RSS may grow over its size at the start. */
  readonly memoryMb: number;
}

/** A failing input: what went wrong and where its bytes are. */
export interface FuzzFailure {
  readonly iteration: number;
  readonly problem: string;
  readonly reproducer: string;
}

/** What a run did. */
export interface FuzzReport {
  readonly runs: number;
  readonly errors: number;
  readonly valid: number;
  readonly slowestMs: number;
  readonly failures: readonly FuzzFailure[];
}

function timeout(ms: number): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Runs one target and reports every input that broke the invariant (stops after 5). */
export async function runFuzz(target: FuzzTarget, bounds: FuzzBounds): Promise<FuzzReport> {
  mkdirSync(REPRO_DIR, { recursive: true });
  const rng = makeRng(bounds.seed);
  const current = path.join(REPRO_DIR, `${target.name}-current.bin`);
  const baseRss = process.memoryUsage().rss;
  const failures: FuzzFailure[] = [];
  let errors = 0;
  let valid = 0;
  let slowestMs = 0;
  let i = 0;
  for (; i < bounds.iterations && failures.length < 5; i++) {
    const seed = target.seeds[rng.int(target.seeds.length)];
    let input = mutate(seed, rng, target.mutators);
    if (target.wrap) input = target.wrap(input, rng);
    writeFileSync(current, input);
    const t0 = performance.now();
    const limit = timeout(bounds.timeoutMs);
    let problem: string | undefined;
    try {
      problem = await Promise.race([target.run(input, i), limit.promise]);
      if (problem === undefined) valid++;
    } catch (e) {
      if (isMetaKdError(e)) errors++;
      else problem = `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    } finally {
      limit.cancel();
    }
    const ms = performance.now() - t0;
    slowestMs = Math.max(slowestMs, ms);
    // Synchronous work blocks the timer above: check the bound afterwards as well.
    if (!problem && ms > bounds.timeoutMs) problem = `took ${ms.toFixed(0)} ms`;
    const grownMb = (process.memoryUsage().rss - baseRss) / 2 ** 20;
    if (!problem && grownMb > bounds.memoryMb) {
      problem = `RSS grew ${grownMb.toFixed(0)} MB (bound ${bounds.memoryMb} MB)`;
    }
    if (problem) {
      const reproducer = path.join(REPRO_DIR, `${target.name}-${bounds.seed}-${i}.bin`);
      writeFileSync(reproducer, input);
      failures.push({ iteration: i, problem, reproducer });
    }
  }
  return { runs: i, errors, valid, slowestMs, failures };
}
