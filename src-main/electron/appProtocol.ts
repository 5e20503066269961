/**
 * The `app://` scheme the window loads the renderer from, instead of file:// (Electron security
 * checklist §18: a file:// page may read any local file its URL can name). Pure functions: the
 * URL → file mapping, contained in the renderer folder; main.ts registers the handler.
 */
import path from 'node:path';

/** Scheme and host of the app page: the page's origin is `app://metakd`. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'metakd';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page the window opens. */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges of the scheme (protocol.registerSchemesAsPrivileged): standard (relative URLs and an
 * origin, so CSP 'self' means our files), secure (a secure context, as file:// was), fetch for the
 * renderer's wasm and worker loads; no service workers, no CORS bypass.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
} as const;

/**
 * The file under `rendererDir` that `url` names, or null when the URL is not ours (other scheme or
 * host), is malformed, or would leave the folder (`..`, encoded separators, absolute paths).
 */
export function resolveAppPath(url: string, rendererDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null; // malformed percent-encoding
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, '.' + rel);
  return file.startsWith(root + path.sep) ? file : null;
}

/**
 * True when `url` is on app://metakd, whatever its path, hash or query. (Node's URL gives a
 * custom scheme the origin "null", so scheme and host are compared instead.)
 */
export function isAppPageUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** What the window may load: our scheme and in-page data/blob URLs (and DevTools in development). */
export function isAllowedRequestUrl(url: string, devTools: boolean): boolean {
  if (/^(data|blob):/.test(url)) return true;
  if (devTools && url.startsWith('devtools:')) return true;
  return isAppPageUrl(url);
}
