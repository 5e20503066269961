/**
 * Starts a real Orthanc (Debian `orthanc` + `orthanc-dicomweb`) for integration tests: free
 * loopback HTTP and DICOM ports, a temp config folder with storage in temp, optional HTTP basic
 * authentication. Stopped by PID; `restart()` brings the same instance (same ports, same storage)
 * back, which the outbox tests use to simulate a PACS outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DestinationStore } from '../../src-main/core/export/pacs/Destination.ts';

/** Path of the Orthanc executable (Debian). */
export const ORTHANC_BIN = process.env.ORTHANC_BIN ?? '/usr/sbin/Orthanc';
/** The DICOMweb plugin shipped by Debian's orthanc-dicomweb. */
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
/** True when Orthanc and its DICOMweb plugin are installed. */
export const hasOrthanc = existsSync(ORTHANC_BIN) && existsSync(DICOMWEB_PLUGIN);

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 100;

/** Options for startOrthanc. */
export interface OrthancOptions {
  /** Called AE title Orthanc answers to (checked). Default "ORTHANC". */
  readonly aet?: string;
  /** When set, HTTP needs these basic-auth credentials. */
  readonly user?: { readonly name: string; readonly password: string };
}

/** A running Orthanc. */
export interface OrthancInstance {
  readonly httpPort: number;
  readonly dicomPort: number;
  readonly aet: string;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  /** DICOMweb root URL. */
  readonly dicomWebUrl: string;
  /** PID of the running process (undefined while stopped). */
  pid(): number | undefined;
  /** GET a REST resource as JSON (with the configured credentials). */
  rest<T>(pathname: string): Promise<T>;
  /** Stops the process (SIGTERM, then SIGKILL; or `SIGKILL` at once, as in a crash), keeping the storage. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same ports and storage. */
  restart(): Promise<void>;
  /** Stops it and removes the temp folder. */
  dispose(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Starts Orthanc and waits until its REST api answers. */
export async function startOrthanc(options: OrthancOptions = {}): Promise<OrthancInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'metakd-orthanc-'));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const aet = options.aet ?? 'ORTHANC';
  const config = {
    Name: 'MetaKD test PACS',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'storage'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aet,
    DicomCheckCalledAet: true,
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowStore: true,
    UnknownSopClassAccepted: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: Boolean(options.user),
    RegisteredUsers: options.user ? { [options.user.name]: options.user.password } : {},
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    SaveJobs: false,
    StorageCompression: false,
    HttpDescribeErrors: true,
  };
  const configFile = path.join(dir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const headers: Record<string, string> = options.user
    ? {
        Authorization: `Basic ${Buffer.from(`${options.user.name}:${options.user.password}`).toString('base64')}`,
      }
    : {};
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const log = openSync(path.join(dir, 'orthanc.log'), 'a');
    child = spawn(ORTHANC_BIN, [configFile], { stdio: ['ignore', log, log] });
    closeSync(log);
    const started = Date.now();
    while (Date.now() - started < START_TIMEOUT_MS) {
      if (child.exitCode !== null)
        throw new Error(`Orthanc exited (${child.exitCode}); log in ${dir}`);
      try {
        const r = await fetch(`${baseUrl}/system`, { headers });
        if (r.ok || r.status === 401) return;
      } catch {
        // not listening yet
      }
      await sleep(POLL_MS);
    }
    throw new Error(`Orthanc did not start within ${START_TIMEOUT_MS} ms; log in ${dir}`);
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.pid === undefined) return;
    process.kill(c.pid, signal);
    if (!(await waitExit(c, STOP_TIMEOUT_MS))) {
      process.kill(c.pid, 'SIGKILL');
      await waitExit(c, STOP_TIMEOUT_MS);
    }
  };

  await launch();
  return {
    httpPort,
    dicomPort,
    aet,
    baseUrl,
    dicomWebUrl: `${baseUrl}/dicom-web`,
    pid: () => child?.pid,
    async rest<T>(pathname: string): Promise<T> {
      const r = await fetch(`${baseUrl}${pathname}`, { headers });
      if (!r.ok) throw new Error(`GET ${pathname}: HTTP ${r.status}`);
      return (await r.json()) as T;
    },
    stop: (signal) => stop(signal),
    restart: launch,
    async dispose() {
      await stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real Orthanc with a temp data folder whose destination store names it "orthanc" (DIMSE). */
export interface OrthancDestination {
  readonly orthanc: OrthancInstance;
  /** The temp folder (holds pacs-destinations.json; a test's outbox and files go here too). */
  readonly dir: string;
  readonly store: DestinationStore;
  /** Resumes a stopped Orthanc, stops it and removes the folder. */
  dispose(): Promise<void>;
}

/** Starts Orthanc and saves it as destination "orthanc" with `timeoutMs` in a new temp folder. */
export async function startOrthancDestination(
  prefix: string,
  timeoutMs: number,
): Promise<OrthancDestination> {
  const orthanc = await startOrthanc();
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const store = new DestinationStore(dir);
  await store.save({
    kind: 'dimse',
    name: 'orthanc',
    calledAeTitle: orthanc.aet,
    host: '127.0.0.1',
    port: orthanc.dicomPort,
    timeoutMs,
  });
  return {
    orthanc,
    dir,
    store,
    async dispose() {
      const pid = orthanc.pid();
      if (pid) process.kill(pid, 'SIGCONT');
      await orthanc.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
