/**
 * Contract: cohorts on a cluster scheduler (Slurm array jobs): submit, status, collect.
 * Types only from core (`import type`).
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';
import type { CohortStatus } from '../../core/cohort/cohortStatus.ts';
import type { SubmitCohortResult } from '../../core/cohort/cohortJobs.ts';
import type { CohortSummaryRow } from '../../core/cohort/cohortSummary.ts';

export type { CohortStatus as CohortStatusDto, SubmitCohortResult as CohortSubmitDto };

/** Result of cohortCollect. */
export interface CohortCollectDto {
  readonly status: CohortStatus;
  readonly rows: readonly CohortSummaryRow[];
  readonly summaryJson: string;
  readonly summaryTsv: string;
}

/** A Slurm time limit: minutes, or [days-]hours:minutes:seconds forms sbatch accepts. */
const SLURM_TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;
/** A Slurm memory size: a number with an optional K/M/G/T unit. */
const SLURM_MEM = /^\d+[KMGT]?$/i;
/** Partition and account names: what Slurm allows in practice, nothing a shell could read. */
const SLURM_NAME = /^[A-Za-z0-9_.-]+$/;

const outDir = z.string().check(z.minLength(1, 'outDir is required'));

/** Methods of the cohort part of the api. */
export const cohortMethods = {
  cohortSubmit: method<SubmitCohortResult>()(
    () =>
      z.strictObject({
        sourceDir: z.string().check(z.minLength(1, 'sourceDir is required')),
        outDir,
        engine: z._default(z.literal('slurm'), 'slurm'),
        /** Options passed to every `metakd segment` task. */
        segmentArgs: z._default(
          z.array(z.string().check(z.maxLength(4096))).check(z.maxLength(64)),
          [],
        ),
        resources: z._default(
          z.strictObject({
            partition: z.optional(
              z.string().check(z.regex(SLURM_NAME, 'partition: letters, digits, _ . -')),
            ),
            account: z.optional(
              z.string().check(z.regex(SLURM_NAME, 'account: letters, digits, _ . -')),
            ),
            cpusPerTask: z.optional(z.int().check(z.gte(1), z.lte(512))),
            mem: z.optional(z.string().check(z.regex(SLURM_MEM, 'mem: e.g. 4G'))),
            time: z.optional(z.string().check(z.regex(SLURM_TIME, 'time: e.g. 00:30:00'))),
            maxParallel: z.optional(z.int().check(z.gte(1), z.lte(100000))),
          }),
          {},
        ),
        /** argv that runs metakd on the nodes (default: this installation's node + metakd). */
        metakdCommand: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
        dryRun: z._default(z.boolean(), false),
      }),
    'Submits the unfinished cases of a cohort folder as one Slurm array job (one case per task).',
  ),
  cohortStatus: method<CohortStatus>()(
    () => z.strictObject({ outDir }),
    'Where each case of a submitted cohort stands: done, failed, pending, running, lost.',
  ),
  cohortCollect: method<CohortCollectDto>()(
    () => z.strictObject({ outDir }),
    'Merges the per-case reports of a cohort into summary.json and summary.tsv.',
  ),
} as const;
