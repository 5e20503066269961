/**
 * Where credentials (PACS passwords and tokens) are kept, apart from the settings that name them:
 * a small key → secret map. Core provides the file-backed store: a JSON file 0600 in the data
 * folder, optionally encrypted by a cipher the host supplies (Electron's `safeStorage`, which uses
 * the OS key store: Keychain, DPAPI, libsecret/kwallet). Without a cipher the file is the fallback
 * the issue asks for: readable by the user only, like ~/.netrc or ~/.docker/config.json.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { writeJsonAtomic } from '../io/atomicWrite.ts';

/** A key → secret store. Keys are ours (e.g. "pacs-destination:main"); values are secrets. */
export interface SecretStore {
  /** "os-keystore" when secrets are encrypted by the OS key store, "file" for the plain fallback. */
  readonly kind: 'os-keystore' | 'file';
  /** The secret under `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` (replacing any). */
  set(key: string, value: string): Promise<void>;
  /** Removes `key` (no error when absent). */
  delete(key: string): Promise<void>;
}

/** Encrypts secrets at rest (Electron: safeStorage.encryptString / decryptString). */
export interface SecretCipher {
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

/** The plain fallback file (0600) in the data folder. */
export const SECRETS_FILE = 'secrets.json';
/** The file of secrets sealed by the host's cipher (the OS key store). */
export const SEALED_SECRETS_FILE = 'secrets.keystore.json';

interface SecretsFile {
  readonly version: 1;
  readonly secrets: Record<string, string>;
}

async function readSecrets(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  const json = JSON.parse(text) as Partial<SecretsFile>;
  if (json.version !== 1 || typeof json.secrets !== 'object' || json.secrets === null) {
    throw new MetaKdError(ErrorCode.InvalidArgument, 'the secrets file is invalid.', { file });
  }
  return { ...json.secrets };
}

/**
 * Secrets in the data folder, 0600: sealed by `cipher` in secrets.keystore.json when one is given,
 * else plain in secrets.json. A sealed store still reads a key it lacks from the plain file (a
 * password saved by the command line, which has no key store) and, when it stores that key, takes
 * it out of the plain file.
 */
export class FileSecretStore implements SecretStore {
  readonly kind: SecretStore['kind'];
  readonly file: string;
  readonly #plainFile: string;
  readonly #cipher: SecretCipher | undefined;
  /** Writes run one after another so two quick saves cannot lose one another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, cipher?: SecretCipher) {
    this.#plainFile = path.join(dataDir, SECRETS_FILE);
    this.file = cipher ? path.join(dataDir, SEALED_SECRETS_FILE) : this.#plainFile;
    this.#cipher = cipher;
    this.kind = cipher ? 'os-keystore' : 'file';
  }

  async get(key: string): Promise<string | undefined> {
    await this.#queue;
    const own = (await readSecrets(this.file))[key];
    if (own !== undefined) {
      return this.#cipher ? this.#cipher.decrypt(Buffer.from(own, 'base64')) : own;
    }
    return this.#cipher ? (await readSecrets(this.#plainFile))[key] : undefined;
  }

  set(key: string, value: string): Promise<void> {
    const sealed = this.#cipher ? this.#cipher.encrypt(value).toString('base64') : value;
    return this.#update(this.file, (s) => {
      s[key] = sealed;
    }).then(() => (this.#cipher ? this.#dropPlain(key) : undefined));
  }

  async delete(key: string): Promise<void> {
    await this.#update(this.file, (s) => {
      delete s[key];
    });
    if (this.#cipher) await this.#dropPlain(key);
  }

  async #dropPlain(key: string): Promise<void> {
    if ((await readSecrets(this.#plainFile))[key] === undefined) return;
    await this.#update(this.#plainFile, (s) => {
      delete s[key];
    });
  }

  #update(file: string, change: (secrets: Record<string, string>) => void): Promise<void> {
    const run = this.#queue.then(async () => {
      const secrets = await readSecrets(file);
      change(secrets);
      const out: SecretsFile = { version: 1, secrets };
      await writeJsonAtomic(file, out, { what: 'the secrets file' });
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
