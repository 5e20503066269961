/**
 * Starts a real one-node Slurm cluster (Debian `slurm-wlm` 22.05 + `munge`) for integration tests,
 * the way DESIGN.md measured it: a private munge daemon with its own key and socket, slurmctld and
 * slurmd in the foreground as root, state, spool, pid and log files in a temp folder, free loopback
 * ports. Nothing of the machine's own Slurm or munge configuration is touched.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { processAlive } from '../../src-main/core/io/atomicWrite.ts';
import { freePort } from './orthanc.ts';

const BINARIES = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch'];
const START_TIMEOUT_MS = 30_000;

/** Why a real Slurm cannot be started here, or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length)
    return `Slurm/munge not installed (${missing.join(', ')}); apt-get install slurm-wlm munge`;
  if (process.getuid?.() !== 0) return 'a test Slurm cluster runs its daemons as root; run as root';
  return undefined;
}

/** A running one-node cluster. */
export interface SlurmCluster {
  /** Environment for sbatch/squeue (SLURM_CONF set). */
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  /** Stops the daemons and removes the temp folder. */
  dispose(): Promise<void>;
}

async function waitFor(what: string, ok: () => boolean, logs: string[]): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > START_TIMEOUT_MS) {
      const tail = logs
        .filter(existsSync)
        .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').slice(-1500)}`)
        .join('\n');
      throw new Error(
        `test Slurm: ${what} did not happen within ${START_TIMEOUT_MS / 1000} s\n${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether a process still runs (a zombie left for an init that does not reap counts as gone). */
function alive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Starts munged, slurmctld and slurmd; resolves when the node is idle. */
export async function startSlurm(): Promise<SlurmCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'metakd-slurm-'));
  for (const d of ['state', 'spool', 'log', 'munge']) mkdirSync(path.join(dir, d), { mode: 0o700 });
  const key = path.join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  chmodSync(path.join(dir, 'munge'), 0o700);
  const socket = path.join(dir, 'munge', 'munge.socket');
  const mungePid = path.join(dir, 'munge', 'munged.pid');
  execFileSync('/usr/sbin/munged', [
    '--force',
    `--key-file=${key}`,
    `--socket=${socket}`,
    `--pid-file=${mungePid}`,
    `--log-file=${path.join(dir, 'munge', 'munged.log')}`,
    `--seed-file=${path.join(dir, 'munge', 'seed')}`,
  ]);
  const node = hostname().split('.')[0];
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'slurm.conf');
  const log = (n: string) => path.join(dir, 'log', n);
  writeFileSync(
    conf,
    [
      'ClusterName=metakdtest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `StateSaveLocation=${path.join(dir, 'state')}`,
      `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
      `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${log('slurmctld.log')}`,
      `SlurmdLogFile=${log('slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd'].map((bin) =>
    spawn(bin, ['-D'], { env, stdio: 'ignore' }),
  );
  const stop = async () => {
    for (const d of daemons) d.kill('SIGTERM');
    await Promise.all(
      daemons.map(
        (d) =>
          new Promise<void>((r) => {
            if (d.exitCode !== null || d.signalCode !== null) return r();
            const t = setTimeout(() => (d.kill('SIGKILL'), r()), 5000);
            d.once('exit', () => (clearTimeout(t), r()));
          }),
      ),
    );
    const pid = existsSync(mungePid) ? Number(readFileSync(mungePid, 'utf8')) : 0;
    if (!(pid > 0)) return; // munged never wrote its pid: not running
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return; // munged already gone
    }
    // munged writes its seed file and removes its socket as it exits: removing the folder before
    // it is gone races with those writes (ENOTEMPTY seen in CI).
    const t0 = Date.now();
    while (Date.now() - t0 < 5000) {
      if (!alive(pid)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited between the check and the kill
    }
  };
  try {
    await waitFor(
      'the node becoming idle',
      () => {
        try {
          return /idle/.test(execFileSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }));
        } catch {
          return false;
        }
      },
      [log('slurmctld.log'), log('slurmd.log')],
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    env,
    dir,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
