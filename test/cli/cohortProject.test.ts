/** `metakd cohort` and `metakd project`: usage, validation and the dry run (no scheduler needed). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cliRunner.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-cli-cohort-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('metakd cohort', () => {
  it('is listed in --help and explains itself', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/cohort\s+Run a cohort folder on a Slurm/);
    const r = await runCli(['cohort', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/metakd cohort submit <folder> --out DIR/);
  });

  it('refuses missing arguments, unknown engines and unsafe resource values (exit 2)', async () => {
    expect((await runCli(['cohort'])).code).toBe(2);
    expect((await runCli(['cohort', 'submit', dir])).stderr).toMatch(/--out DIR is required/);
    const k8s = await runCli(['cohort', 'submit', dir, '--out', dir, '--engine', 'k8s']);
    expect(k8s.stderr).toMatch(/unknown engine "k8s"/);
    const evil = await runCli(['cohort', 'submit', dir, '--out', dir, '--partition', 'a;rm -rf /']);
    expect(evil.code).toBe(2);
    expect(evil.stderr).toMatch(/partition/);
    expect((await runCli(['cohort', 'submit', dir, '--out', dir, '--cpus', '0'])).code).toBe(2);
  });

  it('--dry-run writes the array script and the case list without submitting', async () => {
    const src = path.join(dir, 'src');
    for (const c of ['b case', 'a']) mkdirSync(path.join(src, c), { recursive: true });
    const out = path.join(dir, 'out');
    const r = await runCli([
      'cohort',
      'submit',
      src,
      '--out',
      out,
      '--dry-run',
      '--json',
      '--mem',
      '4G',
      '--sequences',
      'flair,t1ce',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { jobId: null; submitted: string[]; scriptFile: string };
    expect(res.jobId).toBeNull();
    expect(res.submitted).toEqual(['a', 'b case']);
    const script = readFileSync(res.scriptFile, 'utf8');
    expect(script).toContain('#SBATCH --array=0-1');
    expect(script).toContain('#SBATCH --mem=4G');
    expect(script).toContain("'--sequences' 'flair,t1ce'");
  });

  it('status of a folder without a cohort says so (exit 3)', async () => {
    const r = await runCli(['cohort', 'status', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cohort\.json is missing/);
  });
});

describe('metakd project', () => {
  it('is listed in --help; bad ids and missing options are usage errors', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/project\s+Annotation projects/);
    expect((await runCli(['project', 'worklist', '../x'])).code).toBe(2);
    expect(
      (await runCli(['project', 'export', '00000000-0000-0000-0000-000000000000'])).stderr,
    ).toMatch(/--out DIR is required/);
  });
});
