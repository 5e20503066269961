/**
 * runTiles' shortcuts (issue 13, fast start) feed the graphs exactly what the general path does:
 * a single tile spanning whole slices is copied as one block, each present modality is encoded on
 * its own (batch 1) straight into its slot of the decoder input (or copied there by a runner that
 * returns new arrays), and the Gaussian map is computed once per patch.
 */
import { describe, expect, it } from 'vitest';
import { runTiles } from '../../../src-main/core/inference/tiledInference.ts';
import {
  cachedGaussianImportance,
  gaussianImportance,
  tileOrigins,
} from '../../../src-main/core/inference/slidingWindow.ts';
import type { FeatureLevel, ModelRunner } from '../../../src-main/core/inference/modelRunner.ts';
import type { ModelManifest } from '../../../src-main/core/model/Manifest.ts';
import type { PreparedInput } from '../../../src-main/core/preprocess/preprocess.ts';
import type { Vec3 } from '../../../src-main/core/volume/Geometry.ts';

/** Patch [i, j, k]. */
const P: Vec3 = [4, 3, 2];
const manifest = {
  inference: { patchSize: [P[2], P[1], P[0]], overlap: 0.5, gaussianSigmaScale: 0.125 },
} as unknown as ModelManifest;

function input(padded: Vec3, present: boolean[]): PreparedInput {
  const n = padded[0] * padded[1] * padded[2];
  return {
    present,
    padded,
    channels: present.map((ok, m) =>
      ok ? Float32Array.from({ length: n }, (_, x) => 1000 * m + x) : null,
    ),
  } as unknown as PreparedInput;
}

/**
 * What the graphs saw, and a decoder output that depends on every feature value. The encoder
 * writes into `into` when given, as the onnxruntime runner does, unless `ignoreInto`.
 */
function recordingRunner({ ignoreInto = false } = {}) {
  const images: Float32Array[] = [];
  const batches: number[] = [];
  const decoded: { feats: Float32Array; present: number[] }[] = [];
  const runner: ModelRunner = {
    provider: 'cpu',
    attempts: [],
    // One feature level: the image itself, two channels (x and −x), batch as given.
    encode: async (img, batch, s, into) => {
      images.push(img.slice());
      batches.push(batch);
      const per = s[0] * s[1] * s[2];
      const out = into && !ignoreInto ? into[0].data : new Float32Array(batch * 2 * per);
      expect(out.length).toBe(batch * 2 * per);
      for (let b = 0; b < batch; b++) {
        for (let x = 0; x < per; x++) {
          out[b * 2 * per + x] = img[b * per + x];
          out[b * 2 * per + per + x] = -img[b * per + x];
        }
      }
      return [{ data: out, sizeKji: s } satisfies FeatureLevel];
    },
    decode: async (feats, present, _batch, s) => {
      const f = feats[0].data;
      decoded.push({ feats: f.slice(), present: [...present] });
      const per = s[0] * s[1] * s[2];
      const probs = new Float32Array(3 * per);
      for (let c = 0; c < 3; c++) {
        for (let x = 0; x < per; x++) {
          let v = 0;
          for (let m = 0; m < 4; m++) v += present[m] * (f[m * 2 * per + x] + c) * (m + 1);
          probs[c * per + x] = 1 / (1 + Math.exp(-v / 1e4));
        }
      }
      return probs;
    },
    release: async () => undefined,
  };
  return { runner, images, batches, decoded };
}

/** The patch at origin `o` of `channel`, i fastest (the general rule). */
function patchOf(channel: Float32Array, padded: Vec3, o: Vec3): number[] {
  const out: number[] = [];
  for (let k = 0; k < P[2]; k++)
    for (let j = 0; j < P[1]; j++)
      for (let i = 0; i < P[0]; i++)
        out.push(channel[o[0] + i + padded[0] * (o[1] + j + padded[1] * (o[2] + k))]);
  return out;
}

describe('runTiles', () => {
  for (const ignoreInto of [false, true]) {
    it(`a single tile: one encoder call per modality, the decoder the four-slot stack (runner ${ignoreInto ? 'returns new arrays' : 'writes into the slots'})`, async () => {
      const inp = input([P[0], P[1], P[2]], [true, true, true, true]);
      const { runner, images, batches, decoded } = recordingRunner({ ignoreInto });
      await runTiles({ runner, input: inp, manifest, subsets: [0b1111] });
      const n = P[0] * P[1] * P[2];
      expect(batches).toEqual([1, 1, 1, 1]);
      for (let m = 0; m < 4; m++) {
        expect([...images[m]]).toEqual(
          patchOf(inp.channels[m] as Float32Array, inp.padded, [0, 0, 0]),
        );
      }
      // Slot m of the decoder input holds modality m's two feature channels (x, then −x).
      const f = decoded[0].feats;
      expect(f.length).toBe(4 * 2 * n);
      for (let m = 0; m < 4; m++) {
        const img = [...images[m]];
        expect([...f.subarray(m * 2 * n, m * 2 * n + n)]).toEqual(img);
        expect([...f.subarray(m * 2 * n + n, (m + 1) * 2 * n)]).toEqual(img.map((v) => -v));
      }
    });
  }

  it('several tiles along k (whole slices) and along i (rows) give each patch exactly', async () => {
    for (const padded of [
      [P[0], P[1], 5],
      [7, P[1], P[2]],
    ] as Vec3[]) {
      const inp = input(padded, [true, false, true, false]);
      const { runner, images } = recordingRunner();
      const r = await runTiles({ runner, input: inp, manifest, subsets: [0b0101] });
      // Two present modalities: two encoder calls per tile, modality 0 then modality 2.
      expect(images).toHaveLength(2 * r.tiles);
      const origins = tileOrigins(padded, P, 0.5);
      expect(origins.length).toBeGreaterThan(1);
      expect(r.tiles).toBe(origins.length);
      origins.forEach((o, t) => {
        expect([...images[2 * t]]).toEqual(patchOf(inp.channels[0] as Float32Array, padded, o));
        expect([...images[2 * t + 1]]).toEqual(patchOf(inp.channels[2] as Float32Array, padded, o));
      });
    }
  });

  it('with a modality missing, its slot stays zero and the others sit in their own slots', async () => {
    const inp = input([P[0], P[1], P[2]], [true, false, true, true]);
    const { runner, images, decoded } = recordingRunner();
    await runTiles({ runner, input: inp, manifest, subsets: [0b1101] });
    const n = P[0] * P[1] * P[2];
    const f = decoded[0].feats;
    expect(f.length).toBe(4 * 2 * n);
    expect([...f.subarray(2 * n, 4 * n)].every((v) => v === 0)).toBe(true);
    // Encoder calls: modalities 0, 2, 3; modality 3's features fill the last slot.
    expect(images).toHaveLength(3);
    expect([...f.subarray(4 * 2 * n - 2 * n, 4 * 2 * n - n)]).toEqual([...images[2]]);
    expect(decoded[0].present).toEqual([1, 0, 1, 1]);
  });
});

describe('cachedGaussianImportance', () => {
  it('is gaussianImportance, computed once per patch size and sigma', () => {
    const a = cachedGaussianImportance([8, 6, 4], 0.125);
    expect(
      Buffer.from(a.buffer).equals(Buffer.from(gaussianImportance([8, 6, 4], 0.125).buffer)),
    ).toBe(true);
    expect(cachedGaussianImportance([8, 6, 4], 0.125)).toBe(a);
    expect(cachedGaussianImportance([8, 6, 4], 0.25)).not.toBe(a);
  });
});
