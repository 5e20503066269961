/** `metakd inspect`: text and JSON output, help and exit codes. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { runCli, runCliProcess } from '../helpers/cliRunner.ts';
import { dataPath, describeData } from '../helpers/data.ts';
import type { ImportStudyResultDto } from '../../src-main/api/contract.ts';

describe('metakd inspect (usage)', () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await runCli(['inspect', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: metakd inspect <path> \[--json\]/);
    expect(r.stdout).toMatch(/--json/);
  });

  it('is listed in `metakd --help`', async () => {
    const r = await runCli(['--help']);
    expect(r.stdout).toMatch(/inspect\s+Import a study/);
    expect(r.stdout).toMatch(/classify-names\s+Classify series names/);
  });

  it('no path or an unknown option is a usage error (exit 2)', async () => {
    const none = await runCli(['inspect']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/expected one path/);
    const bad = await runCli(['inspect', '--frobnicate', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--frobnicate'/);
  });

  it('a missing path or a folder without images is an input error (exit 3) naming it', async () => {
    const missing = path.join(os.tmpdir(), 'metakd-inspect-missing-xyz');
    const r = await runCli(['inspect', missing]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(missing);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-inspect-'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    const empty = await runCli(['inspect', dir]);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/NO_IMAGES/);
  });
});

describeData('metakd inspect (real data)', () => {
  it('prints the table and the Present/Missing line for a BraTS 2023 case', async () => {
    const r = await runCli(['inspect', dataPath('brats23', 'BraTS-GLI-00001-000')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Description\s+Size\s+Spacing \(mm\)\s+Label\s+Conf\s+Reasons/);
    expect(r.stdout).toMatch(/BraTS-GLI-00001-000-t2f\s+240×240×155\s+1\.00×1\.00×1\.00\s+FLAIR/);
    expect(r.stdout).toContain('Present: FLAIR, T1, T1ce, T2 — Missing: none');
  });

  it('prints the GE PD series as other with all four missing', async () => {
    const r = await runCli(['inspect', dataPath('dicom', 'ge-signa-brain-pd')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/FSE PD AXIAL OBL\s+256×256×20\s+\S+\s+other/);
    expect(r.stdout).toContain('Present: none — Missing: FLAIR, T1, T1ce, T2');
  });

  it('--json gives the import result: studies with series rows and the assignment', async () => {
    const r = await runCli(['inspect', '--json', dataPath('brats23', 'BraTS-GLI-00001-000')]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as ImportStudyResultDto;
    expect(Object.keys(json).sort()).toEqual(['skipped', 'studies', 'warnings']);
    const [study] = json.studies;
    expect(study.series).toHaveLength(4);
    for (const s of study.series) {
      expect(Object.keys(s)).toEqual(
        expect.arrayContaining([
          'id',
          'description',
          'dims',
          'spacing',
          'source',
          'label',
          'confidence',
          'reasons',
          'derived',
          'warnings',
        ]),
      );
    }
    const byId = new Map(study.series.map((s) => [s.id, s.description]));
    expect(byId.get(study.assignment.t1ce ?? '')).toMatch(/-t1c$/);
    expect(study.missing).toEqual([]);
  });

  it('works through the real entry point (node bin/metakd.cjs) with its exit code', async () => {
    const ok = await runCliProcess(['inspect', dataPath('dicom', 'ge-signa-brain-pd')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Missing: FLAIR, T1, T1ce, T2');
    const usage = await runCliProcess(['inspect']);
    expect(usage.code).toBe(2);
  });
});
