/**
 * The Slurm array-job script of a cohort submission. Pure text building: one array task per case,
 * each running `metakd segment` on its case and leaving an exit marker that `cohort status` reads
 * (Slurm's own accounting database is often not there on small clusters, so the job records its
 * outcome itself).
 */

/** Resources and placement of the array job (each maps to one #SBATCH line when set). */
export interface SlurmResources {
  /** --partition */
  readonly partition?: string;
  /** --cpus-per-task (default 2: the engine uses two intra-op threads). */
  readonly cpusPerTask?: number;
  /** --mem, e.g. "4G" (one case peaks near 1.3 GB; raw studies with preparation near 2 GB). */
  readonly mem?: string;
  /** --time, e.g. "00:30:00". */
  readonly time?: string;
  /** At most this many tasks at once (`--array=…%N`). */
  readonly maxParallel?: number;
  /** --account */
  readonly account?: string;
}

/** Everything the script needs. */
export interface SlurmScriptParams {
  readonly jobName: string;
  /** File with one case name per line; array task i runs line i + 1. */
  readonly casesFile: string;
  readonly caseCount: number;
  /** Folder holding the case folders. */
  readonly sourceDir: string;
  /** Cohort output folder (case results in <out>/<case>). */
  readonly outDir: string;
  /** Folder for per-task logs. */
  readonly logDir: string;
  /** Folder for the per-case exit markers. */
  readonly exitDir: string;
  /** The command that runs metakd, as argv (e.g. [node, /app/bin/metakd.cjs]). */
  readonly metakd: readonly string[];
  /** Extra `metakd segment` options (provider, sequences, contributions, model, prep). */
  readonly segmentArgs: readonly string[];
  readonly resources: SlurmResources;
}

/** Quotes one word for bash (single quotes; embedded single quotes closed and escaped). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Builds the sbatch script text. */
export function buildSlurmArrayScript(p: SlurmScriptParams): string {
  const r = p.resources;
  const array = `0-${p.caseCount - 1}${r.maxParallel ? `%${r.maxParallel}` : ''}`;
  const directives = [
    `--job-name=${p.jobName}`,
    `--array=${array}`,
    `--output=${p.logDir}/slurm-%A_%a.log`,
    `--cpus-per-task=${r.cpusPerTask ?? 2}`,
    r.mem && `--mem=${r.mem}`,
    r.time && `--time=${r.time}`,
    r.partition && `--partition=${r.partition}`,
    r.account && `--account=${r.account}`,
  ].filter((d): d is string => Boolean(d));
  const q = shellQuote;
  const cmd = [
    ...p.metakd,
    'segment',
    '"$SRC/$CASE"',
    '--single',
    '--json',
    '--out',
    '"$OUT/$CASE"',
  ]
    .map((w, i) => (i >= p.metakd.length ? w : q(w)))
    .concat(p.segmentArgs.map(q))
    .join(' ');
  return [
    '#!/bin/bash',
    '# Written by `metakd cohort submit`: one array task per case of the cohort.',
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -u',
    `SRC=${q(p.sourceDir)}`,
    `OUT=${q(p.outDir)}`,
    `LOGS=${q(p.logDir)}`,
    `EXITS=${q(p.exitDir)}`,
    `CASE=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${q(p.casesFile)})`,
    'if [ -z "$CASE" ]; then echo "no case for task $SLURM_ARRAY_TASK_ID" >&2; exit 2; fi',
    `export OMP_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-2}`,
    `${cmd} > "$LOGS/$CASE.json" 2> "$LOGS/$CASE.log"`,
    'rc=$?',
    '# The marker is written atomically: status never reads half a number.',
    'echo "$rc $SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID" > "$EXITS/.$CASE.tmp" && mv "$EXITS/.$CASE.tmp" "$EXITS/$CASE.exit"',
    'exit $rc',
    '',
  ].join('\n');
}
