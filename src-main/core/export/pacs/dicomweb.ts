/**
 * DICOMweb client: QIDO-RS ("test connection") and STOW-RS (PS3.18 §10.5) as multipart/related,
 * over node:http/https so that TLS options (extra CA, verification) and upload progress are ours.
 * Every failure becomes one readable MetaKdError: HTTP 401/403 (credentials), 404 (base URL), other
 * 4xx, 5xx, connection refused, timeout; STOW's FailedSOPSequence names the refused instances.
 */
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import type { DicomWebDestination } from './Destination.ts';
import type { SendOptions, SendProgress, StoredInstance } from './dimse.ts';
import { abortedSendError } from './abortedSend.ts';
import { PermanentPacsRefusal, isPermanentHttpStatus } from './refusal.ts';

/** DICOM JSON tags used in STOW responses (PS3.18 Table 10.5.3-1). */
const TAG = {
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPInstanceUID: '00081155',
  FailureReason: '00081197',
} as const;
const UPLOAD_CHUNK = 256 * 1024;

interface HttpResult {
  readonly status: number;
  readonly body: string;
}

function url(d: DicomWebDestination, rel: string): URL {
  return new URL(rel, d.baseUrl.endsWith('/') ? d.baseUrl : `${d.baseUrl}/`);
}

function authHeader(d: DicomWebDestination): Record<string, string> {
  if (d.auth.type === 'basic') {
    return {
      Authorization: `Basic ${Buffer.from(`${d.auth.username}:${d.auth.password}`).toString('base64')}`,
    };
  }
  if (d.auth.type === 'bearer') return { Authorization: `Bearer ${d.auth.token}` };
  return {};
}

function httpError(d: DicomWebDestination, what: string, r: HttpResult): MetaKdError {
  const s = r.status;
  const hint =
    s === 401
      ? 'the PACS requires authentication or rejected the credentials; check the destination’s user name and password (or token)'
      : s === 403
        ? 'the credentials are valid but not allowed to do this'
        : s === 404
          ? 'nothing at that address; check the destination’s base URL'
          : s === 409
            ? 'the PACS refused the instances'
            : s === 415
              ? 'the PACS does not accept this media type'
              : s >= 500
                ? 'the PACS had an internal error; try again later or ask its administrator'
                : 'the PACS rejected the request';
  const detail = r.body.trim().slice(0, 200).replace(/\s+/g, ' ');
  // 4xx (but 408/429) is a refusal the same request meets again: the outbox parks it.
  const Err = isPermanentHttpStatus(s) ? PermanentPacsRefusal : MetaKdError;
  return new Err(
    ErrorCode.PacsHttp,
    `${what} ${d.baseUrl} answered HTTP ${s}: ${hint}.${detail ? ` (${detail})` : ''}`,
  );
}

function transportError(
  d: DicomWebDestination,
  what: string,
  e: unknown,
  signal?: AbortSignal,
): MetaKdError {
  if (e instanceof MetaKdError) return e;
  if (signal?.aborted) return abortedSendError(new URL(d.baseUrl).host, signal);
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ECONNREFUSED') {
    return new MetaKdError(
      ErrorCode.PacsUnreachable,
      `${what}: connection refused by ${new URL(d.baseUrl).host} — is the PACS running and is the URL right?`,
      { cause: e },
    );
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new MetaKdError(
      ErrorCode.PacsUnreachable,
      `${what}: host ${new URL(d.baseUrl).hostname} not found.`,
      { cause: e },
    );
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(err.code ?? '')) {
    return new MetaKdError(
      ErrorCode.PacsUnreachable,
      `${what}: the TLS certificate of ${new URL(d.baseUrl).host} is not trusted (${err.code}); add its CA file to the destination.`,
      { cause: e },
    );
  }
  return new MetaKdError(
    ErrorCode.PacsUnreachable,
    `${what} ${d.baseUrl} failed: ${err.message}${err.code ? ` (${err.code})` : ''}.`,
    { cause: e },
  );
}

interface RequestParams {
  readonly method: 'GET' | 'POST';
  readonly target: URL;
  readonly headers: Record<string, string>;
  readonly body?: readonly Uint8Array[];
  readonly onUpload?: (sent: number, total: number) => void;
  /** Destroys the request when aborted (overall deadline or cancel). */
  readonly signal?: AbortSignal;
}

/** One HTTP(S) request with the destination's auth, TLS options and timeout. */
async function request(d: DicomWebDestination, p: RequestParams): Promise<HttpResult> {
  const ca = d.tls.caFile ? await readFile(d.tls.caFile) : undefined;
  const total = (p.body ?? []).reduce((s, b) => s + b.byteLength, 0);
  const mod = p.target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(p.target, {
      method: p.method,
      signal: p.signal,
      headers: {
        ...authHeader(d),
        ...p.headers,
        ...(p.body ? { 'Content-Length': String(total) } : {}),
      },
      ...(p.target.protocol === 'https:'
        ? { ca, rejectUnauthorized: d.tls.rejectUnauthorized }
        : {}),
    });
    req.setTimeout(d.timeoutMs, () =>
      req.destroy(
        new MetaKdError(
          ErrorCode.PacsTimeout,
          `${p.method} ${p.target.pathname} on ${p.target.host} did not answer within ${d.timeoutMs} ms.`,
        ),
      ),
    );
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    void writeBody(req, p.body ?? [], total, p.onUpload).then(
      () => req.end(),
      (e: unknown) => req.destroy(e as Error),
    );
  });
}

async function writeBody(
  req: http.ClientRequest,
  parts: readonly Uint8Array[],
  total: number,
  onUpload?: (sent: number, total: number) => void,
): Promise<void> {
  let sent = 0;
  for (const part of parts) {
    for (let o = 0; o < part.byteLength; o += UPLOAD_CHUNK) {
      const chunk = part.subarray(o, Math.min(part.byteLength, o + UPLOAD_CHUNK));
      if (!req.write(chunk)) await new Promise<void>((r) => req.once('drain', () => r()));
      sent += chunk.byteLength;
      onUpload?.(sent, total);
    }
  }
}

/** QIDO-RS "test connection": asks for one study. Resolves with the round-trip time in ms. */
export async function echoDicomWeb(d: DicomWebDestination): Promise<{ readonly ms: number }> {
  const t0 = performance.now();
  const what = 'QIDO-RS';
  let r: HttpResult;
  try {
    r = await request(d, {
      method: 'GET',
      target: url(d, 'studies?limit=1'),
      headers: { Accept: 'application/dicom+json' },
    });
  } catch (e) {
    throw transportError(d, what, e);
  }
  if (r.status !== 200 && r.status !== 204) throw httpError(d, what, r);
  return { ms: performance.now() - t0 };
}

/** QIDO-RS search for instances; returns the DICOM JSON objects. */
export async function qidoInstances(
  d: DicomWebDestination,
  query: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const target = url(d, 'instances');
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  let r: HttpResult;
  try {
    r = await request(d, { method: 'GET', target, headers: { Accept: 'application/dicom+json' } });
  } catch (e) {
    throw transportError(d, 'QIDO-RS', e);
  }
  if (r.status === 204 || (r.status === 200 && r.body.trim() === '')) return [];
  if (r.status !== 200) throw httpError(d, 'QIDO-RS', r);
  return JSON.parse(r.body) as Record<string, unknown>[];
}

function uidsIn(
  json: Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>,
  seq: string,
): { uid: string; reason?: number }[] {
  return (json[seq]?.Value ?? []).map((item) => ({
    uid: String(item[TAG.ReferencedSOPInstanceUID]?.Value?.[0] ?? ''),
    reason: item[TAG.FailureReason]?.Value?.[0] as number | undefined,
  }));
}

/**
 * STOW-RS: posts `files` in one multipart/related request. Resolves with the confirmed instances
 * (ReferencedSOPSequence); throws PacsHttp for HTTP errors and PacsRefused when the PACS lists any
 * instance in FailedSOPSequence.
 */
export async function storeDicomWeb(
  d: DicomWebDestination,
  files: readonly { readonly file: string; readonly SOPInstanceUID: string }[],
  onProgress?: SendProgress,
  opts: SendOptions = {},
): Promise<StoredInstance[]> {
  const what = 'STOW-RS';
  const boundary = `metakd-${randomBytes(12).toString('hex')}`;
  const parts: Uint8Array[] = [];
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'));
    parts.push(await readFile(f.file));
    parts.push(Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  let r: HttpResult;
  try {
    r = await request(d, {
      method: 'POST',
      target: url(d, 'studies'),
      headers: {
        'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        Accept: 'application/dicom+json',
      },
      body: parts,
      onUpload: onProgress
        ? (done, total) => onProgress({ done, total, unit: 'bytes' })
        : undefined,
      signal: opts.signal,
    });
  } catch (e) {
    throw transportError(d, what, e, opts.signal);
  }
  let json: Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }> = {};
  try {
    json = r.body.trim() ? JSON.parse(r.body) : {};
  } catch {
    // A non-JSON body (e.g. an HTML error page) is reported through the status below.
  }
  // What the PACS confirmed is recorded even when it refused others (a resend skips it).
  const confirmed = new Set(uidsIn(json, TAG.ReferencedSOPSequence).map((x) => x.uid));
  if (r.status === 200 || r.status === 202) {
    for (const f of files) {
      if (confirmed.has(f.SOPInstanceUID))
        opts.onStored?.({ file: f.file, SOPInstanceUID: f.SOPInstanceUID });
    }
  }
  const failed = uidsIn(json, TAG.FailedSOPSequence);
  if (failed.length > 0) {
    const first = failed[0];
    throw new PermanentPacsRefusal(
      ErrorCode.PacsRefused,
      `${what}: the PACS refused ${failed.length} of ${files.length} instances (e.g. ${first.uid}, failure reason 0x${(first.reason ?? 0).toString(16)}).`,
    );
  }
  if (r.status !== 200 && r.status !== 202) throw httpError(d, what, r);
  const stored = files
    .filter((f) => confirmed.has(f.SOPInstanceUID))
    .map((f) => ({ file: f.file, SOPInstanceUID: f.SOPInstanceUID }));
  if (stored.length < files.length) {
    throw new MetaKdError(
      ErrorCode.PacsRefused,
      `${what}: the PACS confirmed ${stored.length} of ${files.length} instances.`,
    );
  }
  return stored;
}
