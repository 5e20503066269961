/**
 * The model runner: onnxruntime-node sessions for the encoder and decoder on one execution
 * provider, chosen by trying providers in order, self-testing each on a tiny input and falling
 * back on failure. Every try is recorded (ProviderAttempt) so the report says which provider ran
 * and why. Tensor layout [B, C, k, j, i] (MODEL_PIPELINE.md §6, §9).
 */
import ort from 'onnxruntime-node';
import { ErrorCode, MetaKdError } from '../errors.ts';
import type { LoadedModel } from '../model/loadManifest.ts';
import type { Vec3 } from '../volume/Geometry.ts';
import { firstWorkingProvider } from './providerFallback.ts';
import type { ProviderAttempt, ProviderChoice, ProviderName } from './providers.ts';

/** Seed of the deterministic self-test input. */
const SELF_TEST_SEED = 12345;

/** One feature level: data and its spatial size [k, j, i] (channels from the manifest). */
export interface FeatureLevel {
  readonly data: Float32Array;
  readonly sizeKji: Vec3;
}

/** Runs the two graphs. Sizes are [k, j, i]. */
export interface ModelRunner {
  /** The provider the sessions run on. */
  readonly provider: ProviderName;
  /** Every provider tried, in order, with the reason it was or was not used. */
  readonly attempts: readonly ProviderAttempt[];
  /**
   * Encoder: `batch` single-modality images [batch,1,k,j,i] → one array per feature level. With
   * `into` (one array per level, each exactly that level's output size) the features are written
   * there; a runner that cannot may return new arrays instead, and the caller copies.
   */
  encode(
    images: Float32Array,
    batch: number,
    sizeKji: Vec3,
    into?: readonly FeatureLevel[],
  ): Promise<FeatureLevel[]>;
  /** Decoder: stacked features per level [batch,4,C_l,…] + present [batch,4] → probs [batch,3,k,j,i]. */
  decode(
    features: readonly FeatureLevel[],
    present: Float32Array,
    batch: number,
    sizeKji: Vec3,
  ): Promise<Float32Array>;
  /** Frees the native sessions. */
  release(): Promise<void>;
}

/** Options of createModelRunner. */
export interface RunnerOptions {
  /** "auto" (default) or a forced provider. */
  readonly provider?: ProviderChoice;
  /** CPU threads for onnxruntime (default: its own choice). */
  readonly threads?: number;
}

type Session = ort.InferenceSession;
// Failed provider tries are reported in ProviderAttempt; keep onnxruntime's global log quiet too.
ort.env.logLevel = 'fatal';

function sessionOptions(
  provider: ProviderName,
  threads?: number,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // Failed provider tries are reported in ProviderAttempt; keep onnxruntime's own log quiet.
    logSeverityLevel: 4,
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

function asFloat32(t: ort.Tensor | undefined, name: string): Float32Array {
  if (!t || !(t.data instanceof Float32Array)) {
    throw new MetaKdError(
      ErrorCode.ModelInvalid,
      `graph output "${name}" is missing or not float32.`,
    );
  }
  return t.data;
}

class OrtRunner implements ModelRunner {
  readonly attempts: ProviderAttempt[] = [];
  constructor(
    readonly provider: ProviderName,
    private readonly model: LoadedModel,
    private readonly encoder: Session,
    private readonly decoder: Session,
  ) {}

  async encode(
    images: Float32Array,
    batch: number,
    s: Vec3,
    into?: readonly FeatureLevel[],
  ): Promise<FeatureLevel[]> {
    const g = this.model.manifest.graphs;
    const image = new ort.Tensor('float32', images, [batch, 1, s[0], s[1], s[2]]);
    if (into) {
      // Pre-allocated outputs: onnxruntime writes each level straight into the caller's slot.
      const fetches: Record<string, ort.Tensor> = {};
      g.featureNames.forEach((n, l) => {
        const [k, j, i] = into[l].sizeKji;
        fetches[n] = new ort.Tensor('float32', into[l].data, [
          batch,
          g.featureChannels[l],
          k,
          j,
          i,
        ]);
      });
      await this.encoder.run({ image }, fetches);
      return [...into];
    }
    const out = await this.encoder.run({ image });
    return g.featureNames.map((n) => {
      const dims = out[n]?.dims ?? [];
      return { data: asFloat32(out[n], n), sizeKji: [dims[2], dims[3], dims[4]] as Vec3 };
    });
  }

  async decode(
    features: readonly FeatureLevel[],
    present: Float32Array,
    batch: number,
    _sizeKji: Vec3,
  ): Promise<Float32Array> {
    const g = this.model.manifest.graphs;
    const feeds: Record<string, ort.Tensor> = {
      present: new ort.Tensor('float32', present, [batch, 4]),
    };
    g.featureNames.forEach((name, l) => {
      const [fk, fj, fi] = features[l].sizeKji;
      feeds[name] = new ort.Tensor('float32', features[l].data, [
        batch,
        4,
        g.featureChannels[l],
        fk,
        fj,
        fi,
      ]);
    });
    const out = await this.decoder.run(feeds);
    return asFloat32(out.probs, 'probs');
  }

  async release(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
  }
}

/** Deterministic pseudo-random values in [-1, 1) (self-test input). */
function selfTestInput(n: number): Float32Array {
  const out = new Float32Array(n);
  let x = SELF_TEST_SEED;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

/** Runs both graphs on a tiny input (all four modalities, then three); returns the probs. */
export async function selfTest(runner: ModelRunner, sizeMultiple: number): Promise<Float32Array> {
  const s: Vec3 = [sizeMultiple, sizeMultiple, sizeMultiple];
  const n = s[0] * s[1] * s[2];
  const feats = await runner.encode(selfTestInput(4 * n), 4, s);
  // Decoder input for batch 2: item 0 all present, item 1 with the second modality missing.
  const stacked = feats.map((f) => {
    const out = new Float32Array(2 * f.data.length);
    out.set(f.data, 0);
    out.set(f.data, f.data.length);
    return { data: out, sizeKji: f.sizeKji };
  });
  const present = Float32Array.from([1, 1, 1, 1, 1, 0, 1, 1]);
  const probs = await runner.decode(stacked, present, 2, s);
  if (probs.length !== 2 * 3 * n) {
    throw new Error(`self-test: probs has ${probs.length} values, expected ${2 * 3 * n}`);
  }
  for (const v of probs) {
    if (!(v >= 0 && v <= 1)) throw new Error(`self-test: probability ${v} outside [0, 1]`);
  }
  return probs;
}

async function openRunner(
  model: LoadedModel,
  provider: ProviderName,
  threads?: number,
): Promise<OrtRunner> {
  const opts = sessionOptions(provider, threads);
  const encoder = await ort.InferenceSession.create(model.encoderPath, opts);
  try {
    const decoder = await ort.InferenceSession.create(model.decoderPath, opts);
    return new OrtRunner(provider, model, encoder, decoder);
  } catch (e) {
    await encoder.release();
    throw e;
  }
}

/**
 * Creates a runner on the first provider (in `providerOrder`) that opens and passes its
 * self-test; a GPU provider must also agree with the CPU (providerFallback.ts). Throws
 * ProviderFailed listing every attempt when none works.
 */
export async function createModelRunner(
  model: LoadedModel,
  options: RunnerOptions = {},
): Promise<ModelRunner> {
  const multiple = model.manifest.inference.sizeMultiple;
  const found = await firstWorkingProvider<OrtRunner>(
    options.provider ?? 'auto',
    {
      open: (provider) => openRunner(model, provider, options.threads),
      selfTest: (runner) => selfTest(runner, multiple),
      release: (runner) => runner.release(),
    },
    'model',
  );
  found.opened.attempts.push(...found.attempts);
  return found.opened;
}
