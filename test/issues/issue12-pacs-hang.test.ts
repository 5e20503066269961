/**
 * Issue 12 — "A PACS that hangs mid-association (SIGSTOP): the timeout is reported after 10 s, but
 * `metakd send` exits only when the PACS resumes (652 s), and every retry leaves a socket open."
 *
 * Triage: on its association/PDU timeout dcmjs-dimse sends an A-ABORT and calls `socket.end()`,
 * a half-close that waits for the peer's FIN — which a stopped PACS never sends — so the socket
 * (and the process) stayed; the service's outbox loop then retried in the CLI process too.
 * Contract pinned: a timeout is reported within the destination's timeout (+ dcmjs-dimse's 1 s
 * timer tick) and the socket is destroyed at once (the PACS side sees it closed); a retry leaves
 * no socket behind; a one-shot `metakd send` exits promptly after the timeout, and its overall
 * `--deadline` ends a send that is still going. The PACS: a TCP server that accepts and never
 * answers, and a real Orthanc stopped with SIGSTOP.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { storeDimse } from '../../src-main/core/export/pacs/dimse.ts';
import {
  DestinationStore,
  type DimseDestination,
} from '../../src-main/core/export/pacs/Destination.ts';
import { Outbox } from '../../src-main/core/export/outbox/Outbox.ts';
import { isMetaKdError } from '../../src-main/core/errors.ts';
import { hasOrthanc, startOrthanc, type OrthancInstance } from '../helpers/orthanc.ts';
import { repoRoot } from '../helpers/data.ts';
import { writeSyntheticSeries, type SyntheticSeries } from '../unit/export/syntheticSeries.ts';
import { readDicomFile } from '../../src-main/core/export/seg/dcmjsSeg.ts';

const TIMEOUT_MS = 1_000;

/**
 * A "PACS" that accepts connections and never says a word, in its own process (so that the
 * sockets this process holds are ours alone) and half-open like a stopped process: it neither
 * answers nor closes its side when we close ours.
 */
const SILENT_PACS = `
const net = require('node:net');
const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => s.on('error', () => {}));
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function silentPacs(): Promise<{ port: number; close: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', SILENT_PACS], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  return {
    port,
    close: async () => {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function dest(port: number, timeoutMs = TIMEOUT_MS): DimseDestination {
  return {
    kind: 'dimse',
    name: 'hung',
    calledAeTitle: 'ORTHANC',
    callingAeTitle: 'METAKD',
    host: '127.0.0.1',
    port,
    timeoutMs,
  };
}

const until = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
};

/** TCP sockets this process holds (client side). */
const tcpHandles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

function outgoing(series: SyntheticSeries) {
  return series.files.map((file) => {
    const h = readDicomFile(file, { headerOnly: true }).dataset;
    return { file, SOPInstanceUID: String(h.SOPInstanceUID), SOPClassUID: String(h.SOPClassUID) };
  });
}

describe('issue 12: a PACS that accepts and never answers', () => {
  let dir: string;
  let pacs: Awaited<ReturnType<typeof silentPacs>>;
  let series: SyntheticSeries;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue12-hang-'));
    pacs = await silentPacs();
    series = writeSyntheticSeries(path.join(dir, 'series'));
  });
  afterEach(async () => {
    await pacs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the timeout and destroys the socket', async () => {
    const before = tcpHandles();
    const t0 = Date.now();
    const e = await storeDimse(dest(pacs.port), outgoing(series)).then(
      () => undefined,
      (x: unknown) => x,
    );
    const ms = Date.now() - t0;
    expect(isMetaKdError(e, 'PACS_TIMEOUT')).toBe(true);
    expect(ms).toBeLessThan(TIMEOUT_MS + 2_500);
    // We hold no socket (before the fix: one half-closed socket per attempt, until the PACS woke).
    expect(await until(() => tcpHandles() === before, 1_000)).toBe(true);
  });

  it('leaves no socket open after repeated outbox retries', async () => {
    const store = new DestinationStore(dir);
    await store.save(dest(pacs.port));
    const box = new Outbox({
      dir: path.join(dir, 'outbox'),
      resolveDestination: (n) => store.get(n),
      baseDelayMs: 1,
    });
    await box.enqueue([series.files[0]], 'hung');
    const before = tcpHandles();
    for (let i = 0; i < 3; i++) {
      const r = await box.processDue(true);
      expect(r.failed.map((f) => f.code)).toEqual(['PACS_TIMEOUT']);
      expect(await until(() => tcpHandles() === before, 1_000)).toBe(true);
    }
  });

  it('ends a send at once when its signal aborts (the overall deadline)', async () => {
    const before = tcpHandles();
    const t0 = Date.now();
    const e = await storeDimse(dest(pacs.port, 60_000), outgoing(series), undefined, {
      signal: AbortSignal.timeout(500),
    }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isMetaKdError(e, 'PACS_TIMEOUT')).toBe(true);
    expect((e as Error).message).toMatch(/deadline/);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await until(() => tcpHandles() === before, 1_000)).toBe(true);
  });

  /** Runs `metakd send` as its own process against the hung PACS; resolves with code and time. */
  function cliSend(
    home: string,
    extra: string[] = [],
  ): Promise<{ code: number | null; ms: number; stderr: string }> {
    const t0 = Date.now();
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          path.join(repoRoot, 'bin', 'metakd.cjs'),
          'send',
          series.files[0],
          '--to',
          'hung',
          ...extra,
        ],
        { env: { ...process.env, METAKD_HOME: home }, timeout: 90_000 },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('close', (code) => resolve({ code, ms: Date.now() - t0, stderr }));
    });
  }

  it('a one-shot `metakd send` exits promptly after the timeout, and after --deadline', async () => {
    const home = path.join(dir, 'home');
    await new DestinationStore(home).save(dest(pacs.port, 2_000));
    // Start-up through tsx takes a few seconds on a busy machine; the hang would be unbounded.
    const r = await cliSend(home);
    expect(r.stderr).toContain('PACS_TIMEOUT');
    expect(r.code).toBe(5);
    const timedOut = await cliSend(home, ['--deadline', '0.5']);
    expect(timedOut.code).toBe(5);
    // Each run: start-up (≈ 2–8 s here) plus at most the PACS timeout; never "until it resumes".
    expect(r.ms).toBeLessThan(30_000);
    expect(timedOut.ms).toBeLessThan(30_000);
  });
});

describe.runIf(hasOrthanc)('issue 12: a real Orthanc stopped with SIGSTOP', () => {
  let orthanc: OrthancInstance;
  let dir: string;
  beforeAll(async () => {
    orthanc = await startOrthanc();
    dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-issue12-sigstop-'));
  });
  afterAll(async () => {
    const pid = orthanc?.pid();
    if (pid) process.kill(pid, 'SIGCONT');
    await orthanc?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('times out, destroys the socket, and delivers once Orthanc resumes', async () => {
    const series = writeSyntheticSeries(path.join(dir, 'series'));
    const files = outgoing(series);
    const d = dest(orthanc.dicomPort, TIMEOUT_MS);
    const before = tcpHandles();
    const pid = orthanc.pid() as number;
    process.kill(pid, 'SIGSTOP');
    const t0 = Date.now();
    const e = await storeDimse(d, files).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isMetaKdError(e, 'PACS_TIMEOUT')).toBe(true);
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS + 2_500);
    expect(await until(() => tcpHandles() === before, 1_000)).toBe(true);
    process.kill(pid, 'SIGCONT');
    const stored = await storeDimse({ ...d, timeoutMs: 10_000 }, files);
    expect(stored.length).toBe(files.length);
  });
});
