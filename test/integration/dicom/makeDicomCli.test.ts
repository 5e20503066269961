/**
 * `metakd make-dicom`: writes the study through the api, prints what it wrote, and answers bad
 * arguments with a usage error; the written folder imports back through `metakd inspect`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataPath, describeData } from '../../helpers/data.ts';
import { runCli } from '../../helpers/cliRunner.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'metakd-make-dicom-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describeData('metakd make-dicom', () => {
  it('writes four series and inspect finds all four sequences in them', async () => {
    const out = path.join(tmp, 'study');
    const r = await runCli(['make-dicom', dataPath('brats18', 'Brats18_2013_20_1'), out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Wrote study 2\.25\.\d+ to /);
    for (const d of ['AX T1 SE', 'AX T2 FSE', 'AX FLAIR', 'AX T1 POST GD']) {
      expect(r.stdout).toMatch(new RegExp(`${d}\\s+155 files`));
    }
    const inspect = await runCli(['inspect', out]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('Missing: none');
  });

  it('answers wrong arguments with a usage error and a non-zero exit code', async () => {
    const r = await runCli(['make-dicom', 'only-one-arg']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('usage: metakd make-dicom');
    const help = await runCli(['make-dicom', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('AX T1 POST GD');
  });
});
