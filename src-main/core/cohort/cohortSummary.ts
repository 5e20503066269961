/**
 * The cohort summary table: one row per case with its outcome, volumes, provider, model and the
 * sequences used — the columns of `metakd segment <folder>`'s summary.tsv plus the model and the
 * sequences, so both read alike.
 */
import type { CaseStatus } from './cohortStatus.ts';

/** Regions whose volumes (mL) the summary lists, in column order. */
const REGIONS = ['ncr', 'ed', 'et', 'tc', 'wt'] as const;

/** One summary row. */
export interface CohortSummaryRow {
  readonly case: string;
  /** ok = report written; otherwise the case's state. */
  readonly status: 'ok' | Exclude<CaseStatus['state'], 'done'>;
  readonly exitCode: number | null;
  /** Whole-case wall time from its report (import + segmentation), when done. */
  readonly seconds: number | null;
  readonly volumesMl?: Readonly<Record<(typeof REGIONS)[number], number>>;
  readonly provider?: string;
  readonly modelVersion?: string;
  readonly sequences?: readonly string[];
  readonly warnings?: readonly string[];
  readonly error?: string;
}

/** The fields of report.json the summary reads. */
interface ReportFields {
  volumesMl?: Record<string, number>;
  provider?: string;
  model?: { version?: string };
  usedSequences?: string[];
  warnings?: string[];
  importMs?: number;
  timings?: { totalMs?: number };
}

/** Builds a row from a case's status and (when done) its parsed report.json. */
export function summaryRow(c: CaseStatus, report?: unknown): CohortSummaryRow {
  if (c.state !== 'done') {
    return {
      case: c.case,
      status: c.state,
      exitCode: c.exitCode ?? null,
      seconds: null,
      error: c.error,
    };
  }
  const r = (report ?? {}) as ReportFields;
  const ms = (r.importMs ?? 0) + (r.timings?.totalMs ?? 0);
  return {
    case: c.case,
    status: 'ok',
    exitCode: 0,
    seconds: ms > 0 ? ms / 1000 : null,
    volumesMl: Object.fromEntries(
      REGIONS.map((k) => [k, r.volumesMl?.[k] ?? Number.NaN]),
    ) as Record<(typeof REGIONS)[number], number>,
    provider: r.provider,
    modelVersion: r.model?.version,
    sequences: r.usedSequences,
    warnings: r.warnings,
  };
}

/** The rows as TSV with a header line. */
export function cohortSummaryTsv(rows: readonly CohortSummaryRow[]): string {
  const header = [
    'case',
    'status',
    'exit_code',
    'seconds',
    ...REGIONS.map((k) => `${k}_ml`),
    'provider',
    'model_version',
    'sequences',
    'error',
  ];
  const clean = (s: string | undefined) => (s ?? '').replace(/[\t\r\n]/g, ' ');
  const lines = rows.map((r) =>
    [
      r.case,
      r.status,
      r.exitCode ?? '',
      r.seconds?.toFixed(2) ?? '',
      ...REGIONS.map((k) => r.volumesMl?.[k]?.toFixed(3) ?? ''),
      clean(r.provider),
      clean(r.modelVersion),
      (r.sequences ?? []).join('+'),
      clean(r.error),
    ].join('\t'),
  );
  return [header.join('\t'), ...lines].join('\n') + '\n';
}
