/**
 * The training pipeline on real BraTS cases with tiny budgets: a few iterations on 2 cases and a
 * resume from the checkpoint, the ablation flag, a 2-process torchrun (DDP, gloo) run, and the
 * ONNX export of a tiny model checked against PyTorch in onnxruntime-node (≤ 1e-3).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hasData, describeData } from '../../helpers/data.ts';
import { describeTorch, runPython, TORCHRUN } from './pythonRunner.ts';

const CASES = ['Brats18_2013_20_1', 'Brats18_CBICA_ABM_1'];
const META = ['Brats18_CBICA_APR_1'];
/** Small patches and one sample per batch keep each run to seconds on two shared cores. */
const TINY = ['--device', 'cpu', '--patch', '32', '32', '32', '--batch', '1', '--log-every', '1'];
const TINY_NET = [
  '--enc-widths',
  '4',
  '8',
  '8',
  '8',
  '--skip-widths',
  '2',
  '2',
  '2',
  '--dec-widths',
  '4',
  '4',
  '4',
  '8',
];
const TRAIN = 'models/training/train.py';

const describeBoth = hasData ? describeTorch : describeData;

describeBoth('training pipeline (tiny budgets)', () => {
  let tmp = '';
  let cache = '';
  const args = (out: string, ...more: string[]): string[] => [
    TRAIN,
    '--out',
    out,
    '--cache',
    cache,
    '--train-cases',
    ...CASES,
    '--meta-cases',
    ...META,
    ...TINY,
    ...TINY_NET,
    ...more,
  ];

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'metakd-train-'));
    cache = path.join(tmp, 'cache');
    const res = runPython([
      'models/training/prepare.py',
      '--cache',
      cache,
      '--cases',
      ...CASES,
      ...META,
    ]);
    expect(res.status, res.output).toBe(0);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('trains a few iterations, then resumes from the checkpoint to the larger budget', () => {
    const out = path.join(tmp, 'run');
    const first = runPython(args(out, '--max-iters', '2', '--meta-every', '1'));
    expect(first.status, first.output).toBe(0);
    expect(first.output).toMatch(/done: 2 iterations/);
    expect(first.output).toMatch(/meta \d/); // the meta step ran and reported its loss
    const second = runPython(args(out, '--max-iters', '3', '--meta-every', '1'));
    expect(second.status, second.output).toBe(0);
    expect(second.output).toMatch(/resumed from .* at iteration 2/);
    expect(second.output).toMatch(/it 3 /);
    expect(second.output).toMatch(/done: 3 iterations/);
    expect(readFileSync(path.join(out, 'train.log'), 'utf8')).toMatch(/done: 2 iterations/);
  });

  it('--init-from continues a run in a new folder with a fresh budget and reset importance', () => {
    const parent = path.join(tmp, 'parent');
    const first = runPython(args(parent, '--max-iters', '2', '--meta-every', '1'));
    expect(first.status, first.output).toBe(0);
    const out = path.join(tmp, 'continued');
    const more = [
      '--init-from',
      path.join(parent, 'latest.pt'),
      '--reset-alpha',
      '--kd-max-weight',
      '4',
    ];
    const res = runPython(args(out, '--max-iters', '1', '--meta-every', '100', ...more));
    expect(res.status, res.output).toBe(0);
    expect(res.output).toMatch(/initialised from .*parent.latest\.pt \(iteration 2,/);
    expect(res.output).toMatch(/it 1 .*alpha \[0\.25, 0\.25, 0\.25, 0\.25\]/);
    expect(res.output).toMatch(/done: 1 iterations/);
    const info = runPython([
      '-c',
      'import sys, torch; s = torch.load(sys.argv[1], weights_only=False); ' +
        'print("parent", s["info"]["parent"]["iteration"], s["iteration"])',
      path.join(out, 'latest.pt'),
    ]);
    expect(info.output).toMatch(/parent 2 1/);
  });

  it('--ablation trains without distillation and without the meta step', () => {
    const out = path.join(tmp, 'ablation');
    const res = runPython(args(out, '--max-iters', '2', '--meta-every', '1', '--ablation'));
    expect(res.status, res.output).toBe(0);
    expect(res.output).toMatch(/^.*ablation: \d+ parameters/m);
    const steps = res.output.split('\n').filter((l) => / it \d+ /.test(l));
    expect(steps.length).toBe(2);
    for (const line of steps) {
      expect(line).toMatch(/kd 0\.0000 meta None alpha \[0\.25, 0\.25, 0\.25, 0\.25\]/);
    }
  });

  it('runs under torchrun with 2 processes (DDP on gloo)', () => {
    const out = path.join(tmp, 'ddp');
    // --redirects/--tee 2: Debian's torch 1.13 torchrun cannot parse the default "0" on Python 3.12.
    const res = runPython(
      [
        '--redirects',
        '2',
        '--tee',
        '2',
        '--nproc_per_node',
        '2',
        ...args(out, '--max-iters', '2', '--threads', '1'),
      ],
      TORCHRUN,
    );
    expect(res.status, res.output).toBe(0);
    expect(res.output).toMatch(/× 2 processes, world 2/);
    expect(res.output).toMatch(/done: 2 iterations/);
  });

  it('exports a tiny model to ONNX that matches PyTorch within 1e-3 (batch 3, odd sizes)', () => {
    const out = path.join(tmp, 'export-run');
    const trained = runPython(args(out, '--max-iters', '1'));
    expect(trained.status, trained.output).toBe(0);
    const graphs = path.join(tmp, 'graphs');
    const res = runPython([
      'models/training/export.py',
      '--graphs-only',
      '--checkpoint',
      path.join(out, 'latest.pt'),
      '--out',
      graphs,
      '--verify-case',
      'none',
    ]);
    expect(res.status, res.output).toBe(0);
    const check = JSON.parse(readFileSync(path.join(graphs, 'verify.json'), 'utf8')) as {
      maxAbsDiff: number;
      shape: number[];
    };
    expect(check.shape).toEqual([3, 3, 16, 24, 32]);
    expect(check.maxAbsDiff).toBeLessThan(1e-3);
  });
});
