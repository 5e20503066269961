/**
 * `metakd classify-names <file.tsv> [--json]`: classifies header strings from a TSV (one series
 * per row) so a site can check its protocol names before deployment. Rows sharing a `study_id`
 * are judged together as one study, in `series_number` order; output is one label per row, in
 * input order.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliCommand } from '../command.ts';
import type { ClassificationDto, NameRowDto } from '../../api/contract.ts';
import { ApiError } from '../../api/service.ts';
import { parseCliArgs } from './inspect.ts';

const USAGE = 'usage: metakd classify-names <file.tsv> [--json]';

/** TSV columns (lower-cased header) → what they carry. */
const TEXT_COLUMNS = {
  protocol_name: 'ProtocolName',
  scanning_sequence: 'ScanningSequence',
  sequence_variant: 'SequenceVariant',
  sequence_name: 'SequenceName',
  contrast_agent: 'ContrastBolusAgent',
  series_time: 'SeriesTime',
  manufacturer: 'Manufacturer',
  study_id: 'studyId',
} as const;
const NUMBER_COLUMNS = { tr: 'RepetitionTime', te: 'EchoTime', ti: 'InversionTime' } as const;

/** A Siemens sequence name written into the ScanningSequence column: "(seq tir2d1_21)". */
const SEQUENCE_NAME_NOTE = /^\(?\s*seq\s+([^\s)]+)\s*\)?$/i;

function usageError(message: string): ApiError {
  return new ApiError({ code: 'INVALID_ARGUMENT', message });
}

/** A parsed TSV: rows plus notes about cells that were ignored. */
export interface ParsedNameTsv {
  readonly rows: NameRowDto[];
  readonly warnings: string[];
}

/** Parses a number cell; a non-number is ignored with a warning (real files have shifted cells). */
function parseNumber(raw: string, where: string, warnings: string[]): number | undefined {
  const n = Number(raw);
  if (Number.isFinite(n)) return n;
  warnings.push(`${where}: "${raw}" is not a number; ignored.`);
  return undefined;
}

/** Builds one row object from the cells of a TSV line. */
function parseRow(
  cells: readonly string[],
  col: ReadonlyMap<string, number>,
  where: string,
  warnings: string[],
) {
  const get = (name: string) => {
    const i = col.get(name);
    const v = i === undefined ? '' : (cells[i] ?? '').trim();
    return v.length > 0 ? v : undefined;
  };
  const row: Record<string, unknown> = { SeriesDescription: get('series_description') ?? '' };
  for (const [column, key] of Object.entries(TEXT_COLUMNS)) {
    const v = get(column);
    if (v !== undefined) row[key] = v;
  }
  for (const [column, key] of Object.entries(NUMBER_COLUMNS)) {
    const v = get(column);
    const n = v === undefined ? undefined : parseNumber(v, `${where}, column ${column}`, warnings);
    if (n !== undefined) row[key] = n;
  }
  const seriesNumber = get('series_number');
  if (seriesNumber !== undefined) {
    const n = parseNumber(seriesNumber, `${where}, column series_number`, warnings);
    if (n !== undefined && !Number.isInteger(n)) {
      throw usageError(`${where}: series_number must be an integer, got "${seriesNumber}".`);
    }
    if (n !== undefined) row.SeriesNumber = n;
  }
  const imageType = get('image_type');
  if (imageType !== undefined) row.ImageType = imageType.split(/[\\|]/).map((v) => v.trim());
  const note =
    typeof row.ScanningSequence === 'string' && SEQUENCE_NAME_NOTE.exec(row.ScanningSequence);
  if (note) {
    row.SequenceName ??= note[1];
    delete row.ScanningSequence;
  }
  return row as NameRowDto;
}

/**
 * Parses the TSV text into name rows. The header must have a `series_description` column; the
 * other columns are optional and unknown columns (e.g. `label_guess`) are ignored.
 */
export function parseNameTsv(text: string, file: string): ParsedNameTsv {
  const lines = text
    .split(/\r?\n/)
    .map((l, i) => ({ l, where: `${file} line ${i + 1}` }))
    .filter(({ l }) => l.trim().length > 0 && !l.startsWith('#'));
  if (lines.length === 0) throw usageError(`${file}: the file is empty; expected a TSV header.`);
  const header = lines[0].l.split('\t').map((h) => h.trim().toLowerCase());
  const col = new Map(header.map((h, i) => [h, i]));
  if (!col.has('series_description')) {
    throw usageError(
      `${file}: no "series_description" column in the header (found: ${header.join(', ')}).`,
    );
  }
  const warnings: string[] = [];
  const rows = lines.slice(1).map(({ l, where }) => parseRow(l.split('\t'), col, where, warnings));
  return { rows, warnings };
}

/** Text output: a TSV with one row per input row. */
function formatResults(rows: readonly NameRowDto[], results: readonly ClassificationDto[]) {
  const out = ['row\tlabel\tconfidence\tderived\tseries_description\treason'];
  results.forEach((r, i) => {
    const reason = r.reasons.find((x, k) => k > 0 && !x.startsWith('against:')) ?? r.reasons[0];
    out.push(
      [
        i + 1,
        r.label,
        r.confidence.toFixed(2),
        r.derived ? 'yes' : 'no',
        rows[i].SeriesDescription,
        reason,
      ].join('\t'),
    );
  });
  return out.join('\n');
}

export const classifyNamesCommand: CliCommand = {
  help: [
    USAGE,
    '',
    'Reads a tab-separated file with a header row. Required column: series_description.',
    'Optional: protocol_name, scanning_sequence, sequence_variant, sequence_name, TR, TE, TI (ms),',
    'contrast_agent, image_type (values separated by \\), study_id, series_number, series_time,',
    'manufacturer. Other columns are ignored.',
    '',
    'Prints one label (t1, t1ce, t2, flair, other) per row, in input order. Rows that share a',
    'study_id are judged together as one study in series_number order, so a T1 repeated after',
    'contrast is recognised as T1ce.',
    '',
    'Options:',
    '  --json   print {"results": [{row, SeriesDescription, label, confidence, derived, reasons}]}',
    '',
    'Exit codes: 0 ok, 2 usage or malformed TSV, 3 file not found.',
  ].join('\n'),
  async run(args, { api, io }) {
    const { values, positionals } = parseCliArgs(args, { json: { type: 'boolean' } }, USAGE);
    if (positionals.length !== 1) {
      throw usageError(`expected one TSV file.\n${USAGE}`);
    }
    const file = path.resolve(positionals[0]);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ApiError({
        code: code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT',
        message: `${file}: cannot read the file (${code ?? String(e)}).`,
        file,
      });
    }
    const { rows, warnings } = parseNameTsv(text, file);
    for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
    const { results } = await api.invoke('classifyNames', { rows });
    if (values.json) {
      const json = results.map((r, i) => ({
        row: i + 1,
        SeriesDescription: rows[i].SeriesDescription,
        ...r,
      }));
      io.stdout.write(JSON.stringify({ results: json }, null, 2) + '\n');
    } else {
      io.stdout.write(formatResults(rows, results) + '\n');
    }
    return 0;
  },
};
