/**
 * The renderer's one way to the api (DESIGN.md: "talks only to the api through one bridge"):
 * IPC through the preload's `window.metakd` in Electron, HTTP + server-sent events in web mode.
 * Both give the same typed `ReviewApi`; errors arrive as ApiCallError with the code, message and
 * the file concerned.
 */
import type { ApiErrorDto, ApiEvent, ReviewApi } from '../../src-main/api/contract.ts';

/** What a native path dialog picks: a study folder or file, or an export's output folder. */
export type PathKind = 'folder' | 'file' | 'outputFolder';

/** What the Electron preload exposes on `window.metakd` (kept in step with electron/preload.ts). */
export interface PreloadBridge {
  /** Calls an api method; resolves to `{ok: true, result}` or `{ok: false, error}`. */
  invoke(
    name: string,
    params: unknown,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: ApiErrorDto }>;
  /** Subscribes to api events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Native open dialog: a folder, a file or an export's output folder; null when cancelled. */
  openPath(kind: PathKind): Promise<string | null>;
  /** File menu → Open; returns the unsubscribe function. */
  onMenuOpen?(listener: (kind: 'folder' | 'file') => void): () => void;
  /** Path of a dropped file (Electron's webUtils.getPathForFile); absent in browsers. */
  pathForFile?(file: File): string | null;
  /** Names of the api methods (from the contract, via main). */
  readonly methods: readonly string[];
}

declare global {
  interface Window {
    metakd?: PreloadBridge;
  }
}

/** An api error as the renderer sees it. */
export class ApiCallError extends Error {
  readonly code: string;
  readonly file?: string;
  constructor(dto: ApiErrorDto) {
    super(dto.message);
    this.name = 'ApiCallError';
    this.code = dto.code;
    this.file = dto.file;
  }
}

/** A transport under the typed api. */
export interface Transport {
  readonly kind: 'electron' | 'web';
  invoke(name: string, params: unknown): Promise<unknown>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Native path picker (Electron only). */
  openPath?(kind: PathKind): Promise<string | null>;
  /** File menu → Open (Electron only). */
  onMenuOpen?(listener: (kind: 'folder' | 'file') => void): () => void;
}

/** Header carrying a binary result's other fields (server/binaryResult.ts). */
const BINARY_META_HEADER = 'X-MetaKD-Meta';
/** sessionStorage key of the web-mode token, so a page reload keeps working. */
const TOKEN_KEY = 'metakd.token';

/** Reads the token from `#token=…` (then hides it from the address bar) or sessionStorage. */
function takeToken(): string {
  const m = /token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return m[1];
  }
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (!saved) {
    throw new ApiCallError({
      code: 'UNAUTHORIZED',
      message:
        'No access token: open the full URL that `metakd web` printed (it ends in #token=…).',
    });
  }
  return saved;
}

/** HTTP transport of web mode. */
export function createHttpTransport(): Transport {
  const token = takeToken();
  const listeners = new Set<(e: ApiEvent) => void>();
  let source: EventSource | null = null;
  const ensureStream = () => {
    if (source) return;
    source = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (m: MessageEvent<string>) => {
      const ev = JSON.parse(m.data) as ApiEvent;
      for (const l of listeners) l(ev);
    };
  };
  return {
    kind: 'web',
    async invoke(name, params) {
      const res = await fetch(`api/call/${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(params ?? {}),
      });
      const type = res.headers.get('Content-Type') ?? '';
      if (res.ok && type.startsWith('application/octet-stream')) {
        const meta = JSON.parse(
          decodeURIComponent(res.headers.get(BINARY_META_HEADER) ?? '%7B%7D'),
        );
        return { ...meta, data: await res.arrayBuffer() };
      }
      const body = (await res.json().catch(() => ({}))) as {
        result?: unknown;
        error?: ApiErrorDto;
      };
      if (!res.ok || body.error) {
        throw new ApiCallError(
          body.error ?? { code: 'INTERNAL', message: `${name}: HTTP ${res.status}` },
        );
      }
      return body.result;
    },
    onEvent(listener) {
      ensureStream();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** IPC transport of Electron (through the preload's contextBridge object). */
export function createIpcTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'electron',
    async invoke(name, params) {
      const r = await bridge.invoke(name, params ?? {});
      if (!r.ok) throw new ApiCallError(r.error);
      return r.result;
    },
    onEvent: (l) => bridge.onEvent(l),
    openPath: (k) => bridge.openPath(k),
    onMenuOpen: bridge.onMenuOpen ? (l) => bridge.onMenuOpen!(l) : undefined,
  };
}

/** The typed api over a transport: `api.importStudy({path})` → Promise of the contract's result. */
export function createApi(transport: Transport): ReviewApi {
  return new Proxy({} as ReviewApi, {
    get: (_t, name) =>
      typeof name === 'string' ? (params: unknown) => transport.invoke(name, params) : undefined,
  });
}

/** Picks the transport for where the renderer runs. */
export function detectTransport(): Transport {
  return window.metakd ? createIpcTransport(window.metakd) : createHttpTransport();
}
