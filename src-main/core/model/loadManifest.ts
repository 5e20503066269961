/**
 * Loading a model: reads `manifest.json`, validates its shape against the contract in
 * Manifest.ts (zod), resolves the graph files and verifies their sha256. I/O + validation.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from '../zod.ts';
import { ErrorCode, MetaKdError } from '../errors.ts';
import type { ModelManifest } from './Manifest.ts';

const slot = z.enum(['flair', 't1', 't1ce', 't2']);
const dice = z.object({ et: z.number(), tc: z.number(), wt: z.number() });
const vec3 = z.tuple([
  z.number().check(z.positive()),
  z.number().check(z.positive()),
  z.number().check(z.positive()),
]);
const intVec3 = z.tuple([
  z.int().check(z.positive()),
  z.int().check(z.positive()),
  z.int().check(z.positive()),
]);
const file = z.object({
  path: z.string().check(z.minLength(1)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/i, 'must be 64 hex digits')),
  bytes: z.int().check(z.nonnegative()),
});
const table = z.object({
  rows: z.array(
    z.object({
      modalities: z.array(slot).check(z.minLength(1)),
      dice,
      perCase: z.optional(z.record(z.string(), dice)),
    }),
  ),
  mean: dice,
});

/** zod schema of manifest.json (mirrors ModelManifest; unknown extra fields are tolerated). */
export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  method: z.string(),
  createdAt: z.string(),
  modalities: z.tuple([slot, slot, slot, slot]),
  input: z.object({
    spacingMm: vec3,
    orientation: z.literal('LPS'),
    resampling: z.literal('trilinear'),
    cropping: z.object({ type: z.literal('nonzero-bbox'), marginVoxels: z.int().check(z.gte(0)) }),
    normalisation: z.object({
      type: z.literal('zscore-nonzero'),
      clip: z.nullable(z.tuple([z.number(), z.number()])),
    }),
  }),
  inference: z.object({
    patchSize: intVec3,
    overlap: z.number().check(z.gte(0), z.lt(1)),
    gaussianSigmaScale: z.number().check(z.positive()),
    sizeMultiple: z.int().check(z.positive()),
  }),
  output: z.object({
    channels: z.tuple([z.literal('et'), z.literal('wt'), z.literal('tc')]),
    activation: z.literal('sigmoid'),
    threshold: z.number(),
    labels: z.object({ ncr: z.literal(1), ed: z.literal(2), et: z.literal(4) }),
    etMinVoxels: z.int().check(z.gte(0)),
  }),
  graphs: z.object({
    encoder: file,
    decoder: file,
    combined: z.optional(file),
    featureNames: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    featureChannels: z.array(z.int().check(z.positive())).check(z.minLength(1)),
    opset: z.int(),
  }),
  importance: z.object({ flair: z.number(), t1: z.number(), t1ce: z.number(), t2: z.number() }),
  training: z.object({
    data: z.string(),
    split: z.object({
      train: z.array(z.string()),
      metaVal: z.array(z.string()),
      val: z.array(z.string()),
    }),
    iterations: z.number(),
    hardware: z.string(),
    durationSeconds: z.number(),
    seed: z.number(),
    parameters: z.number(),
    notes: z.optional(z.string()),
  }),
  evaluation: z.object({
    protocol: z.string(),
    cases: z.array(z.string()),
    metakd: table,
    ablation: z.optional(table),
  }),
});

/** A manifest plus where its files are. */
export interface LoadedModel {
  readonly manifest: ModelManifest;
  /** Absolute path of manifest.json. */
  readonly manifestPath: string;
  /** Absolute paths of the graphs. */
  readonly encoderPath: string;
  readonly decoderPath: string;
}

/**
 * Reads and validates a manifest. `location` is a model folder or its manifest.json.
 * Throws MetaKdError ModelInvalid naming the file and the first problems.
 */
export async function loadManifest(location: string): Promise<LoadedModel> {
  const manifestPath = path.resolve(
    existsSync(location) && statSync(location).isDirectory()
      ? path.join(location, 'manifest.json')
      : location,
  );
  if (!existsSync(manifestPath)) {
    throw new MetaKdError(ErrorCode.ModelInvalid, 'model manifest not found.', {
      file: manifestPath,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw new MetaKdError(ErrorCode.ModelInvalid, 'manifest is not valid JSON.', {
      file: manifestPath,
      cause: e,
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new MetaKdError(
      ErrorCode.ModelInvalid,
      `manifest does not match the contract: ${issues}`,
      {
        file: manifestPath,
      },
    );
  }
  const manifest = parsed.data as ModelManifest;
  if (manifest.graphs.featureNames.length !== manifest.graphs.featureChannels.length) {
    throw new MetaKdError(
      ErrorCode.ModelInvalid,
      'graphs.featureNames and graphs.featureChannels differ in length.',
      { file: manifestPath },
    );
  }
  const dir = path.dirname(manifestPath);
  return {
    manifest,
    manifestPath,
    encoderPath: path.resolve(dir, manifest.graphs.encoder.path),
    decoderPath: path.resolve(dir, manifest.graphs.decoder.path),
  };
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * sha256 of files this process has hashed, by path, with the identity of the file it hashed
 * (size, mtime, ctime, inode). A worker that runs many jobs hashes each graph once (25–45 ms a
 * job before, issue 13); a file replaced or rewritten since (any of the four changes) is hashed
 * again. In memory only: a new process always verifies.
 */
const hashed = new Map<string, { readonly identity: string; readonly sha256: Promise<string> }>();

/** sha256File, answered from `hashed` while the file is unchanged. */
async function verifiedSha256(file: string): Promise<string> {
  const st = await stat(file, { bigint: true });
  const identity = `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.dev}`;
  const hit = hashed.get(file);
  if (hit?.identity === identity) return hit.sha256;
  const entry = { identity, sha256: sha256File(file) };
  hashed.set(file, entry);
  // A failed read is not remembered.
  entry.sha256.catch(() => {
    if (hashed.get(file) === entry) hashed.delete(file);
  });
  return entry.sha256;
}

/**
 * Verifies that each graph exists and that its sha256 matches the manifest. Throws
 * MetaKdError ModelChecksum naming the file (a corrupt or swapped model is never run).
 */
export async function verifyModelFiles(model: LoadedModel): Promise<void> {
  const pairs = [
    [model.encoderPath, model.manifest.graphs.encoder],
    [model.decoderPath, model.manifest.graphs.decoder],
  ] as const;
  for (const [abs, entry] of pairs) {
    if (!existsSync(abs)) {
      throw new MetaKdError(ErrorCode.ModelInvalid, 'model graph file is missing.', { file: abs });
    }
    const actual = await verifiedSha256(abs);
    if (actual.toLowerCase() !== entry.sha256.toLowerCase()) {
      throw new MetaKdError(
        ErrorCode.ModelChecksum,
        `sha256 ${actual} does not match the manifest (${entry.sha256}); the model file is ` +
          'corrupt or was replaced. Reinstall the model.',
        { file: abs },
      );
    }
  }
}

/** Short model identity used in reports: name, version and the decoder's sha256 prefix. */
export function modelIdentity(model: LoadedModel): {
  name: string;
  version: string;
  sha256: { encoder: string; decoder: string };
} {
  const g = model.manifest.graphs;
  return {
    name: model.manifest.name,
    version: model.manifest.version,
    sha256: { encoder: g.encoder.sha256, decoder: g.decoder.sha256 },
  };
}
