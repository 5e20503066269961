/**
 * `node bin/run-ts.mjs bench/model-speed.bench.ts`: speed of the shipped graphs
 * (models/metakd-brats) in onnxruntime-node on the CPU, on a real brain-cropped BraTS case.
 *
 * 1. Writes the case's model input with models/training/reference.py (2 mm, crop, z-score) and
 *    pads it to the manifest's patch size (one window covers a BraTS brain).
 * 2. Times, per run: one segmentation = encode the four modalities + decode all four; the 15
 *    subsets decoded from those cached encodings one at a time (features stacked once, only
 *    `present` changes, as in the engine); and the 15 as one batch (B = 15).
 * Each timing is the median of RUNS runs after one warm-up. Results go to
 * bench/results/model-speed.md and stdout. Env: BENCH_CASE (case folder), BENCH_RUNS (default 5),
 * BENCH_THREADS (intra-op threads, default 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../src-main/core/model/Manifest.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.METAKD_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const MODEL = path.join(repoRoot, 'models', 'metakd-brats');
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 5));
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const CASE = process.env.BENCH_CASE ?? path.join(dataDir, 'brats18', 'Brats18_2013_23_1');
const SUBSETS = 15;
const MODALITIES = 4;

interface RefMeta {
  readonly shape: readonly [number, number, number, number];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The case's model input padded (high end, zeros) to the patch: [4, k, j, i]. */
async function loadInput(patch: readonly number[]): Promise<Float32Array> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-speed-'));
  try {
    const r = spawnSync(
      '/usr/bin/python3',
      ['models/training/reference.py', '--case', CASE, '--out', dir],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`reference.py failed: ${r.stderr}`);
    const meta = JSON.parse(await readFile(path.join(dir, 'input.json'), 'utf8')) as RefMeta;
    const raw = await readFile(path.join(dir, 'input.f32'));
    const src = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const [, k, j, i] = meta.shape;
    const [pk, pj, pi] = patch;
    if (k > pk || j > pj || i > pi) throw new Error(`crop ${meta.shape} exceeds patch ${patch}`);
    const out = new Float32Array(MODALITIES * pk * pj * pi);
    for (let m = 0; m < MODALITIES; m++)
      for (let z = 0; z < k; z++)
        for (let y = 0; y < j; y++) {
          const s = ((m * k + z) * j + y) * i;
          out.set(src.subarray(s, s + i), ((m * pk + z) * pj + y) * pi);
        }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Stacks per-modality features [1, C, …] into a decoder input [B, 4, C, …]. */
function stack(per: readonly ort.Tensor[], batch: number): ort.Tensor {
  const n = per[0].data.length;
  const data = new Float32Array(n * MODALITIES * batch);
  for (let b = 0; b < batch; b++)
    per.forEach((t, m) => data.set(t.data as Float32Array, (b * MODALITIES + m) * n));
  return new ort.Tensor('float32', data, [batch, MODALITIES, ...per[0].dims.slice(1)]);
}

function subsetMasks(): number[][] {
  const masks: number[][] = [];
  for (let bits = 1; bits < 1 << MODALITIES; bits++)
    masks.push([0, 1, 2, 3].map((m) => (bits >> m) & 1));
  return masks;
}

async function main(): Promise<void> {
  const manifest = JSON.parse(
    await readFile(path.join(MODEL, 'manifest.json'), 'utf8'),
  ) as ModelManifest;
  const patch = manifest.inference.patchSize;
  const voxels = patch[0] * patch[1] * patch[2];
  const input = await loadInput(patch);
  const opts = { intraOpNumThreads: THREADS, interOpNumThreads: 1 };
  const enc = await ort.InferenceSession.create(path.join(MODEL, 'encoder.onnx'), opts);
  const dec = await ort.InferenceSession.create(path.join(MODEL, 'decoder.onnx'), opts);
  const names = manifest.graphs.featureNames;
  const masks = subsetMasks();
  const times = {
    encode4: [] as number[],
    decode1: [] as number[],
    loop15: [] as number[],
    batch15: [] as number[],
  };
  for (let run = 0; run <= RUNS; run++) {
    let t = performance.now();
    const feats: Record<string, ort.Tensor>[] = [];
    for (let m = 0; m < MODALITIES; m++) {
      const image = new ort.Tensor('float32', input.subarray(m * voxels, (m + 1) * voxels), [
        1,
        1,
        ...patch,
      ]);
      feats.push(await enc.run({ image }));
    }
    const encode4 = performance.now() - t;
    const presence = (rows: number[][]): ort.Tensor =>
      new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, MODALITIES]);
    const stacked = (batch: number): Record<string, ort.Tensor> =>
      Object.fromEntries(
        names.map((n) => [
          n,
          stack(
            feats.map((x) => x[n]),
            batch,
          ),
        ]),
      );
    // Like the engine: the features are stacked once and only `present` changes per subset.
    const single = stacked(1);
    t = performance.now();
    await dec.run({ ...single, present: presence([[1, 1, 1, 1]]) });
    const decode1 = performance.now() - t;
    t = performance.now();
    for (const mask of masks) await dec.run({ ...single, present: presence([mask]) });
    const loop15 = performance.now() - t;
    t = performance.now();
    await dec.run({ ...stacked(SUBSETS), present: presence(masks) });
    const batch15 = performance.now() - t;
    if (run === 0) continue; // warm-up
    times.encode4.push(encode4);
    times.decode1.push(decode1);
    times.loop15.push(loop15);
    times.batch15.push(batch15);
  }
  const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<
    keyof typeof times,
    number
  >;
  const segment = med.encode4 + med.decode1;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const report = `# Model speed (onnxruntime-node ${ort.env.versions.common}, CPU)

Machine: ${cpu}, ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end
(shared with other jobs). Date: ${new Date().toISOString()}. Threads: ${THREADS}. Runs: ${RUNS} (median, after one warm-up).
Command: \`node bin/run-ts.mjs bench/model-speed.bench.ts\`. Case: ${path.basename(CASE)}, brain crop padded to the
patch ${patch.join('×')} (one window). Graphs: models/metakd-brats ${manifest.version} (encoder ${manifest.graphs.encoder.sha256.slice(0, 12)}…, decoder ${manifest.graphs.decoder.sha256.slice(0, 12)}…).

| step | ms (median) |
| --- | --- |
| encode the four modalities (4 × batch 1) | ${med.encode4.toFixed(0)} |
| decode one subset (all four) | ${med.decode1.toFixed(0)} |
| **one segmentation** = encode 4 + decode 1 (goal ≤ 3000) | **${segment.toFixed(0)}** |
| 15 subsets from cached encodings, one decode each | ${med.loop15.toFixed(0)} |
| 15 subsets from cached encodings, one batch (B = 15) | ${med.batch15.toFixed(0)} |
| decoder ÷ one encoder pass | ${(med.decode1 / (med.encode4 / MODALITIES)).toFixed(2)} |
| 15 decodes (best of loop/batch) ÷ one segmentation | ${(Math.min(med.loop15, med.batch15) / segment).toFixed(2)} |
| **readout ratio** = (encode 4 + 15 decodes, one each) ÷ one segmentation (issue 4 goal ≤ 2) | **${((med.encode4 + med.loop15) / segment).toFixed(2)}** |
`;
  await writeFile(path.join(repoRoot, 'bench', 'results', 'model-speed.md'), report);
  console.log(report);
}

await main();
