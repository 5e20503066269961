/**
 * The cross-validation pipeline (issue 15) at toy size on the CPU: fold assignment, equal random
 * streams for MetaKD and the ablation (and across a resume), the deviation flags' arithmetic, the
 * verdict wording rule, and the whole chain gpu_cv.py (calibrated iteration budget) →
 * evaluate_cv.py (all 15 combinations) → cv_report.py (paired report) on 4 real cases, 2 folds,
 * both variants, 1 seed, a tiny network.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hasData, describeData } from '../../helpers/data.ts';
import { describeTorch, runPython } from './pythonRunner.ts';

/** Two sites each side of the 2-fold split: 2013, CBICA ×2, TCIA. */
const CASES = [
  'Brats18_2013_20_1',
  'Brats18_CBICA_ABM_1',
  'Brats18_CBICA_APR_1',
  'Brats18_TCIA01_201_1',
];
const TINY_NET = '--enc-widths 4 8 8 8 --skip-widths 2 2 2 --dec-widths 4 4 4 8';
const TINY = ['--device', 'cpu', '--patch', '32', '32', '32', '--batch', '1', '--log-every', '1'];
/**
 * Per Python call. Uncontended, the whole file needs ≈ 100 s of CPU (measured: user 95 s + sys
 * 15 s); the margin is for a 2-core machine shared with other work (there it took 10 min).
 */
const LONG_MS = 420_000;

const describeBoth = hasData ? describeTorch : describeData;

/** Runs a Python snippet with models/training on the path; returns its JSON output. */
function py(code: string): unknown {
  const res = runPython(['-c', `import sys, json; sys.path.insert(0, 'models/training')\n${code}`]);
  expect(res.status, res.output).toBe(0);
  return JSON.parse(res.output.trim().split('\n').pop() ?? 'null');
}

describeTorch('cross-validation plan and statistics (no data)', () => {
  it('assigns the 24 cases to 5 site-stratified folds and keeps each fold out of its training', () => {
    const r = py(`
from metakd import cv
assert cv.stratified_folds() == cv.FOLDS, "FOLDS literal differs from stratified_folds()"
out = {"sizes": [len(f) for f in cv.FOLDS], "all": len({c for f in cv.FOLDS for c in f}), "checks": []}
for f in range(5):
    m, a = cv.split(f, "metakd"), cv.split(f, "ablation")
    h = cv.split(f, "ablation", "holdout")
    val = set(m["val"])
    out["checks"].append({
        "leak": bool(val & set(m["train"] + m["meta"] + a["train"])),
        "sameCases": sorted(m["train"] + m["meta"]) == sorted(a["train"]),
        "holdoutSame": h["train"] == m["train"],
        "meta": len(m["meta"]), "sites": sorted({cv.site(c) for c in m["val"]}),
    })
print(json.dumps(out))`) as {
      sizes: number[];
      all: number;
      checks: {
        leak: boolean;
        sameCases: boolean;
        holdoutSame: boolean;
        meta: number;
        sites: string[];
      }[];
    };
    expect(r.sizes).toEqual([5, 5, 5, 5, 4]);
    expect(r.all).toBe(24);
    for (const c of r.checks) {
      expect(c).toMatchObject({ leak: false, sameCases: true, holdoutSame: true, meta: 3 });
      expect(c.sites).toContain('CBICA');
      expect(c.sites).toContain('TCIA');
    }
  });

  it('bounds α, normalises or caps the distillation weights, and ramps distillation after warm-up', () => {
    const r = py(`
import torch, argparse
from metakd.losses import importance, pair_weights
import train
a = importance(torch.tensor([40.0, 0.0, 0.0, 0.0]), 0.05)
w = pair_weights(a, 0.0, "mean1")
off = w[~torch.eye(4, dtype=torch.bool)]
capped = pair_weights(torch.softmax(torch.tensor([40.0, 0.0, 0.0, 0.0]), 0), 4.0)
args = argparse.Namespace(kd_start="warmup", kd_ramp_iters=10, stage1_frac=0.3)
ramp = [train.kd_factor(args, it, 100) for it in (0, 29, 30, 34, 39, 60)]
paper = train.kd_factor(argparse.Namespace(kd_start="start", kd_ramp_iters=0, stage1_frac=0.3), 0, 100)
print(json.dumps({"alphaMin": float(a.min()), "alphaSum": float(a.sum()), "mean": float(off.mean()),
                  "diag": float(w.diagonal().abs().sum()), "capMax": float(capped.max()), "ramp": ramp, "paper": paper}))`) as {
      alphaMin: number;
      alphaSum: number;
      mean: number;
      diag: number;
      capMax: number;
      ramp: number[];
      paper: number;
    };
    expect(r.alphaMin).toBeCloseTo(0.05, 6);
    expect(r.alphaSum).toBeCloseTo(1, 6);
    expect(r.mean).toBeCloseTo(1, 6);
    expect(r.diag).toBe(0);
    expect(r.capMax).toBeCloseTo(4, 6);
    expect(r.ramp).toEqual([0, 0, 0.1, 0.5, 1, 1]);
    expect(r.paper).toBe(1);
  });

  it('claims a winner only when both 95 % intervals exclude zero', () => {
    const r = py(`
import numpy as np
from cv_report import paired_stats, verdict
cases = {
  "win": np.array([0.05, 0.06, 0.04, 0.05, 0.07, 0.05, 0.06, 0.04]),
  "lose": -np.array([0.05, 0.06, 0.04, 0.05, 0.07, 0.05, 0.06, 0.04]),
  "noisy": np.array([0.2, -0.15, 0.1, -0.05, 0.3, -0.2, 0.01, 0.02]),
}
out = {}
for k, d in cases.items():
    st = paired_stats(d)
    out[k] = {"v": verdict("et", st), "t": st["ci95T"], "b": st["ci95Bootstrap"], "p": st["pWilcoxon"]}
print(json.dumps(out))`) as Record<
      string,
      { v: { outcome: string; text: string }; t: number[]; b: number[] }
    >;
    expect(r.win.v.outcome).toBe('metakd');
    expect(r.win.v.text).toMatch(/^MetaKD beats the ablation on ET/);
    expect(r.lose.v.outcome).toBe('ablation');
    expect(r.noisy.v.outcome).toBe('none');
    expect(r.noisy.v.text).not.toMatch(/beats/);
    expect(r.noisy.t[0]).toBeLessThan(0);
    expect(r.noisy.t[1]).toBeGreaterThan(0);
  });
});

describeBoth('cross-validation pipeline on real cases (toy size)', () => {
  let tmp = '';
  let cache = '';
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'metakd-cv-'));
    cache = path.join(tmp, 'cache');
    const res = runPython(['models/training/prepare.py', '--cache', cache, '--cases', ...CASES]);
    expect(res.status, res.output).toBe(0);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const trainArgs = (out: string, iters: number, ...more: string[]): string[] => [
    'models/training/train.py',
    '--out',
    out,
    '--cache',
    cache,
    '--train-cases',
    CASES[0],
    CASES[1],
    '--meta-cases',
    CASES[2],
    '--max-iters',
    String(iters),
    '--stage1-frac',
    '0.34',
    '--meta-every',
    '1',
    '--centring',
    'balanced',
    '--trace',
    path.join(out, 'trace.jsonl'),
    ...TINY,
    ...TINY_NET.split(' '),
    ...more,
  ];

  it(
    'MetaKD and the ablation (same seed and cases) see identical patches, subsets and augmentations, resumed or not',
    () => {
      const m = path.join(tmp, 'metakd');
      const a = path.join(tmp, 'ablation');
      const r = path.join(tmp, 'resumed');
      for (const args of [
        trainArgs(m, 6, '--kd-norm', 'mean1', '--alpha-min', '0.05'),
        trainArgs(a, 6, '--ablation'),
        trainArgs(r, 3, '--ablation', '--save-every', '0'),
        trainArgs(r, 6, '--ablation', '--save-every', '0'),
      ]) {
        const res = runPython(args);
        expect(res.status, res.output).toBe(0);
      }
      const trace = (dir: string): string => readFileSync(path.join(dir, 'trace.jsonl'), 'utf8');
      const lines = trace(m).trim().split('\n');
      expect(lines).toHaveLength(6);
      expect(trace(a)).toBe(trace(m));
      expect(trace(r)).toBe(trace(m));
      // stage 2 (from iteration 3 of 6) draws random subsets: not all masks are all-ones
      const masks = lines.map((l) => (JSON.parse(l) as { present: number[][] }).present[0]);
      expect(masks.slice(0, 2)).toEqual([
        [1, 1, 1, 1],
        [1, 1, 1, 1],
      ]);
      expect(readFileSync(path.join(m, 'train.log'), 'utf8')).toMatch(/meta \d/);
    },
    LONG_MS,
  );

  it(
    'runs gpu_cv.py → evaluate_cv.py → cv_report.py: 2 folds × 2 variants × 1 seed, 15 combinations, paired report',
    () => {
      const out = path.join(tmp, 'cv-out');
      const train = runPython(
        [
          'models/training/gpu_cv.py',
          '--out',
          out,
          '--runs',
          path.join(tmp, 'cv-runs'),
          '--cache',
          cache,
          '--device',
          'cpu',
          '--folds',
          '0',
          '1',
          '--seeds',
          '1',
          '--n-meta',
          '1',
          '--smoke-cases',
          ...CASES,
          '--deadline-s',
          '360',
          '--calibrate-s',
          '2',
          '--calibrate-after',
          '2',
          '--max-budget',
          '6',
          '--round-to',
          '1',
          '--log-every',
          '1',
          '--recipe',
          `--batch 1 --patch 32 32 32 ${TINY_NET} --stage1-frac 0.34 --centring balanced --ema 0.9`,
          '--metakd-args',
          '--meta-every 2 --alpha-min 0.05 --kd-norm mean1 --kd-start warmup --kd-ramp-iters 2',
        ],
        undefined,
        LONG_MS,
      );
      expect(train.status, train.output).toBe(0);
      const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as {
        budget: { iterations: number };
        weightsIteration: number;
        completed: boolean;
      };
      expect(summary.completed).toBe(true);
      expect(summary.weightsIteration).toBe(summary.budget.iterations);
      const evalDir = path.join(tmp, 'cv-eval');
      const ev = runPython(
        [
          'models/training/evaluate_cv.py',
          '--cv',
          out,
          '--out',
          evalDir,
          '--max-cases-per-fold',
          '1',
        ],
        undefined,
        LONG_MS,
      );
      expect(ev.status, ev.output).toBe(0);
      const rep = runPython([
        'models/training/cv_report.py',
        '--eval',
        evalDir,
        '--cv',
        out,
        '--out',
        path.join(tmp, 'cv-report'),
      ]);
      expect(rep.status, rep.output).toBe(0);
      const report = JSON.parse(
        readFileSync(path.join(tmp, 'cv-report', 'report.json'), 'utf8'),
      ) as {
        cases: string[];
        folds: number[];
        metakd: { rows: unknown[] };
        ablation: { rows: unknown[] };
        paired: Record<string, { n: number; ci95T: number[]; ci95Bootstrap: number[] }>;
        verdict: { region: string; outcome: string; text: string }[];
      };
      expect(report.folds).toEqual([0, 1]);
      expect(report.cases).toHaveLength(2);
      expect(report.metakd.rows).toHaveLength(15);
      expect(report.ablation.rows).toHaveLength(15);
      expect(report.verdict.map((v) => v.region)).toEqual(['et', 'tc', 'wt']);
      for (const v of report.verdict) {
        const p = report.paired[v.region];
        expect(p.n).toBe(2);
        const excludes =
          (p.ci95T[0] > 0 && p.ci95Bootstrap[0] > 0) || (p.ci95T[1] < 0 && p.ci95Bootstrap[1] < 0);
        expect(v.outcome !== 'none').toBe(excludes);
        expect(/beats/.test(v.text)).toBe(excludes);
      }
      expect(readFileSync(path.join(tmp, 'cv-report', 'report.md'), 'utf8')).toMatch(/## Verdict/);
    },
    3 * LONG_MS,
  );
});
