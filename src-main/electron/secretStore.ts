/**
 * The secret store of the desktop app (issue 12): PACS passwords and tokens sealed with Electron's
 * `safeStorage` (macOS Keychain, Windows DPAPI, libsecret/kwallet on Linux) in
 * <data dir>/secrets.keystore.json (0600). Where safeStorage has no real key store (Linux without
 * a secret service reports the "basic_text" backend, a hard-coded key) the plain 0600 file is used
 * instead, as the command line does: a fixed key would only pretend to protect.
 * Wiring (main.ts): `createApiService({ ...serviceOptions(), secrets: createSecretStore(dataDir) })`
 * after `app.whenReady()` (safeStorage needs a ready app on Linux and Windows).
 */
import { safeStorage } from 'electron';
import { FileSecretStore, type SecretStore } from '../api/service.ts';

/** The OS key store when Electron has a real one, else the 0600 file fallback. */
export function createSecretStore(dataDir: string): SecretStore {
  const backend =
    process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os-native';
  if (!safeStorage.isEncryptionAvailable() || backend === 'basic_text') {
    return new FileSecretStore(dataDir);
  }
  return new FileSecretStore(dataDir, {
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (sealed) => safeStorage.decryptString(sealed),
  });
}
