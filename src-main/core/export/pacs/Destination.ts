/**
 * PACS destinations: DIMSE (C-ECHO/C-STORE) and DICOMweb (QIDO-RS/STOW-RS), their zod schemas
 * (the config file is data entering the app) and the store that keeps them as JSON in the data
 * folder, written atomically. Credentials are stored in that file, which is created mode 0600.
 */
import { readFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { writeJsonAtomic } from '../../io/atomicWrite.ts';

/** Default network timeout (ms) for a destination. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Calling AE title we use unless configured. */
export const DEFAULT_CALLING_AE = 'METAKD';

const aeTitle = z
  .string()
  .min(1)
  .max(16)
  .regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'AE titles are 1–16 printable ASCII characters without "\\"')
  .refine((s) => s.trim().length > 0, 'AE title must not be blank');

/** A DIMSE destination. */
export const dimseDestinationSchema = z.object({
  kind: z.literal('dimse'),
  name: z.string().min(1).max(64),
  calledAeTitle: aeTitle,
  callingAeTitle: aeTitle.default(DEFAULT_CALLING_AE),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  timeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_TIMEOUT_MS),
});

/** A DICOMweb destination. */
export const dicomWebDestinationSchema = z.object({
  kind: z.literal('dicomweb'),
  name: z.string().min(1).max(64),
  /** Base URL of the DICOMweb service, e.g. https://pacs.example/dicom-web */
  baseUrl: z.url({ protocol: /^https?$/ }),
  auth: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('none') }),
      z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }),
      z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
    ])
    .default({ type: 'none' }),
  tls: z
    .object({
      /** Verify the server certificate (default true). */
      rejectUnauthorized: z.boolean().default(true),
      /** PEM file with extra CA certificates to trust. */
      caFile: z.string().optional(),
    })
    .default({ rejectUnauthorized: true }),
  timeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_TIMEOUT_MS),
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

/** Reads and writes the destinations file. */
export class DestinationStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = destinationsFile(dataDir);
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
    const parsed = fileSchema.safeParse(JSON.parse(text));
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

  /** Adds or replaces (by name) a destination; returns it parsed. */
  async save(input: DestinationInput): Promise<Destination> {
    const parsed = destinationSchema.safeParse(input);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new MetaKdError(ErrorCode.InvalidArgument, `Invalid destination: ${msg}`);
    }
    const all = (await this.list()).filter((d) => d.name !== parsed.data.name);
    all.push(parsed.data);
    await writeJsonAtomic(this.file, { version: 1, destinations: all });
    await chmod(this.file, 0o600);
    return parsed.data;
  }

  /** Removes a destination; true when it existed. */
  async remove(name: string): Promise<boolean> {
    const all = await this.list();
    const rest = all.filter((d) => d.name !== name);
    if (rest.length === all.length) return false;
    await writeJsonAtomic(this.file, { version: 1, destinations: rest });
    return true;
  }
}
