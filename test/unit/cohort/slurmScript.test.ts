/** The Slurm array script: directives from the resources, quoting of every path and option. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { buildSlurmArrayScript, shellQuote } from '../../../src-main/core/cohort/slurmScript.ts';

const base = {
  jobName: 'metakd-x',
  casesFile: "/data/it's here/cases.txt",
  caseCount: 3,
  sourceDir: '/data/my cohort',
  outDir: '/scratch/out $HOME',
  logDir: '/scratch/out $HOME/logs',
  exitDir: '/scratch/out $HOME/.cohort/exit',
  metakd: ['/usr/bin/node', '/opt/metakd/bin/metakd.cjs'],
  segmentArgs: ['--sequences', 'flair,t1ce', '--contributions'],
  resources: {},
};

describe('buildSlurmArrayScript', () => {
  it('writes one array task per case and only the resources that are set', () => {
    const s = buildSlurmArrayScript({
      ...base,
      resources: { partition: 'gpu', mem: '4G', time: '00:30:00', maxParallel: 2 },
    });
    expect(s).toContain('#SBATCH --array=0-2%2');
    expect(s).toContain('#SBATCH --partition=gpu');
    expect(s).toContain('#SBATCH --mem=4G');
    expect(s).toContain('#SBATCH --time=00:30:00');
    expect(s).toContain('#SBATCH --cpus-per-task=2');
    expect(s).not.toContain('--account');
  });

  it('is valid bash that reads back every path and option unchanged', () => {
    const s = buildSlurmArrayScript(base);
    execFileSync('bash', ['-n'], { input: s }); // syntax check
    // Evaluate the variable block the way bash will, and compare.
    const vars = s
      .split('\n')
      .filter((l) => /^(SRC|OUT|LOGS|EXITS)=/.test(l))
      .join('\n');
    const printed = execFileSync('bash', ['-c', `${vars}\nprintf '%s\\n' "$SRC" "$OUT" "$LOGS"`], {
      encoding: 'utf8',
    });
    expect(printed.trim().split('\n')).toEqual([base.sourceDir, base.outDir, base.logDir]);
    expect(s).toContain(`${shellQuote('--sequences')} ${shellQuote('flair,t1ce')}`);
  });

  it('quotes single quotes so that bash gives the word back', () => {
    for (const w of ["a'b", "'", 'a b', '$(rm -rf /)', '"x"']) {
      expect(execFileSync('bash', ['-c', `printf %s ${shellQuote(w)}`], { encoding: 'utf8' })).toBe(
        w,
      );
    }
  });
});
