/**
 * Contract: cohorts on a cluster scheduler (Slurm array jobs): submit, status, collect.
 * Types only from core (`import type`).
 */
import { z } from 'zod';
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

const outDir = z.string().min(1, 'outDir is required');

/** Methods of the cohort part of the api. */
export const cohortMethods = {
  cohortSubmit: method<SubmitCohortResult>()(
    z
      .object({
        sourceDir: z.string().min(1, 'sourceDir is required'),
        outDir,
        engine: z.literal('slurm').default('slurm'),
        /** Options passed to every `metakd segment` task. */
        segmentArgs: z.array(z.string().max(4096)).max(64).default([]),
        resources: z
          .object({
            partition: z.string().regex(SLURM_NAME, 'partition: letters, digits, _ . -').optional(),
            account: z.string().regex(SLURM_NAME, 'account: letters, digits, _ . -').optional(),
            cpusPerTask: z.number().int().min(1).max(512).optional(),
            mem: z.string().regex(SLURM_MEM, 'mem: e.g. 4G').optional(),
            time: z.string().regex(SLURM_TIME, 'time: e.g. 00:30:00').optional(),
            maxParallel: z.number().int().min(1).max(100000).optional(),
          })
          .strict()
          .default({}),
        /** argv that runs metakd on the nodes (default: this installation's node + metakd). */
        metakdCommand: z.array(z.string().min(1)).min(1).optional(),
        dryRun: z.boolean().default(false),
      })
      .strict(),
    'Submits the unfinished cases of a cohort folder as one Slurm array job (one case per task).',
  ),
  cohortStatus: method<CohortStatus>()(
    z.object({ outDir }).strict(),
    'Where each case of a submitted cohort stands: done, failed, pending, running, lost.',
  ),
  cohortCollect: method<CohortCollectDto>()(
    z.object({ outDir }).strict(),
    'Merges the per-case reports of a cohort into summary.json and summary.tsv.',
  ),
} as const;
