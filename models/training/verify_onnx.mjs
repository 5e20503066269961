// Runs exported encoder.onnx + decoder.onnx in onnxruntime-node (CPU) for export.py's check
// against PyTorch. Usage: node verify_onnx.mjs <graph-dir> <input.bin> <k> <j> <i> <presence-json> <out.bin>
// input.bin: float32 [4,k,j,i]; the four modalities are encoded as one batch of 4; the decoder
// runs once with one row per presence vector (dynamic batch). Writes probs float32 [B,3,k,j,i].
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const [dir, input, k, j, i, presenceJson, out] = process.argv.slice(2);
const shape = [Number(k), Number(j), Number(i)];
const n = shape[0] * shape[1] * shape[2];
const buf = readFileSync(input);
const image = new Float32Array(buf.buffer, buf.byteOffset, 4 * n);
const opts = { intraOpNumThreads: 2, interOpNumThreads: 1 };
const enc = await ort.InferenceSession.create(path.join(dir, 'encoder.onnx'), opts);
const dec = await ort.InferenceSession.create(path.join(dir, 'decoder.onnx'), opts);
const feats = await enc.run({ image: new ort.Tensor('float32', image, [4, 1, ...shape]) });
const presence = JSON.parse(presenceJson);
const b = presence.length;
const feeds = { present: new ort.Tensor('float32', Float32Array.from(presence.flat()), [b, 4]) };
for (const name of enc.outputNames) {
  const f = feats[name];
  const per = f.data.length; // [4, C, …] = one batch row of the decoder input
  const data = new Float32Array(per * b);
  for (let r = 0; r < b; r++) data.set(f.data, r * per);
  feeds[name] = new ort.Tensor('float32', data, [b, ...f.dims]);
}
const probs = (await dec.run(feeds)).probs;
writeFileSync(out, Buffer.from(probs.data.buffer, probs.data.byteOffset, probs.data.byteLength));
console.log(JSON.stringify({ dims: probs.dims }));
