/**
 * Web mode: the api over HTTP on 127.0.0.1 with a random per-run token (a thin transport, STYLE.md
 * §1). Routes:
 *   POST /api/call/<method>   JSON params in, `{result}` out (or bytes, see binaryResult.ts);
 *                             errors as `{error: {code, message, file}}` with an HTTP status
 *   GET  /api/events?token=…  server-sent events: job progress and job ends
 *   GET  /*                   the built renderer (no token: the app code is not secret)
 * The token comes as `Authorization: Bearer <token>`; `?token=` is accepted on the event stream
 * only (EventSource cannot set headers), so a token never has to travel in a call's URL. Requests
 * whose Host is not our loopback address are refused (DNS rebinding), and so are cross-origin
 * posts. Every response says `X-Content-Type-Options: nosniff`; a malformed request (e.g. a URL
 * with a bad percent-escape, `GET /%`) gets 400, not 500; at most MAX_EVENT_STREAMS event streams
 * are open at once (each holds a socket; beyond it: 429).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { toApiErrorDto, type ApiService } from '../api/service.ts';
import type { ApiErrorDto } from '../api/contract.ts';
import { EventHub } from './eventHub.ts';
import { serveStatic } from './staticFiles.ts';
import {
  BINARY_CONTENT_TYPE,
  BINARY_META_HEADER,
  encodeMeta,
  splitBinaryResult,
} from './binaryResult.ts';

/** The only interface web mode listens on. Not configurable: web mode is for this machine only. */
export const LOOPBACK_HOST = '127.0.0.1';

/** Largest accepted request body (params are small; volumes only ever flow out). */
export const MAX_BODY_BYTES = 1 << 20;

/**
 * Event streams open at once. The app opens one per tab; 16 leaves room for a few reloads and
 * tabs while bounding the sockets a runaway page (or a local process with the token) can hold.
 */
export const MAX_EVENT_STREAMS = 16;

/** Bytes of randomness in the per-run token. */
const TOKEN_BYTES = 32;

/** HTTP status for each api error code; anything else is 422 (input the domain refused). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CANCELLED: 409,
  SESSION_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
};

/** How to start the web server. */
export interface WebServerOptions {
  /** The api service every call goes to. */
  readonly api: ApiService;
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Folder of the built renderer; without it only the api is served. */
  readonly staticDir?: string;
  /** Fixed token (tests); by default a fresh random one per run. */
  readonly token?: string;
}

/** A running web server. */
export interface WebServer {
  /** Base URL, e.g. http://127.0.0.1:43123 */
  readonly origin: string;
  /** URL to open in a browser: the app with the token in the fragment (never sent to servers). */
  readonly appUrl: string;
  readonly port: number;
  readonly token: string;
  /** Stops accepting, ends event streams, closes connections. */
  close(): Promise<void>;
}

/** Writes a JSON error reply. */
function sendError(res: ServerResponse, dto: ApiErrorDto): void {
  const body = JSON.stringify({ error: dto });
  // An unread body would stall a keep-alive connection: drain it, or drop the connection when it
  // was refused for its size.
  const tooBig = dto.code === 'PAYLOAD_TOO_LARGE';
  if (!res.req.complete && !tooBig) res.req.resume();
  res.writeHead(STATUS_BY_CODE[dto.code] ?? 422, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...(tooBig ? { Connection: 'close' } : {}),
  });
  res.end(body);
}

/** Reads the request body up to MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw Object.assign(new Error('too large'), { dto: tooLarge() });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): ApiErrorDto {
  return {
    code: 'PAYLOAD_TOO_LARGE',
    message: `Request body is larger than ${MAX_BODY_BYTES} bytes.`,
  };
}

/** Constant-time comparison of the presented token with ours. */
function tokenMatches(presented: string | null, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Starts web mode. Resolves once listening on 127.0.0.1. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(TOKEN_BYTES).toString('base64url');
  const hub = new EventHub();
  const staticRoot = options.staticDir ? path.resolve(options.staticDir) : undefined;
  let port = 0;

  const allowedHosts = (): Set<string> =>
    new Set([`${LOOPBACK_HOST}:${port}`, `localhost:${port}`]);

  async function handleCall(name: string, req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST') {
      return sendError(res, { code: 'INVALID_ARGUMENT', message: 'Api calls use POST.' });
    }
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      // Refusing form encodings keeps a foreign page from posting here without a CORS preflight.
      return sendError(res, {
        code: 'INVALID_ARGUMENT',
        message: 'Api calls must send Content-Type: application/json.',
      });
    }
    let params: unknown;
    try {
      const text = await readBody(req);
      params = text.trim() === '' ? {} : JSON.parse(text);
    } catch (e) {
      const dto = (e as { dto?: ApiErrorDto }).dto;
      return sendError(
        res,
        dto ?? { code: 'INVALID_ARGUMENT', message: `Body of ${name} is not valid JSON.` },
      );
    }
    // Cancels the call when the browser goes away before the answer (page closed, fetch aborted).
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) abort.abort();
    });
    try {
      const result = await options.api.invoke(name as never, params, {
        emit: (event) => hub.publish(event),
        signal: abort.signal,
      });
      sendResult(res, result);
    } catch (e) {
      sendError(res, toApiErrorDto(e));
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      return sendError(res, { code: 'FORBIDDEN', message: 'Unexpected Host header.' });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) {
      return sendError(res, { code: 'FORBIDDEN', message: 'Cross-origin requests are refused.' });
    }
    const url = parseRequestUrl(req);
    if (!url) {
      return sendError(res, { code: 'INVALID_ARGUMENT', message: 'Malformed request URL.' });
    }
    if (url.pathname.startsWith('/api/')) {
      const auth = req.headers.authorization;
      const isEvents = url.pathname === '/api/events';
      // The query form only where headers cannot be set: tokens in URLs end up in logs/history.
      const presented = auth?.startsWith('Bearer ')
        ? auth.slice(7)
        : isEvents
          ? url.searchParams.get('token')
          : null;
      if (!tokenMatches(presented, token)) {
        return sendError(res, {
          code: 'UNAUTHORIZED',
          message: 'Missing or wrong token: open the URL printed by `metakd web`.',
        });
      }
      if (isEvents) {
        if (hub.size >= MAX_EVENT_STREAMS) {
          return sendError(res, {
            code: 'TOO_MANY_REQUESTS',
            message: `Too many open event streams (at most ${MAX_EVENT_STREAMS}); close other tabs of the app.`,
          });
        }
        return hub.attach(res);
      }
      const m = /^\/api\/call\/([A-Za-z][A-Za-z0-9]*)$/.exec(url.pathname);
      if (!m || !options.api.has(m[1])) {
        return sendError(res, { code: 'NOT_FOUND', message: `No api route ${url.pathname}.` });
      }
      return handleCall(m[1], req, res);
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && staticRoot) {
      if (await serveStatic(staticRoot, req, res)) return;
    }
    sendError(res, { code: 'NOT_FOUND', message: `Nothing at ${url.pathname}.` });
  }

  const server = http.createServer((req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    route(req, res).catch((e: unknown) => {
      // A bad percent-escape found while decoding a static path is the client's error.
      const dto: ApiErrorDto =
        e instanceof URIError
          ? { code: 'INVALID_ARGUMENT', message: 'Malformed request URL.' }
          : toApiErrorDto(e);
      if (!res.headersSent) sendError(res, dto);
      else res.destroy();
    });
  });
  // Requests node's parser refuses (bad request line, oversized headers) get a 400 with nosniff.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${LOOPBACK_HOST}:${port}`;
  return {
    origin,
    appUrl: `${origin}/#token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The request URL with its path checked to decode (a `%` not followed by two hex digits is
 * malformed), or undefined for a malformed one.
 */
function parseRequestUrl(req: IncomingMessage): URL | undefined {
  try {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    decodeURIComponent(url.pathname);
    return url;
  } catch {
    return undefined;
  }
}

/** Sends a result: JSON, or raw bytes with the other fields in a header. */
function sendResult(res: ServerResponse, result: unknown): void {
  const binary = splitBinaryResult(result);
  if (binary) {
    res.writeHead(200, {
      'Content-Type': BINARY_CONTENT_TYPE,
      'Content-Length': binary.bytes.byteLength,
      [BINARY_META_HEADER]: encodeMeta(binary.meta),
      'Cache-Control': 'no-store',
    });
    res.end(Buffer.from(binary.bytes.buffer, binary.bytes.byteOffset, binary.bytes.byteLength));
    return;
  }
  const body = JSON.stringify({ result: result ?? null });
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
