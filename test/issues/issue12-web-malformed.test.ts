/**
 * Issue 12 — web mode: "`GET /%` answers 500: malformed requests get 400; the `?token=` form only
 * on the event stream; `X-Content-Type-Options: nosniff` on every response; a cap on concurrent
 * event streams."
 *
 * Triage: the static handler's decodeURIComponent threw URIError, which the catch-all turned into
 * INTERNAL (500); the token was read from the query on every /api route; only static files and
 * the event stream set nosniff; any number of event streams could be held open. Contract pinned
 * (a stub service: the transport is under test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiService } from '../../src-main/api/service.ts';
import {
  MAX_EVENT_STREAMS,
  startWebServer,
  type WebServer,
} from '../../src-main/server/webServer.ts';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  server: WebServer,
  opts: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Opens an event stream; resolves with its status once headers arrive (the stream stays open). */
function openStream(
  server: WebServer,
  query: string,
): Promise<{ status: number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: server.port, path: `/api/events${query}` },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
  });
}

describe('issue 12: web transport hardening', () => {
  const stub: ApiService = {
    has: (name: string): name is never => name === 'ping',
    invoke: (async () => ({ ok: true })) as ApiService['invoke'],
  };
  let server: WebServer;
  let staticDir: string;
  beforeAll(async () => {
    staticDir = mkdtempSync(path.join(os.tmpdir(), 'metakd-issue12-web-'));
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>x</title>');
    server = await startWebServer({ api: stub, token: 'fixed-test-token', staticDir });
  });
  afterAll(async () => {
    await server.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('answers a malformed URL with 400, not 500', async () => {
    for (const p of ['/%', '/%zz', '/assets/%E0%A4%A']) {
      const r = await request(server, { path: p });
      expect(r.status, p).toBe(400);
      expect(JSON.parse(r.body).error.code).toBe('INVALID_ARGUMENT');
    }
    const api = await request(server, {
      path: '/api/call/%',
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(api.status).toBe(400);
  });

  it('answers a request line node cannot parse with 400 (and nosniff)', async () => {
    const raw = await new Promise<string>((resolve) => {
      const s = net.connect(server.port, '127.0.0.1', () => s.write('GET /\x01 HTTP/1.1\r\n\r\n'));
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => resolve(text));
      s.on('error', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toMatch(/X-Content-Type-Options: nosniff/i);
  });

  it('accepts ?token= on the event stream only', async () => {
    const call = await request(server, {
      path: `/api/call/ping?token=${server.token}`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(call.status).toBe(401);
    const withHeader = await request(server, {
      path: '/api/call/ping',
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
      body: '{}',
    });
    expect(withHeader.status).toBe(200);
    const stream = await openStream(server, `?token=${server.token}`);
    expect(stream.status).toBe(200);
    stream.close();
  });

  it('sends X-Content-Type-Options: nosniff on every response', async () => {
    const replies = await Promise.all([
      request(server, { path: '/' }),
      request(server, { path: '/missing.js' }),
      request(server, { path: '/%' }),
      request(server, { path: '/api/call/ping', method: 'POST' }),
      request(server, {
        path: '/api/call/ping',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
        body: '{}',
      }),
      request(server, { path: '/api/call/ping', headers: { Host: 'evil.example' } }),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 404, 400, 401, 200, 403]);
    for (const r of replies) expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it(`caps open event streams at ${MAX_EVENT_STREAMS} (429 beyond), and frees a slot on close`, async () => {
    const streams = [];
    for (let i = 0; i < MAX_EVENT_STREAMS; i++)
      streams.push(await openStream(server, `?token=${server.token}`));
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const over = await openStream(server, `?token=${server.token}`);
    expect(over.status).toBe(429);
    over.close();
    streams.pop()?.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await openStream(server, `?token=${server.token}`);
    expect(again.status).toBe(200);
    again.close();
    for (const s of streams) s.close();
  });
});
