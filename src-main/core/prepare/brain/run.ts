/**
 * Running MindGrab with onnxruntime-node: the model folder's manifest (zod-validated, sha256
 * checked), an InferenceSession on the first provider that opens and passes a self-test (the
 * tumour model's provider order, skip rules and 1e-3 agreement with the CPU; core/inference/
 * providers.ts). I/O; runs inside the worker of runInWorker.ts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { z } from '../../zod.ts';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { sha256File } from '../../model/loadManifest.ts';
import { firstWorkingProvider } from '../../inference/providerFallback.ts';
import type { ProviderAttempt, ProviderChoice, ProviderName } from '../../inference/providers.ts';
import type { Vec3 } from '../../volume/Geometry.ts';
import { defaultModelsDir } from '../modelsDir.ts';

// Failed provider tries are reported in ProviderAttempt; keep onnxruntime's global log quiet
// (the same setting core/inference/modelRunner.ts makes).
ort.env.logLevel = 'fatal';

/** Self-test input edge (voxels): small, yet every layer runs. */
const SELF_TEST_EDGE = 8;

/** The fields of models/mindgrab/manifest.json the engine relies on (convert.py writes it). */
const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.literal('mindgrab'),
  graph: z.object({
    path: z.string().check(z.minLength(1)),
    sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/i)),
    input: z.string().check(z.minLength(1)),
    output: z.string().check(z.minLength(1)),
  }),
  source: z.object({ commit: z.string() }),
  citation: z.string(),
});

/** The model folder this checkout ships (…/models/mindgrab), or $METAKD_MODELS/mindgrab. */
export function defaultBrainModelDir(): string {
  return path.join(defaultModelsDir(import.meta.url, 4), 'mindgrab');
}

/** A loaded, checksum-verified brain-extraction model. */
export interface BrainModel {
  readonly graphPath: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly manifestPath: string;
}

/** Reads the manifest and verifies the graph's sha256 (a swapped or corrupt file never runs). */
export async function loadBrainModel(modelDir: string): Promise<BrainModel> {
  const manifestPath = path.resolve(modelDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new MetaKdError(ErrorCode.ModelInvalid, 'brain-extraction manifest not found.', {
      file: manifestPath,
    });
  }
  let parsed;
  try {
    parsed = manifestSchema.safeParse(JSON.parse(await readFile(manifestPath, 'utf8')));
  } catch (e) {
    throw new MetaKdError(ErrorCode.ModelInvalid, 'manifest is not valid JSON.', {
      file: manifestPath,
      cause: e,
    });
  }
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new MetaKdError(ErrorCode.ModelInvalid, `manifest does not match: ${issues}`, {
      file: manifestPath,
    });
  }
  const graphPath = path.resolve(modelDir, parsed.data.graph.path);
  if (!existsSync(graphPath)) {
    throw new MetaKdError(ErrorCode.ModelInvalid, 'brain-extraction graph is missing.', {
      file: graphPath,
    });
  }
  const actual = await sha256File(graphPath);
  if (actual !== parsed.data.graph.sha256.toLowerCase()) {
    throw new MetaKdError(
      ErrorCode.ModelChecksum,
      `sha256 ${actual} does not match the manifest (${parsed.data.graph.sha256}); ` +
        'the model file is corrupt or was replaced. Reinstall it (models/mindgrab/convert.py).',
      { file: graphPath },
    );
  }
  return {
    graphPath,
    inputName: parsed.data.graph.input,
    outputName: parsed.data.graph.output,
    manifestPath,
  };
}

/** An open session on one provider. */
export interface BrainSession {
  readonly provider: ProviderName;
  readonly attempts: readonly ProviderAttempt[];
  /**
   * Logits [2, k, j, i] for an i-fastest float32 volume of size [k, j, i]. onnxruntime-node's
   * run blocks the JS thread until it is done (measured: no timer fires during it), so a
   * cancellable caller runs it in a worker (brainWorkerBody.ts) and terminates that.
   */
  run(input: Float32Array, sizeKji: Vec3): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Session options. graphOptimizationLevel "all" is the cheapest level measured on the 1.5 mm
 * TCGA input (session.run CPU, 1 / 2 threads: disabled 23.3 / 25.0 s, basic 20.7 / 23.2 s,
 * all 19.4 / 21.0 s; bench/results/brain-extraction.md).
 */
function sessionOptions(
  provider: ProviderName,
  threads?: number,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 4,
    // No spin-waiting between operators: the network shares the two cores with elastix
    // (co-registration runs beside it), and a spinning thread takes the core elastix needs.
    // onnxruntime-node flattens this to the config key session.intra_op.allow_spinning.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

function selfTestInput(): Float32Array {
  const n = SELF_TEST_EDGE ** 3;
  const out = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x / 2 ** 32;
  }
  return out;
}

async function runOnce(
  session: ort.InferenceSession,
  model: BrainModel,
  input: Float32Array,
  s: Vec3,
): Promise<Float32Array> {
  const out = await session.run({
    [model.inputName]: new ort.Tensor('float32', input, [1, 1, s[0], s[1], s[2]]),
  });
  const t = out[model.outputName];
  if (!t || !(t.data instanceof Float32Array) || t.data.length !== 2 * s[0] * s[1] * s[2]) {
    throw new MetaKdError(
      ErrorCode.ModelInvalid,
      `graph output "${model.outputName}" is missing or has the wrong size.`,
      { file: model.graphPath },
    );
  }
  return t.data;
}

/**
 * Opens a session on the first provider (providerOrder) that passes its self-test; a GPU
 * provider must also agree with the CPU (providerFallback.ts). Throws ProviderFailed listing
 * every try.
 */
export async function openBrainSession(
  model: BrainModel,
  choice: ProviderChoice = 'auto',
  threads?: number,
  signal?: AbortSignal,
): Promise<BrainSession> {
  const probe = selfTestInput();
  const edge: Vec3 = [SELF_TEST_EDGE, SELF_TEST_EDGE, SELF_TEST_EDGE];
  const found = await firstWorkingProvider<ort.InferenceSession>(
    choice,
    {
      open: (provider) =>
        ort.InferenceSession.create(model.graphPath, sessionOptions(provider, threads)),
      selfTest: (session) => runOnce(session, model, probe, edge),
      release: (session) => session.release(),
    },
    'brain-extraction model',
    signal,
  );
  return makeSession(found.opened, model, found.provider, found.attempts);
}

function makeSession(
  session: ort.InferenceSession,
  model: BrainModel,
  provider: ProviderName,
  attempts: readonly ProviderAttempt[],
): BrainSession {
  return {
    provider,
    attempts,
    run(input, sizeKji) {
      return runOnce(session, model, input, sizeKji);
    },
    release() {
      return session.release();
    },
  };
}
