/**
 * PACS destinations: DIMSE (C-ECHO/C-STORE) and DICOMweb (QIDO-RS/STOW-RS), their zod schemas
 * (the config file is data entering the app) and the store that keeps them as JSON in the data
 * folder, written atomically and 0600 from creation. Passwords and tokens are not in that file but
 * in a SecretStore (the OS key store under Electron, else a 0600 secrets file); a file written by
 * an older version with inline secrets is still read, and loses them at the next save.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from '../../zod.ts';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { writeJsonAtomic } from '../../io/atomicWrite.ts';
import { FileSecretStore, type SecretStore } from '../../secrets/SecretStore.ts';

/** Default network timeout (ms) for a destination. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Calling AE title we use unless configured. */
export const DEFAULT_CALLING_AE = 'METAKD';

const aeTitle = z.string().check(
  z.minLength(1),
  z.maxLength(16),
  z.regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'AE titles are 1–16 printable ASCII characters without "\\"'),
  z.refine((s) => s.trim().length > 0, 'AE title must not be blank'),
);

/** A DIMSE destination. */
export const dimseDestinationSchema = z.object({
  kind: z.literal('dimse'),
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  calledAeTitle: aeTitle,
  callingAeTitle: z._default(aeTitle, DEFAULT_CALLING_AE),
  host: z.string().check(z.minLength(1)),
  port: z.int().check(z.gte(1), z.lte(65535)),
  timeoutMs: z._default(z.int().check(z.gte(100), z.lte(600_000)), DEFAULT_TIMEOUT_MS),
});

/** A DICOMweb destination. */
export const dicomWebDestinationSchema = z.object({
  kind: z.literal('dicomweb'),
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  /** Base URL of the DICOMweb service, e.g. https://pacs.example/dicom-web */
  baseUrl: z.url({ protocol: /^https?$/ }),
  auth: z._default(
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('none') }),
      z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }),
      z.object({ type: z.literal('bearer'), token: z.string().check(z.minLength(1)) }),
    ]),
    { type: 'none' },
  ),
  tls: z._default(
    z.object({
      /** Verify the server certificate (default true). */
      rejectUnauthorized: z._default(z.boolean(), true),
      /** PEM file with extra CA certificates to trust. */
      caFile: z.optional(z.string()),
    }),
    { rejectUnauthorized: true },
  ),
  timeoutMs: z._default(z.int().check(z.gte(100), z.lte(600_000)), DEFAULT_TIMEOUT_MS),
});

/** Any destination. */
export const destinationSchema = z.discriminatedUnion('kind', [
  dimseDestinationSchema,
  dicomWebDestinationSchema,
]);

/** A DIMSE destination (parsed, defaults filled). */
export type DimseDestination = z.output<typeof dimseDestinationSchema>;
/** A DICOMweb destination (parsed, defaults filled). */
export type DicomWebDestination = z.output<typeof dicomWebDestinationSchema>;
/** Any destination (parsed). */
export type Destination = z.output<typeof destinationSchema>;
/** A destination as callers write it (defaults optional). */
export type DestinationInput = z.input<typeof destinationSchema>;

const fileSchema = z.object({ version: z.literal(1), destinations: z.array(destinationSchema) });

/** The file destinations are kept in, inside the data folder. */
export function destinationsFile(dataDir: string): string {
  return path.join(dataDir, 'pacs-destinations.json');
}

/** A destination without its secrets (for lists shown to the user). */
export function redact(d: Destination): Destination {
  if (d.kind !== 'dicomweb' || d.auth.type === 'none') return d;
  return {
    ...d,
    auth:
      d.auth.type === 'basic'
        ? { ...d.auth, password: d.auth.password ? '********' : '' }
        : { ...d.auth, token: '********' },
  };
}

/** Key of a destination's secret in the SecretStore. */
export function secretKey(name: string): string {
  return `pacs-destination:${name}`;
}

/** The secret of a destination (password or token), or undefined when it has none. */
function secretOf(d: Destination): string | undefined {
  if (d.kind !== 'dicomweb') return undefined;
  if (d.auth.type === 'basic') return d.auth.password || undefined;
  if (d.auth.type === 'bearer') return d.auth.token;
  return undefined;
}

/** A destination as written to the file: secrets left out (they are in the SecretStore). */
type StoredDestination = Record<string, unknown> & { name?: unknown; kind?: unknown };

function withoutSecret(d: Destination): StoredDestination {
  if (d.kind !== 'dicomweb' || d.auth.type === 'none') return d;
  const auth =
    d.auth.type === 'basic'
      ? { type: 'basic', username: d.auth.username }
      : { type: 'bearer' as const };
  return { ...d, auth };
}

/** Reads and writes the destinations file; secrets go through a SecretStore. */
export class DestinationStore {
  readonly file: string;
  readonly #secrets: SecretStore;

  constructor(dataDir: string, secrets: SecretStore = new FileSecretStore(dataDir)) {
    this.file = destinationsFile(dataDir);
    this.#secrets = secrets;
  }

  /** Puts the stored secret back into a destination read from the file (inline ones win: old files). */
  async #withSecret(raw: StoredDestination): Promise<StoredDestination> {
    const auth = raw.auth as Record<string, unknown> | undefined;
    if (raw.kind !== 'dicomweb' || !auth || typeof raw.name !== 'string') return raw;
    const field = auth.type === 'basic' ? 'password' : auth.type === 'bearer' ? 'token' : null;
    if (!field || typeof auth[field] === 'string') return raw;
    const secret = await this.#secrets.get(secretKey(raw.name));
    if (secret === undefined && field === 'token') {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `the token of PACS destination "${raw.name}" is not in the ${this.#secrets.kind === 'file' ? 'secrets file' : 'key store'}; enter it again.`,
        { file: this.file },
      );
    }
    return { ...raw, auth: { ...auth, [field]: secret ?? '' } };
  }

  /** All destinations (empty when the file does not exist yet). */
  async list(): Promise<Destination[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const json = JSON.parse(text) as { destinations?: unknown };
    if (Array.isArray(json?.destinations)) {
      json.destinations = await Promise.all(
        json.destinations.map((d: StoredDestination) =>
          d && typeof d === 'object' ? this.#withSecret(d) : d,
        ),
      );
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `the destinations file is invalid (${parsed.error.issues[0]?.message ?? 'bad format'}); fix or delete it.`,
        { file: this.file },
      );
    }
    return parsed.data.destinations;
  }

  /** The destination called `name`, or NotFound naming the ones that exist. */
  async get(name: string): Promise<Destination> {
    const all = await this.list();
    const d = all.find((x) => x.name === name);
    if (!d) {
      const known = all.map((x) => x.name).join(', ') || 'none configured';
      throw new MetaKdError(
        ErrorCode.NotFound,
        `No PACS destination named "${name}" (known: ${known}).`,
      );
    }
    return d;
  }

  /** Writes the file (0600 from creation: atomicWrite) with every secret left out. */
  async #write(all: readonly Destination[]): Promise<void> {
    await writeJsonAtomic(this.file, { version: 1, destinations: all.map(withoutSecret) });
  }

  /** Adds or replaces (by name) a destination; returns it parsed. */
  async save(input: DestinationInput): Promise<Destination> {
    const parsed = destinationSchema.safeParse(input);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new MetaKdError(ErrorCode.InvalidArgument, `Invalid destination: ${msg}`);
    }
    const all = (await this.list()).filter((d) => d.name !== parsed.data.name);
    all.push(parsed.data);
    // Secrets first: a crash in between leaves a stored secret and the old file, never a file
    // that names a secret nobody stored.
    for (const d of all) {
      const secret = secretOf(d);
      if (secret !== undefined) await this.#secrets.set(secretKey(d.name), secret);
      else if (d.name === parsed.data.name) await this.#secrets.delete(secretKey(d.name));
    }
    await this.#write(all);
    return parsed.data;
  }

  /** Removes a destination (and its secret); true when it existed. */
  async remove(name: string): Promise<boolean> {
    const all = await this.list();
    const rest = all.filter((d) => d.name !== name);
    if (rest.length === all.length) return false;
    await this.#write(rest);
    await this.#secrets.delete(secretKey(name));
    return true;
  }
}
