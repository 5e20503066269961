/**
 * The scheduler a cohort runs on, as the cohort code needs it: submit a script, list what is still
 * queued. Slurm is the one engine today (its client in slurm.ts).
 */
import { sbatch, squeueTasks, type QueuedTaskState, type TaskKey } from './slurm.ts';

/** A cluster scheduler. */
export interface CohortEngine {
  readonly name: 'slurm';
  /** Submits the script; returns the job id. */
  submit(scriptFile: string): Promise<string>;
  /** Queued (unfinished) array tasks of these jobs. */
  queued(jobIds: readonly string[]): Promise<Map<TaskKey, QueuedTaskState>>;
}

/** Slurm through its command-line clients (`SLURM_CONF` and PATH as the environment has them). */
export function slurmEngine(env?: NodeJS.ProcessEnv): CohortEngine {
  return {
    name: 'slurm',
    submit: (scriptFile) => sbatch(scriptFile, env),
    queued: (jobIds) => squeueTasks(jobIds, env),
  };
}
