/**
 * Service: cohorts on a cluster scheduler, bound to core/cohort.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectCohort, statusOfCohort, submitCohort } from '../../core/cohort/cohortJobs.ts';
import { slurmEngine, type CohortEngine } from '../../core/cohort/cohortEngine.ts';
import { ErrorCode, MetaKdError } from '../../core/errors.ts';
import type { ServiceParts } from './types.ts';

/**
 * The metakd launcher of this installation: the package's bin/metakd.cjs, found by walking up from
 * this file (its depth differs between the checkout and a bundled build).
 */
function defaultMetakdCommand(): string[] {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const bin = path.join(dir, 'bin', 'metakd.cjs');
    if (existsSync(bin) && existsSync(path.join(dir, 'package.json')))
      return [process.execPath, bin];
    const up = path.dirname(dir);
    if (up === dir) {
      throw new MetaKdError(
        ErrorCode.Internal,
        'cannot find bin/metakd.cjs of this installation; pass metakdCommand.',
      );
    }
    dir = up;
  }
}

/** Implements the cohort methods; `engine` is injectable for tests of this layer. */
export function createCohortService(
  engine: CohortEngine = slurmEngine(),
): ServiceParts<'cohortSubmit' | 'cohortStatus' | 'cohortCollect'> {
  return {
    cohortSubmit: async (p) =>
      submitCohort({
        sourceDir: path.resolve(p.sourceDir),
        outDir: path.resolve(p.outDir),
        engine,
        metakd: p.metakdCommand ?? defaultMetakdCommand(),
        segmentArgs: p.segmentArgs,
        resources: p.resources,
        dryRun: p.dryRun,
      }),
    cohortStatus: async ({ outDir }) => statusOfCohort(path.resolve(outDir), engine),
    cohortCollect: async ({ outDir }) => collectCohort(path.resolve(outDir), engine),
  };
}
