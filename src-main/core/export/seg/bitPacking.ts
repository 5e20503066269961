/**
 * 1-bit pixel packing for BINARY segmentations. Pure functions.
 *
 * PS3.5 §8.1.1 / PS3.3 C.8.20.2: with BitsAllocated 1, pixels are packed little-endian within each
 * byte (first pixel in the least significant bit), and the frames of a multi-frame object follow
 * each other without padding — a frame need not start on a byte boundary (dcmqi's 23×38×3 example
 * exercises exactly that). The whole value is padded to an even length (PS3.5 §7.1.1).
 */

/**
 * Packs frames (each `frameSize` bytes of 0/≠0 in `source`, starting at the given offsets) into one
 * bit stream. `pick(v)` decides whether a source value is "in".
 */
export function packFrames(
  source: ArrayLike<number>,
  frameOffsets: readonly number[],
  frameSize: number,
  pick: (v: number, frame: number) => boolean,
): Uint8Array {
  const bits = frameOffsets.length * frameSize;
  const bytes = Math.ceil(bits / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  let bit = 0;
  for (let f = 0; f < frameOffsets.length; f++) {
    const start = frameOffsets[f];
    for (let p = 0; p < frameSize; p++, bit++) {
      if (pick(source[start + p], f)) out[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return out;
}

/** Reads pixel `index` (counted over all frames) of a packed 1-bit stream. */
export function bitAt(packed: Uint8Array, index: number): number {
  return (packed[index >> 3] >> (index & 7)) & 1;
}
