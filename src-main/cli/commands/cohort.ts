/**
 * `metakd cohort submit|status|collect`: a cohort folder on a cluster scheduler (Slurm array job,
 * one case per task), through the api only.
 */
import path from 'node:path';
import type { CliCommand, CliIo } from '../command.ts';
import type { ApiService } from '../../api/service.ts';
import { ApiError } from '../../api/service.ts';
import type { CohortStatusDto } from '../../api/contract/cohort.ts';

const HELP = `usage: metakd cohort submit <folder> --out DIR [--engine slurm] [--partition P]
                     [--account A] [--cpus N] [--mem 4G] [--time 00:30:00] [--max-parallel N]
                     [--provider P] [--sequences LIST] [--contributions] [--model DIR]
                     [--prep auto|off|force] [--dry-run] [--json]
       metakd cohort status DIR [--json]
       metakd cohort collect DIR [--json]

Runs \`metakd segment\` on every case (sub-folder) of <folder> as one Slurm array job, one case per
task, each case's result in DIR/<case>, logs in DIR/logs. Submitting again into the same DIR skips
finished and queued cases and re-runs failed or lost ones. status lists each case's state; collect
merges the case reports into DIR/summary.json and DIR/summary.tsv.

  --engine        scheduler (slurm; sbatch/squeue must be on PATH, SLURM_CONF as your site sets it)
  --partition, --account, --cpus (per task, default 2), --mem, --time, --max-parallel
                  Slurm resources of each task
  --provider, --sequences, --contributions, --model, --prep
                  passed to every \`metakd segment\` task
  --dry-run       write the job script and case list, do not submit`;

function usageError(message: string): never {
  throw new ApiError({ code: 'INVALID_ARGUMENT', message: `${message}\n\n${HELP}` });
}

/** Options that go to every segment task, with whether they take a value. */
const SEGMENT_OPTIONS: Readonly<Record<string, boolean>> = {
  '--provider': true,
  '--sequences': true,
  '--model': true,
  '--prep': true,
  '--contributions': false,
};

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usageError(`${flag} needs a whole number ≥ 1, not "${v}"`);
  return n;
}

async function submit(args: readonly string[], api: ApiService, io: CliIo): Promise<number> {
  let source: string | undefined;
  let out: string | undefined;
  let json = false;
  let dryRun = false;
  const segmentArgs: string[] = [];
  const resources: Record<string, string | number> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i] ?? usageError(`${a} needs a value`);
    if (a === '--out') out = value();
    else if (a === '--engine') {
      const e = value();
      if (e !== 'slurm') usageError(`unknown engine "${e}" (slurm is the one supported)`);
    } else if (a === '--partition') resources.partition = value();
    else if (a === '--account') resources.account = value();
    else if (a === '--cpus') resources.cpusPerTask = positiveInt(a, value());
    else if (a === '--mem') resources.mem = value();
    else if (a === '--time') resources.time = value();
    else if (a === '--max-parallel') resources.maxParallel = positiveInt(a, value());
    else if (a in SEGMENT_OPTIONS) {
      segmentArgs.push(a);
      if (SEGMENT_OPTIONS[a]) {
        const v = value();
        segmentArgs.push(a === '--model' ? path.resolve(v) : v);
      }
    } else if (a === '--dry-run') dryRun = true;
    else if (a === '--json') json = true;
    else if (a.startsWith('-')) usageError(`unknown option ${a}`);
    else if (!source) source = a;
    else usageError(`unexpected argument ${a}`);
  }
  if (!source) usageError('a cohort folder is required');
  if (!out)
    usageError('--out DIR is required (the cohort output folder, on storage the nodes share)');
  const r = await api.invoke('cohortSubmit', {
    sourceDir: path.resolve(source),
    outDir: path.resolve(out),
    engine: 'slurm',
    segmentArgs,
    resources,
    dryRun,
  });
  if (json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else if (r.jobId)
    io.stdout.write(
      `Submitted job ${r.jobId}: ${r.submitted.length} case(s)` +
        (r.skipped.length ? `, ${r.skipped.length} skipped (finished or queued)` : '') +
        `\nScript: ${r.scriptFile}\n`,
    );
  else if (r.scriptFile)
    io.stdout.write(`Dry run: ${r.submitted.length} case(s) would run; script ${r.scriptFile}\n`);
  else
    io.stdout.write(`Nothing to submit: all ${r.skipped.length} case(s) are finished or queued.\n`);
  return 0;
}

function printStatus(s: CohortStatusDto, io: CliIo): void {
  const w = Math.max(4, ...s.cases.map((c) => c.case.length));
  for (const c of s.cases) {
    const where = c.jobId ? ` job ${c.jobId}_${c.task}` : '';
    io.stdout.write(
      `${c.case.padEnd(w)}  ${c.state.padEnd(13)}${where}${c.error ? `  ${c.error}` : ''}\n`,
    );
  }
  const parts = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  io.stdout.write(`${s.cases.length} case(s): ${parts.join(', ')}\n`);
}

/** The cohort subcommand. */
export const cohortCommand: CliCommand = {
  help: HELP,
  async run(args, { api, io }) {
    const [sub, ...rest] = args;
    if (sub === 'submit') return submit(rest, api, io);
    if (sub === 'status' || sub === 'collect') {
      const json = rest.includes('--json');
      const dirs = rest.filter((a) => a !== '--json');
      if (dirs.length !== 1 || dirs[0].startsWith('-'))
        usageError(`cohort ${sub} takes one output folder`);
      const outDir = path.resolve(dirs[0]);
      if (sub === 'status') {
        const s = await api.invoke('cohortStatus', { outDir });
        if (json) io.stdout.write(JSON.stringify(s, null, 2) + '\n');
        else printStatus(s, io);
        return s.counts.failed + s.counts.lost > 0 ? 1 : 0;
      }
      const c = await api.invoke('cohortCollect', { outDir });
      if (json) io.stdout.write(JSON.stringify(c, null, 2) + '\n');
      else {
        printStatus(c.status, io);
        io.stdout.write(`Summary: ${c.summaryTsv}\n         ${c.summaryJson}\n`);
      }
      return 0;
    }
    usageError(sub ? `unknown cohort command "${sub}"` : 'submit, status or collect?');
  },
};
