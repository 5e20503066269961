/**
 * `metakd inspect <path> [--json] [--verbose]`: imports a file or folder and prints each study, a
 * table of its series (description, size, spacing, label, confidence, reasons) and which of the
 * four sequences are present and missing.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command.ts';
import type { SeriesRowDto, StudySummaryDto } from '../../api/contract.ts';
import { ApiError } from '../../api/service.ts';

/** Display names (the CLI reaches core only through the api, so it keeps its own copy). */
const LABEL_NAME: Readonly<Record<string, string>> = {
  flair: 'FLAIR',
  t1: 'T1',
  t1ce: 'T1ce',
  t2: 'T2',
  other: 'other',
};
/** Slot order of the Present/Missing line. */
const SLOT_ORDER = ['flair', 't1', 't1ce', 't2'] as const;
/** Longest description shown in the table before it is shortened. */
const MAX_DESCRIPTION = 44;
/** Longest reasons cell when the terminal width is unknown. */
const DEFAULT_REASON_WIDTH = 70;

/** Parses the command's arguments; throws INVALID_ARGUMENT with the usage on misuse. */
export function parseCliArgs<T extends Record<string, { type: 'boolean' | 'string' }>>(
  args: readonly string[],
  options: T,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ApiError({ code: 'INVALID_ARGUMENT', message: `${why}\n${usage}` });
  }
}

function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function fmtVec(v: readonly number[], digits: number): string {
  return v.map((x) => x.toFixed(digits)).join('×');
}

/** The label cell: "T1ce", "T1 (derived)". */
function labelCell(s: SeriesRowDto): string {
  return `${LABEL_NAME[s.label] ?? s.label}${s.derived ? ' (derived)' : ''}`;
}

/** The reasons cell: the strongest supporting reasons after the verdict line. */
function reasonCell(s: SeriesRowDto, width: number): string {
  const support = s.reasons.slice(1).filter((r) => !r.startsWith('against:'));
  return shorten((support.length > 0 ? support : s.reasons).slice(0, 2).join('; '), width);
}

/** Formats rows as left-aligned columns. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The "Present: … — Missing: …" line. */
export function presenceLine(study: Pick<StudySummaryDto, 'assignment' | 'missing'>): string {
  const present = SLOT_ORDER.filter((s) => study.assignment[s] !== null).map((s) => LABEL_NAME[s]);
  const missing = study.missing.map((s) => LABEL_NAME[s] ?? s);
  return `Present: ${present.join(', ') || 'none'} — Missing: ${missing.join(', ') || 'none'}`;
}

/** The text block of one study. */
export function formatStudy(study: StudySummaryDto, opts: { width?: number; verbose?: boolean }) {
  const head = [
    `Study ${study.id}`,
    study.description,
    study.date,
    `${study.series.length} series`,
    study.sourcePath,
  ].filter((x): x is string => !!x);
  const rows = study.series.map((s, i) => [
    String(i + 1),
    shorten(s.description || '(no description)', MAX_DESCRIPTION),
    fmtVec(s.dims, 0),
    fmtVec(s.spacing, 2),
    labelCell(s),
    s.confidence.toFixed(2),
    reasonCell(s, opts.width ? Math.max(30, opts.width - 110) : DEFAULT_REASON_WIDTH),
  ]);
  const out = [head.join(' — ')];
  const header = ['#', 'Description', 'Size', 'Spacing (mm)', 'Label', 'Conf', 'Reasons'];
  out.push(...table(header, rows).map((l) => `  ${l}`));
  if (opts.verbose) {
    study.series.forEach((s, i) => {
      out.push(`  [${i + 1}] ${s.description}`, ...s.reasons.map((r) => `      - ${r}`));
      out.push(...s.warnings.map((w) => `      ! ${w}`));
    });
  }
  for (const slot of SLOT_ORDER) {
    const tie = study.ties.find((t) => t.slot === slot);
    if (tie) out.push(`Tie for ${LABEL_NAME[slot]}: ${tie.seriesIds.length} equal candidates`);
  }
  out.push(presenceLine(study));
  return out.join('\n');
}

const USAGE = 'usage: metakd inspect <path> [--json] [--verbose]';

export const inspectCommand: CliCommand = {
  help: [
    USAGE,
    '',
    'Imports a DICOM or NIfTI file or folder (scanned recursively) and prints, per study, a',
    'table of series (description, size, spacing, label, confidence, reasons) and a line such as',
    '`Present: FLAIR, T1ce, T2 — Missing: T1`.',
    '',
    'Options:',
    '  --json      print the import result as JSON (studies, series rows, assignment, skipped)',
    '  --verbose   list every reason and import warning under the table',
    '',
    'Exit codes: 0 ok, 2 usage, 3 unreadable or no images.',
  ].join('\n'),
  async run(args, { api, io }) {
    const { values, positionals } = parseCliArgs(
      args,
      { json: { type: 'boolean' }, verbose: { type: 'boolean' } },
      USAGE,
    );
    if (positionals.length !== 1) {
      throw new ApiError({ code: 'INVALID_ARGUMENT', message: `expected one path.\n${USAGE}` });
    }
    const result = await api.invoke('importStudy', { path: path.resolve(positionals[0]) });
    if (values.json) {
      io.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    const blocks = result.studies.map((s) =>
      formatStudy(s, { width: io.stdout.columns, verbose: values.verbose === true }),
    );
    io.stdout.write(blocks.join('\n\n') + '\n');
    if (result.skipped.length > 0) {
      io.stdout.write(`Skipped ${result.skipped.length} non-image file(s).\n`);
    }
    for (const w of result.warnings) io.stdout.write(`warning: ${w}\n`);
    return 0;
  },
};
