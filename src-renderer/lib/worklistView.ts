/**
 * The worklist table as the screen shows it: filtering, sorting and next/previous case. Pure
 * functions over the api's worklist rows, so the view derives them instead of keeping copies.
 */
import type { ResultOf, apiMethods } from '../../src-main/api/contract.ts';

/** The worklist as the api returns it. */
export type WorklistDto = ResultOf<(typeof apiMethods)['getWorklist']>;

/** One worklist row. */
export type WorklistRowView = WorklistDto['rows'][number];

/** Columns the table sorts by. */
export type WorklistSort = 'case' | 'model' | 'mine' | 'wtDice' | 'missing';

/** What the reader narrowed the list to. */
export interface WorklistFilter {
  /** Case-name substring (case-insensitive). */
  text: string;
  /** Only this model status ('' for all). */
  model: '' | WorklistRowView['model'];
  /** Only cases this reader has not signed off ('' for all). */
  todoFor: string;
}

/** The reader's cell of a row. */
export function cellOf(row: WorklistRowView, reader: string) {
  return row.readers.find((c) => c.reader === reader);
}

/** WT Dice between two annotators of a row's last agreement, when computed. */
export function wtDice(row: WorklistRowView, a: string, b: string): number | undefined {
  const p = row.agreement?.pairs.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a));
  return p?.dice.wt;
}

/** Lowest WT Dice between any two readers of a row (the case most worth adjudicating). */
export function minReaderWtDice(row: WorklistRowView): number | undefined {
  const d = (row.agreement?.pairs ?? [])
    .filter((p) => p.a !== 'model' && p.b !== 'model')
    .map((p) => p.dice.wt);
  return d.length ? Math.min(...d) : undefined;
}

const MODEL_ORDER: Readonly<Record<WorklistRowView['model'], number>> = {
  failed: 0,
  running: 1,
  queued: 2,
  done: 3,
};
const READER_ORDER = { 'not-started': 0, 'in-progress': 1, 'signed-off': 2 } as const;

/** The rows to show, filtered then sorted (stable: ties keep case order). */
export function visibleRows(
  rows: readonly WorklistRowView[],
  filter: WorklistFilter,
  sort: WorklistSort,
  reader: string,
): WorklistRowView[] {
  const text = filter.text.trim().toLowerCase();
  const kept = rows.filter(
    (r) =>
      (!text || r.caseId.toLowerCase().includes(text)) &&
      (!filter.model || r.model === filter.model) &&
      (!filter.todoFor || cellOf(r, filter.todoFor)?.state !== 'signed-off'),
  );
  const key = (r: WorklistRowView): number | string => {
    switch (sort) {
      case 'case':
        return r.caseId;
      case 'model':
        return MODEL_ORDER[r.model];
      case 'mine':
        return READER_ORDER[cellOf(r, reader)?.state ?? 'not-started'];
      case 'wtDice':
        return minReaderWtDice(r) ?? 2;
      case 'missing':
        return -(r.missing?.length ?? -1);
    }
  };
  return kept
    .map((r, i) => ({ r, i, k: key(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.r);
}

/** The case after (step 1) or before (step −1) `current` among the visible rows, if any. */
export function neighbourCase(
  rows: readonly WorklistRowView[],
  current: string | null,
  step: 1 | -1,
): string | undefined {
  if (rows.length === 0) return undefined;
  const i = current === null ? -1 : rows.findIndex((r) => r.caseId === current);
  if (i < 0) return step === 1 ? rows[0].caseId : rows[rows.length - 1].caseId;
  return rows[i + step]?.caseId;
}

/** "12 min" / "45 s" for a time spent. */
export function formatSpent(ms: number): string {
  if (ms <= 0) return '';
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}
