/**
 * The Slurm client: `sbatch`, `squeue` and `scancel` run as child processes, with time limits and
 * their stderr in the error. The cluster is the user's; nothing here starts or configures one.
 */
import { execFile } from 'node:child_process';
import { ErrorCode, MetaKdError } from '../errors.ts';

/** A task's state as Slurm's queue reports it (finished tasks leave the queue). */
export type QueuedTaskState = 'pending' | 'running' | 'other';

/** Array-task key: `<jobId>_<taskIndex>`. */
export type TaskKey = `${string}_${number}`;

/** Seconds a scheduler command may take before it counts as failed (a hung controller). */
const COMMAND_TIMEOUT_MS = 30_000;

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: COMMAND_TIMEOUT_MS, env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const why =
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? `${cmd} is not installed or not on PATH (is this a Slurm login node?)`
            : err.killed
              ? `${cmd} did not answer within ${COMMAND_TIMEOUT_MS / 1000} s`
              : `${cmd} failed: ${stderr.trim() || err.message}`;
        reject(new MetaKdError(ErrorCode.SchedulerFailed, why, { cause: err }));
      },
    );
  });
}

/** Submits a batch script; returns the job id. */
export async function sbatch(scriptPath: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const out = (await run('sbatch', ['--parsable', scriptPath], env)).trim();
  // --parsable prints "<jobid>" or "<jobid>;<cluster>".
  const id = out.split(';')[0];
  if (!/^\d+$/.test(id)) {
    throw new MetaKdError(
      ErrorCode.SchedulerFailed,
      `sbatch answered "${out}" instead of a job id.`,
      {
        file: scriptPath,
      },
    );
  }
  return id;
}

/** Maps Slurm's long state names to ours. */
function stateOf(s: string): QueuedTaskState {
  if (s === 'PENDING' || s === 'CONFIGURING' || s === 'REQUEUED') return 'pending';
  if (s === 'RUNNING' || s === 'COMPLETING') return 'running';
  return 'other';
}

/** The queued (not yet finished) array tasks of the given jobs, by `<jobId>_<task>`. */
export async function squeueTasks(
  jobIds: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<Map<TaskKey, QueuedTaskState>> {
  const tasks = new Map<TaskKey, QueuedTaskState>();
  if (jobIds.length === 0) return tasks;
  // -r lists every pending array task on its own line instead of a "1_[2-5]" range.
  const out = await run('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T'], env).catch(
    (e: unknown) => {
      // squeue exits non-zero for job ids the controller has already forgotten: nothing queued.
      if (e instanceof MetaKdError && /Invalid job id/i.test(e.message)) return '';
      throw e;
    },
  );
  for (const line of out.split('\n')) {
    const m = /^(\d+)_(\d+)\|(\w+)$/.exec(line.trim());
    if (m) tasks.set(`${m[1]}_${Number(m[2])}`, stateOf(m[3]));
  }
  return tasks;
}

/** Cancels jobs (all their array tasks). */
export async function scancel(jobIds: readonly string[], env?: NodeJS.ProcessEnv): Promise<void> {
  if (jobIds.length) await run('scancel', [...jobIds], env);
}
