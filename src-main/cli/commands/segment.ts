/**
 * `metakd segment <path>`: import → detect → segment → labelmap.nii.gz + report.json, through the
 * api only. A folder of cases (one per sub-folder) is processed one case per child process,
 * continuing past failures, with summary.json / summary.tsv.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand, CliIo } from '../command.ts';
import { childProcess } from '../childProcess.ts';
import type { ApiService } from '../../api/service.ts';
import { ApiError } from '../../api/service.ts';
import type { ApiEvent } from '../../api/contract.ts';
import type { SegmentationResultDto } from '../../api/contract/inference.ts';
import { PREP_MODE_CHOICES, PROVIDER_CHOICES } from '../../api/contract/choices.ts';

const HELP = `usage: metakd segment <path> [--out DIR] [--provider auto|cpu|webgpu|cuda|dml|coreml]
                      [--sequences flair,t1,t1ce,t2] [--contributions] [--json] [--model DIR]
                      [--batch | --single] [--prep auto|off|force]

Imports a DICOM/NIfTI study, detects its sequences, segments the tumour and writes
labelmap.nii.gz (labels 1 NCR, 2 ED, 4 ET, in the reference series' geometry) and report.json
to DIR (default: ./segment-out).

A folder whose sub-folders each hold a NIfTI case (or any folder with --batch) is a cohort: each
case runs in its own process, failures do not stop the rest, and DIR gets one folder per case
plus summary.json and summary.tsv.

  --provider      execution provider (default auto: GPU if it self-tests, else CPU)
  --sequences     use only these present sequences (study missing-sequence cases)
  --contributions add the per-sequence contribution readout (Shapley values)
  --json          print the report as JSON on stdout
  --model DIR     model folder (default: models/metakd-brats or $METAKD_MODEL)
  --prep MODE     raw-study preparation (co-registration, brain extraction, BraTS-space
                  alignment): auto (default: when the study is not BraTS-like), off, force;
                  report.json records what ran in "preparation"
  --anonymise-provenance
                  leave source paths and DICOM UIDs out of report.json (by default paths
                  are written relative to the study: its folder name, then the file in it)`;

const SLOTS = ['flair', 't1', 't1ce', 't2'] as const;
/** The CLI a cohort child runs: bin/metakd.cjs from source, out/main/metakd.cjs from a build. */
const HERE = fileURLToPath(import.meta.url);
const BIN = HERE.endsWith('.ts')
  ? path.resolve(HERE, '..', '..', '..', '..', 'bin', 'metakd.cjs')
  : path.join(path.dirname(HERE), 'metakd.cjs');
const NIFTI_RE = /\.nii(\.gz)?$/i;
const BAR_WIDTH = 30;

interface Options {
  path: string;
  out: string;
  provider: (typeof PROVIDER_CHOICES)[number];
  sequences?: (typeof SLOTS)[number][];
  contributions: boolean;
  json: boolean;
  model?: string;
  mode: 'auto' | 'batch' | 'single';
  prep: (typeof PREP_MODE_CHOICES)[number];
  argv: readonly string[];
  /** Leave paths and UIDs out of report.json (issue 12). */
  anonymiseProvenance?: boolean;
}

function usageError(message: string): never {
  throw new ApiError({ code: 'INVALID_ARGUMENT', message: `${message}\n\n${HELP}` });
}

function parseArgs(args: readonly string[]): Options {
  const o: Partial<Options> = {
    provider: 'auto',
    contributions: false,
    json: false,
    mode: 'auto',
    prep: 'auto',
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i] ?? usageError(`${a} needs a value`);
    if (a === '--out') o.out = value();
    else if (a === '--provider') {
      const v = value();
      if (!(PROVIDER_CHOICES as readonly string[]).includes(v))
        usageError(`unknown provider "${v}"`);
      o.provider = v as Options['provider'];
    } else if (a === '--sequences') {
      const list = value()
        .split(',')
        .map((s) => s.trim().toLowerCase());
      const bad = list.filter((s) => !(SLOTS as readonly string[]).includes(s));
      if (bad.length) usageError(`unknown sequence(s) ${bad.join(', ')}; use ${SLOTS.join(',')}`);
      o.sequences = list as Options['sequences'];
    } else if (a === '--contributions') o.contributions = true;
    else if (a === '--json') o.json = true;
    else if (a === '--anonymise-provenance') o.anonymiseProvenance = true;
    else if (a === '--model') o.model = path.resolve(value());
    else if (a === '--batch') o.mode = 'batch';
    else if (a === '--single') o.mode = 'single';
    else if (a === '--prep') {
      const v = value();
      if (!(PREP_MODE_CHOICES as readonly string[]).includes(v))
        usageError(`unknown --prep mode "${v}"; use auto, off or force`);
      o.prep = v as Options['prep'];
    } else if (a.startsWith('-')) usageError(`unknown option ${a}`);
    else if (!o.path) o.path = a;
    else usageError(`unexpected argument ${a}`);
  }
  if (!o.path) usageError('a path is required');
  return {
    ...(o as Options),
    path: path.resolve(o.path),
    out: path.resolve(o.out ?? 'segment-out'),
    argv: args,
  };
}

/** A cohort: a folder with no files of its own whose sub-folders each hold a NIfTI file. */
function isCohort(p: string, mode: Options['mode']): boolean {
  if (mode !== 'auto') return mode === 'batch';
  if (!existsSync(p) || !statSync(p).isDirectory()) return false;
  const names = readdirSync(p).filter((n) => !n.startsWith('.'));
  const dirs = subfolders(p);
  if (dirs.length < 2 || dirs.length !== names.length) return false;
  return dirs.every((d) => readdirSync(path.join(p, d)).some((f) => NIFTI_RE.test(f)));
}

/** Sub-folder names (symbolic links followed), sorted. */
function subfolders(p: string): string[] {
  return readdirSync(p)
    .filter((n) => !n.startsWith('.') && statSync(path.join(p, n)).isDirectory())
    .sort();
}

function progressPrinter(io: CliIo): (e: ApiEvent) => void {
  const tty = Boolean(io.stderr.isTTY);
  let lastLine = '';
  return (e) => {
    if (e.type !== 'job.progress') return;
    if (tty) {
      const filled = e.total ? Math.round((BAR_WIDTH * e.done) / e.total) : 0;
      io.stderr.write(
        `\r${e.stage.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${e.done}/${e.total}`,
      );
      if (e.done === e.total) io.stderr.write('\n');
      return;
    }
    const step = Math.max(1, Math.ceil(e.total / 10));
    const line = `${e.stage} ${e.done}/${e.total}`;
    if ((e.done % step === 0 || e.done === e.total) && line !== lastLine) {
      io.stderr.write(line + '\n');
      lastLine = line;
    }
  };
}

async function segmentOne(o: Options, api: ApiService, io: CliIo): Promise<number> {
  const t0 = performance.now();
  const emit = progressPrinter(io);
  // Ctrl-C cancels cleanly at any stage (import, queue, inference): exit 130, nothing written.
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    // Worker start-up and session creation run while the study imports (issue 13: the first
    // result sooner). The call returns at once; a failure there is reported by the job.
    await api.invoke('prewarmSegmentation', { provider: o.provider, modelDir: o.model });
    const imported = await api.invoke('importStudy', { path: o.path }, { emit, signal: ac.signal });
    const importMs = performance.now() - t0;
    if (imported.studies.length === 0) {
      throw new ApiError({ code: 'NO_IMAGES', message: `${o.path}: no study found.` });
    }
    const study = imported.studies[0];
    const { jobId } = await api.invoke(
      'startSegmentation',
      {
        studyId: study.id,
        provider: o.provider,
        sequences: o.sequences,
        contributions: o.contributions,
        modelDir: o.model,
        prep: o.prep,
      },
      { emit },
    );
    const cancel = () => void api.invoke('cancelJob', { jobId });
    if (ac.signal.aborted) cancel();
    else ac.signal.addEventListener('abort', cancel, { once: true });
    const result = await api.invoke('awaitSegmentation', { jobId });
    // A Ctrl-C that lands after the result but before anything is written still cancels.
    if (ac.signal.aborted)
      throw new ApiError({ code: 'CANCELLED', message: 'Cancelled by the user.' });
    const saved = await api.invoke('saveSegmentation', {
      jobId,
      outDir: o.out,
      ...(o.anonymiseProvenance ? { anonymiseProvenance: true } : {}),
      reportExtra: {
        importMs,
        importWarnings: imported.warnings,
        command: ['metakd', 'segment', ...o.argv],
      },
    });
    const summary = {
      ...result,
      importMs,
      totalMs: performance.now() - t0,
      importWarnings: imported.warnings,
      otherStudies: imported.studies.length - 1,
      output: saved,
    };
    if (o.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      const v = result.volumesMl;
      io.stdout.write(
        `Sequences: ${result.usedSequences.join(', ')}${result.missingSequences.length ? ` (missing: ${result.missingSequences.join(', ')})` : ''}\n` +
          `Provider: ${result.provider}   model ${result.model.name} ${result.model.version}\n` +
          `Volumes (mL): NCR ${v.ncr.toFixed(1)}  ED ${v.ed.toFixed(1)}  ET ${v.et.toFixed(1)}  TC ${v.tc.toFixed(1)}  WT ${v.wt.toFixed(1)}\n` +
          (result.expectedAccuracy
            ? `Expected Dice (validation): ET ${result.expectedAccuracy.dice.et.toFixed(2)}  TC ${result.expectedAccuracy.dice.tc.toFixed(2)}  WT ${result.expectedAccuracy.dice.wt.toFixed(2)}\n`
            : '') +
          preparationLine(result.preparation) +
          result.warnings.map((w) => `warning: ${w}\n`).join('') +
          `Wrote ${saved.labelmapPath}\n      ${saved.reportPath}\n`,
      );
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** One line on what the raw-study preparation did (empty when it did not run). */
function preparationLine(p: SegmentationResultDto['preparation']): string {
  if (!p?.ran) return '';
  const t = p.timings ? ` in ${(p.timings.totalMs / 1000).toFixed(1)} s` : '';
  const mask = p.brainMask ? `, brain mask ${p.brainMask.volumeMl.toFixed(0)} mL` : '';
  return `Prepared${t}: ${p.decision.reasons.map((r) => r.message).join(' ')} Registered ${p.registrations.filter((r) => r.used).length} transforms${mask}; labels on the ${p.referenceSlot ?? ''} series' grid.\n`;
}

interface CaseOutcome {
  case: string;
  status: 'ok' | 'failed';
  exitCode: number;
  seconds: number;
  error?: string;
  volumesMl?: Record<string, number>;
  provider?: string;
}

async function runChild(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = childProcess();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function segmentCohort(o: Options, io: CliIo): Promise<number> {
  const cases = subfolders(o.path);
  await mkdir(o.out, { recursive: true });
  const outcomes: CaseOutcome[] = [];
  for (const [n, name] of cases.entries()) {
    const t0 = performance.now();
    const args = [
      'segment',
      path.join(o.path, name),
      '--single',
      '--json',
      '--out',
      path.join(o.out, name),
      '--provider',
      o.provider,
    ];
    if (o.sequences) args.push('--sequences', o.sequences.join(','));
    if (o.contributions) args.push('--contributions');
    if (o.model) args.push('--model', o.model);
    args.push('--prep', o.prep);
    const r = await runChild(args);
    const seconds = (performance.now() - t0) / 1000;
    let outcome: CaseOutcome = { case: name, status: 'failed', exitCode: r.code, seconds };
    if (r.code === 0) {
      const rep = JSON.parse(r.stdout) as { volumesMl: Record<string, number>; provider: string };
      outcome = { ...outcome, status: 'ok', volumesMl: rep.volumesMl, provider: rep.provider };
    } else {
      outcome.error =
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.includes('error'))
          .pop() ?? r.stderr.trim().slice(-300);
    }
    outcomes.push(outcome);
    io.stderr.write(
      `[${n + 1}/${cases.length}] ${name}: ${outcome.status} (${seconds.toFixed(1)} s)${outcome.error ? ` ${outcome.error}` : ''}\n`,
    );
  }
  const header = [
    'case',
    'status',
    'exit_code',
    'seconds',
    'ncr_ml',
    'ed_ml',
    'et_ml',
    'tc_ml',
    'wt_ml',
    'provider',
    'error',
  ];
  const rows = outcomes.map((c) =>
    [
      c.case,
      c.status,
      c.exitCode,
      c.seconds.toFixed(2),
      ...['ncr', 'ed', 'et', 'tc', 'wt'].map((k) => c.volumesMl?.[k]?.toFixed(3) ?? ''),
      c.provider ?? '',
      (c.error ?? '').replace(/[\t\n]/g, ' '),
    ].join('\t'),
  );
  const summary = {
    path: o.path,
    cases: outcomes.length,
    ok: outcomes.filter((c) => c.status === 'ok').length,
    outcomes,
  };
  for (const [file, text] of [
    ['summary.json', JSON.stringify(summary, null, 2) + '\n'],
    ['summary.tsv', [header.join('\t'), ...rows].join('\n') + '\n'],
  ] as const) {
    const tmp = path.join(o.out, `.${file}.${process.pid}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, path.join(o.out, file));
  }
  if (o.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else
    io.stdout.write(
      `${summary.ok}/${summary.cases} cases segmented; summary in ${path.join(o.out, 'summary.tsv')}\n`,
    );
  return summary.ok === summary.cases ? 0 : 1;
}

/** The segment subcommand. */
export const segmentCommand: CliCommand = {
  help: HELP,
  async run(args, { api, io }) {
    const o = parseArgs(args);
    if (!existsSync(o.path))
      throw new ApiError({ code: 'NOT_FOUND', message: `${o.path}: no such file or folder.` });
    return isCohort(o.path, o.mode) ? segmentCohort(o, io) : segmentOne(o, api, io);
  },
};
