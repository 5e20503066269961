/**
 * Web-mode transport: token required, loopback only, Host/Origin checks, payload validation through
 * the real api service, binary results and the event stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createApiService, type ApiService } from '../../../src-main/api/service.ts';
import { startWebServer, type WebServer } from '../../../src-main/server/webServer.ts';
import { decodeMeta, BINARY_META_HEADER } from '../../../src-main/server/binaryResult.ts';
import type { ApiEvent } from '../../../src-main/api/contract.ts';

/** Raw request so tests can set Host and Origin freely (fetch forbids those headers). */
function request(
  server: WebServer,
  opts: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: opts.path,
        method: opts.method ?? 'POST',
        headers: opts.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function call(server: WebServer, name: string, body: string, token = server.token) {
  return request(server, {
    path: `/api/call/${name}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body,
  });
}

describe('web server over the real api service', () => {
  let server: WebServer;
  beforeAll(async () => {
    server = await startWebServer({ api: createApiService() });
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 only and uses a long random token', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
    expect(server.appUrl).toBe(`${server.origin}/#token=${server.token}`);
  });

  it('answers a call with the right token', async () => {
    const r = await call(server, 'ping', '{}');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).result.ok).toBe(true);
  });

  it('refuses calls without or with a wrong token', async () => {
    const none = await request(server, {
      path: '/api/call/ping',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body.toString()).error.code).toBe('UNAUTHORIZED');
    const wrong = await call(server, 'ping', '{}', server.token.slice(0, -1) + 'x');
    expect(wrong.status).toBe(401);
    const events = await request(server, { path: '/api/events', method: 'GET' });
    expect(events.status).toBe(401);
  });

  it('refuses malformed payloads with a clear error', async () => {
    const bad = await call(server, 'ping', '{"not json');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).error.message).toMatch(/not valid JSON/);
    const extra = await call(server, 'ping', '{"surprise": 1}');
    expect(extra.status).toBe(400);
    const err = JSON.parse(extra.body.toString()).error;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/Invalid params for ping/);
    const big = await call(server, 'ping', JSON.stringify({ x: 'a'.repeat(2 << 20) }));
    expect(big.status).toBe(413);
  });

  it('refuses non-JSON content types, GET calls and unknown methods', async () => {
    const form = await request(server, {
      path: '/api/call/ping',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Bearer ${server.token}`,
      },
      body: 'a=1',
    });
    expect(form.status).toBe(400);
    const get = await request(server, {
      path: '/api/call/ping',
      method: 'GET',
      headers: { Authorization: `Bearer ${server.token}` },
    });
    expect(get.status).toBe(400);
    const unknown = await call(server, 'dropDatabase', '{}');
    expect(unknown.status).toBe(404);
  });

  it('refuses a foreign Host (DNS rebinding) and cross-origin requests', async () => {
    const host = await request(server, {
      path: '/api/call/ping',
      headers: {
        Host: `evil.example:${server.port}`,
        'Content-Type': 'application/json',
        Authorization: `Bearer ${server.token}`,
      },
      body: '{}',
    });
    expect(host.status).toBe(403);
    const origin = await request(server, {
      path: '/api/call/ping',
      headers: {
        Origin: 'http://evil.example',
        'Content-Type': 'application/json',
        Authorization: `Bearer ${server.token}`,
      },
      body: '{}',
    });
    expect(origin.status).toBe(403);
  });
});

describe('web server transport details', () => {
  /** A minimal service: the server is what is under test here, not the api. */
  const voxels = new Int16Array([1, -2, 300, -32768]);
  const stub: ApiService = {
    has: (name: string): name is never => name === 'ping',
    invoke: (async (_name: string, _params: unknown, ctx?: { emit?: (e: ApiEvent) => void }) => {
      ctx?.emit?.({ type: 'job.progress', jobId: 'j1', stage: 'inference', done: 3, total: 12 });
      return { dims: [2, 2, 1], dataType: 'int16', data: voxels };
    }) as ApiService['invoke'],
  };
  let server: WebServer;
  beforeAll(async () => {
    server = await startWebServer({ api: stub, token: 'fixed-test-token' });
  });
  afterAll(() => server.close());

  it('sends binary results as little-endian bytes with the other fields in a header', async () => {
    const r = await call(server, 'ping', '{}');
    expect(r.headers['content-type']).toBe('application/octet-stream');
    const meta = decodeMeta(String(r.headers[BINARY_META_HEADER.toLowerCase()]));
    expect(meta).toEqual({ dims: [2, 2, 1], dataType: 'int16' });
    expect(r.body.readInt16LE(0)).toBe(1);
    expect(r.body.readInt16LE(2)).toBe(-2);
    expect(r.body.readInt16LE(4)).toBe(300);
    expect(r.body.readInt16LE(6)).toBe(-32768);
  });

  it('streams events emitted during a call to the event stream', async () => {
    const received = new Promise<ApiEvent>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}` },
        (res) => {
          expect(res.headers['content-type']).toMatch(/text\/event-stream/);
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            const m = /data: (.*)\n\n/.exec(buf);
            if (m) {
              resolve(JSON.parse(m[1]) as ApiEvent);
              req.destroy();
            }
          });
          // Once the stream is open, make a call that emits.
          setTimeout(() => void call(server, 'ping', '{}'), 50);
        },
      );
      req.on('error', reject);
    });
    const ev = await received;
    expect(ev).toEqual({
      type: 'job.progress',
      jobId: 'j1',
      stage: 'inference',
      done: 3,
      total: 12,
    });
  });
});
