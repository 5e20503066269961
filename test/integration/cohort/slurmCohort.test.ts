/**
 * `metakd cohort` against a real one-node Slurm started by the test (Debian slurm-wlm + munge):
 * submit → every case runs as one array task with the shipped model → status → collect; a broken
 * case fails with its error and log; re-submitting skips finished cases and re-runs only the
 * failed one; once all are done, nothing is submitted.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataPath, describeData } from '../../helpers/data.ts';
import { runCli } from '../../helpers/cliRunner.ts';
import { slurmUnavailable, startSlurm, type SlurmCluster } from '../../helpers/slurm.ts';
import type { CohortStatusDto, CohortSubmitDto } from '../../../src-main/api/contract/cohort.ts';

const CASES = ['Brats18_2013_20_1', 'Brats18_CBICA_AQQ_1'];
const BROKEN = 'case_broken';
const why = slurmUnavailable();
const describeSlurm = why ? describeData.skip : describeData;

/** Links a shared BraTS case's files into a case folder (the cohort lives in a temp folder). */
function linkCase(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const f of readdirSync(src)) {
    if (!f.endsWith('_seg.nii.gz')) symlinkSync(path.join(src, f), path.join(dst, f));
  }
}

describeSlurm(`metakd cohort on a real Slurm${why ? ` [skipped: ${why}]` : ''}`, () => {
  let slurm: SlurmCluster;
  let dir: string;
  let source: string;
  let out: string;
  const savedConf = process.env.SLURM_CONF;

  beforeAll(async () => {
    slurm = await startSlurm();
    process.env.SLURM_CONF = slurm.env.SLURM_CONF;
    dir = mkdtempSync(path.join(tmpdir(), 'metakd-cohort-'));
    source = path.join(dir, 'cohort');
    out = path.join(dir, 'out');
    for (const c of CASES) linkCase(dataPath('brats18', c), path.join(source, c));
    mkdirSync(path.join(source, BROKEN)); // no images: its task must fail, the others must not
  }, 60_000);

  afterAll(async () => {
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    await slurm?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function submit(): Promise<CohortSubmitDto> {
    const r = await runCli(['cohort', 'submit', source, '--out', out, '--cpus', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as CohortSubmitDto;
  }

  async function settled(): Promise<CohortStatusDto> {
    const t0 = Date.now();
    for (;;) {
      const r = await runCli(['cohort', 'status', out, '--json']);
      const s = JSON.parse(r.stdout) as CohortStatusDto;
      if (s.counts.pending + s.counts.running === 0) return s;
      if (Date.now() - t0 > 240_000) throw new Error(`cohort still running: ${r.stdout}`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }

  it('runs one array task per case and reports each outcome', async () => {
    const first = await submit();
    expect(first.jobId).toMatch(/^\d+$/);
    expect([...first.submitted].sort()).toEqual([...CASES, BROKEN].sort());
    const s = await settled();
    const byCase = new Map(s.cases.map((c) => [c.case, c]));
    for (const c of CASES) {
      expect(byCase.get(c)?.state, byCase.get(c)?.error).toBe('done');
      expect(existsSync(path.join(out, c, 'labelmap.nii.gz'))).toBe(true);
    }
    const broken = byCase.get(BROKEN);
    expect(broken?.state).toBe('failed');
    expect(broken?.exitCode).toBeGreaterThan(0);
    expect(broken?.error).toMatch(/image|empty|no /i);
    expect(existsSync(broken!.log!)).toBe(true);
    // status exits non-zero while a case has failed
    expect((await runCli(['cohort', 'status', out])).code).toBe(1);
  }, 300_000);

  it('collects the case reports into one summary', async () => {
    const r = await runCli(['cohort', 'collect', out]);
    expect(r.code, r.stderr).toBe(0);
    const tsv = readFileSync(path.join(out, 'summary.tsv'), 'utf8').trim().split('\n');
    expect(tsv).toHaveLength(1 + CASES.length + 1);
    const head = tsv[0].split('\t');
    for (const c of CASES) {
      const row = tsv.find((l) => l.startsWith(`${c}\t`))!.split('\t');
      const report = JSON.parse(readFileSync(path.join(out, c, 'report.json'), 'utf8')) as {
        volumesMl: Record<string, number>;
        model: { version: string };
      };
      expect(row[head.indexOf('status')]).toBe('ok');
      expect(Number(row[head.indexOf('wt_ml')])).toBeCloseTo(report.volumesMl.wt, 2);
      expect(Number(row[head.indexOf('wt_ml')])).toBeGreaterThan(1);
      expect(row[head.indexOf('model_version')]).toBe(report.model.version);
      expect(row[head.indexOf('sequences')]).toBe('flair+t1+t1ce+t2');
    }
    expect(tsv.find((l) => l.startsWith(`${BROKEN}\t`))).toMatch(/\tfailed\t/);
  });

  it('re-submits only what is not finished, and nothing once all are done', async () => {
    linkCase(dataPath('brats18', 'Brats18_2013_23_1'), path.join(source, BROKEN)); // "fixed"
    const again = await submit();
    expect(again.submitted).toEqual([BROKEN]);
    expect(again.skipped.map((c) => c.case).sort()).toEqual([...CASES].sort());
    const s = await settled();
    expect(s.counts.done).toBe(CASES.length + 1);
    const last = await submit();
    expect(last.jobId).toBeNull();
    expect(last.submitted).toEqual([]);
  }, 300_000);
});
