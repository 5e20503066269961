/**
 * Seeded byte-level mutations for the reader fuzzer: bit flips, byte overwrites, insertions,
 * deletions, truncation, chunk duplication and "interesting value" writes over header fields.
 * Deterministic for a given seed (mulberry32), so any failure replays from `FUZZ_SEED` and the
 * iteration number. Pure functions.
 */

/** A seeded pseudo-random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** mulberry32: small, fast, good enough to drive mutations (not for cryptography). */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/**
 * Values that make readers misbehave when they land in a length, count or dimension field:
 * zero, one, the signed/unsigned limits of 8/16/32 bits, and the DICOM undefined length.
 */
const INTERESTING_32 = [
  0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 32, 64, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000,
  0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

/** Where header-field mutations land: the first bytes, where headers and lengths live. */
const HEADER_REGION = 4096;

type Mutator = (buf: Buffer, rng: Rng) => Buffer;

const flipBit: Mutator = (b, rng) => {
  if (b.length === 0) return b;
  const i = rng.int(b.length);
  b[i] ^= 1 << rng.int(8);
  return b;
};

const setByte: Mutator = (b, rng) => {
  if (b.length === 0) return b;
  b[rng.int(b.length)] = rng.int(256);
  return b;
};

const insertBytes: Mutator = (b, rng) => {
  const at = rng.int(b.length + 1);
  const add = Buffer.alloc(1 + rng.int(64), rng.int(256));
  return Buffer.concat([b.subarray(0, at), add, b.subarray(at)]);
};

const deleteBytes: Mutator = (b, rng) => {
  if (b.length < 2) return b;
  const at = rng.int(b.length);
  const n = 1 + rng.int(Math.min(256, b.length - at));
  return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
};

const truncate: Mutator = (b, rng) => b.subarray(0, rng.int(b.length + 1));

const duplicateChunk: Mutator = (b, rng) => {
  if (b.length < 2) return b;
  const at = rng.int(b.length);
  const n = 1 + rng.int(Math.min(512, b.length - at));
  const to = rng.int(b.length);
  return Buffer.concat([b.subarray(0, to), b.subarray(at, at + n), b.subarray(to)]);
};

/** Writes an interesting 8/16/32-bit value (either byte order) at a header offset. */
const headerField: Mutator = (b, rng) => {
  const region = Math.min(b.length, HEADER_REGION);
  const width = [1, 2, 4][rng.int(3)];
  if (region < width) return b;
  const at = rng.int(region - width + 1);
  const v = INTERESTING_32[rng.int(INTERESTING_32.length)];
  const little = rng.int(2) === 0;
  if (width === 1) b[at] = v & 0xff;
  else if (width === 2) {
    if (little) b.writeUInt16LE(v & 0xffff, at);
    else b.writeUInt16BE(v & 0xffff, at);
  } else if (little) b.writeUInt32LE(v >>> 0, at);
  else b.writeUInt32BE(v >>> 0, at);
  return b;
};

/** Writes an interesting value at one of the caller's known field offsets (e.g. NIfTI dim[]). */
export function fieldAt(offsets: readonly number[]): Mutator {
  return (b, rng) => {
    const at = offsets[rng.int(offsets.length)];
    if (at + 4 > b.length) return b;
    const v = INTERESTING_32[rng.int(INTERESTING_32.length)];
    if (rng.int(2) === 0) b.writeUInt16LE(v & 0xffff, at);
    else b.writeUInt32LE(v >>> 0, at);
    return b;
  };
}

/** The generic mutators, with weights (header-field writes find the most bugs). */
const GENERIC: readonly [Mutator, number][] = [
  [flipBit, 3],
  [setByte, 2],
  [headerField, 5],
  [insertBytes, 1],
  [deleteBytes, 1],
  [truncate, 1],
  [duplicateChunk, 1],
];

/**
 * Returns a mutated copy of `seed`: 1–4 mutations, drawn from the generic set plus `extra`
 * (format-aware field writers).
 */
export function mutate(seed: Buffer, rng: Rng, extra: readonly Mutator[] = []): Buffer {
  const table: [Mutator, number][] = [...GENERIC, ...extra.map((m): [Mutator, number] => [m, 4])];
  const total = table.reduce((s, [, w]) => s + w, 0);
  let out: Buffer = Buffer.from(seed);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    let pick = rng.next() * total;
    for (const [m, w] of table) {
      pick -= w;
      if (pick < 0) {
        out = m(out, rng);
        break;
      }
    }
  }
  return out;
}
