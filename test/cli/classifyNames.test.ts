/** `metakd classify-names`: TSV in, one label per row out (text and JSON), help and exit codes. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { runCli } from '../helpers/cliRunner.ts';
import { dataPath, describeData } from '../helpers/data.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-names-'));
function tsv(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

interface JsonRow {
  row: number;
  SeriesDescription: string;
  label: string;
  confidence: number;
  derived: boolean;
  reasons: string[];
}

describe('metakd classify-names', () => {
  it('--help documents the columns and exits 0', async () => {
    const r = await runCli(['classify-names', '-h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/series_description/);
    expect(r.stdout).toMatch(/study_id/);
  });

  it('prints one label per row, in input order', async () => {
    const file = tsv('basic.tsv', [
      'series_description\tprotocol_name',
      'AX T2 FSE\t',
      'AX T1 POST GD FLAIR\t',
      'Sag MPRAGE\t',
      'DWI\t',
    ]);
    const r = await runCli(['classify-names', file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('row\tlabel\tconfidence\tderived\tseries_description\treason');
    expect(lines.slice(1).map((l) => l.split('\t')[1])).toEqual(['t2', 't1ce', 't1', 'other']);
  });

  it('--json gives {results: [{row, SeriesDescription, label, confidence, derived, reasons}]}', async () => {
    const file = tsv('json.tsv', ['series_description\tTR\tTE\tTI', 'AX FLAIR\t9000\t120\t2500']);
    const r = await runCli(['classify-names', '--json', file]);
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.stdout) as { results: JsonRow[] };
    expect(results).toHaveLength(1);
    expect(Object.keys(results[0]).sort()).toEqual(
      ['SeriesDescription', 'confidence', 'derived', 'label', 'reasons', 'row'].sort(),
    );
    expect(results[0]).toMatchObject({ row: 1, SeriesDescription: 'AX FLAIR', label: 'flair' });
    expect(results[0].reasons.join('\n')).toMatch(/TI 2500 ms/);
  });

  it('judges rows sharing study_id together in series_number order', async () => {
    const file = tsv('study.tsv', [
      'study_id\tseries_number\tseries_description\tscanning_sequence\tTR\tTE',
      'A\t1201\tT1W_SE-TRA_FS\tSE\t625.741\t15',
      'A\t901\tT1W_SE-TRA_FS\tSE\t625.741\t15',
      'B\t1201\tT1W_SE-TRA_FS\tSE\t625.741\t15',
    ]);
    const r = await runCli(['classify-names', '--json', file]);
    const { results } = JSON.parse(r.stdout) as { results: JsonRow[] };
    expect(results.map((x) => x.label)).toEqual(['t1ce', 't1', 't1']);
    expect(results[0].reasons.join('\n')).toMatch(/repeat of #901/);
  });

  it('reads image_type (values separated by \\) and contrast_agent', async () => {
    const file = tsv('it.tsv', [
      'series_description\timage_type\tcontrast_agent',
      'T1 MPR SAG\tDERIVED\\SECONDARY\\MPR\t',
      'AX T1 SE\t\tGadovist',
    ]);
    const { results } = JSON.parse((await runCli(['classify-names', '--json', file])).stdout) as {
      results: JsonRow[];
    };
    expect(results[0]).toMatchObject({ label: 't1', derived: true });
    expect(results[1]).toMatchObject({ label: 't1ce' });
  });

  it('a TSV without series_description is a usage error (exit 2) naming the file', async () => {
    const file = tsv('bad.tsv', ['name\tTR', 'x\t1']);
    const r = await runCli(['classify-names', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/no "series_description" column/);
  });

  it('a missing file exits 3; no file exits 2', async () => {
    expect((await runCli(['classify-names', path.join(dir, 'nope.tsv')])).code).toBe(3);
    expect((await runCli(['classify-names'])).code).toBe(2);
  });

  it('a non-number in a number column is ignored with a warning naming the line', async () => {
    const file = tsv('shift.tsv', ['series_description\tTI', 'MPRAGE_S2\tT1 (phantom)']);
    const r = await runCli(['classify-names', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/line 2, column ti: "T1 \(phantom\)" is not a number; ignored/);
    expect(r.stdout.trim().split('\n')[1].split('\t')[1]).toBe('t1');
  });
});

describeData('metakd classify-names on other_real_strings.tsv', () => {
  it('classifies every row of the real file', async () => {
    const r = await runCli([
      'classify-names',
      '--json',
      dataPath('sequence-names', 'other_real_strings.tsv'),
    ]);
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.stdout) as { results: JsonRow[] };
    expect(results).toHaveLength(32);
    expect(results.find((x) => x.SeriesDescription.startsWith('AX_T1_POST_GD_FLAIR'))?.label).toBe(
      't1ce',
    );
  });
});
