/**
 * Runs the Python training code (models/training) from tests: /usr/bin/python3 with torch, a
 * scratch folder per test file, and a `describe` that skips with the reason when torch is absent.
 */
import { spawnSync } from 'node:child_process';
import { describe } from 'vitest';
import { repoRoot } from '../../helpers/data.ts';

/** The interpreter the project's training code is written for (Debian python3-torch). */
export const PYTHON = '/usr/bin/python3';
/** Debian's torchrun beside it. */
export const TORCHRUN = '/usr/bin/torchrun';
const PYTHON_TIMEOUT_MS = 110_000;

/** True when /usr/bin/python3 imports torch, numpy and nibabel. */
export const hasTorch =
  spawnSync(PYTHON, ['-c', 'import torch, numpy, nibabel'], { stdio: 'ignore' }).status === 0;

/** `describe` that skips (reason in its name) when the Python stack is absent. */
export const describeTorch: typeof describe = hasTorch
  ? describe
  : (((name: string, ...rest: unknown[]) =>
      (describe.skip as unknown as (...a: unknown[]) => void)(
        `${name} [skipped: ${PYTHON} cannot import torch/numpy/nibabel]`,
        ...rest,
      )) as unknown as typeof describe);

/** Result of one Python run. */
export interface PyResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs `cmd args` in the repository root with two CPU threads; returns status and output. */
export function runPython(
  args: readonly string[],
  cmd: string = PYTHON,
  timeoutMs: number = PYTHON_TIMEOUT_MS,
): PyResult {
  const res = spawnSync(cmd, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONUNBUFFERED: '1' },
  });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}
