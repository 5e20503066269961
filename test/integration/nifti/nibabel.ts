/**
 * Test helper: asks nibabel (Debian python3-nibabel, installed by .ci/run) what it reads from NIfTI
 * files, as an independent reference for our reader and writer. Returns undefined when Python or
 * nibabel is not available, so callers can skip with a reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What nibabel says about one file. */
export interface NibabelSummary {
  /** Image shape (3 or 4 numbers). */
  readonly shape: number[];
  /** nibabel's best affine (sform, else qform, else base), RAS, row-major 4×4. */
  readonly affine: number[];
  /** Stored dtype name, e.g. "int16". */
  readonly dtype: string;
  /** Sum of all voxels (after scaling), as float64. */
  readonly sum: number;
  /** Values at i-fastest (Fortran-order) flat indices 0, n/3, n/2 and n−1. */
  readonly samples: number[];
}

const SCRIPT = `
import sys, json
import numpy as np
import nibabel as nib
out = {}
for f in sys.argv[1:]:
    img = nib.load(f)
    data = np.asanyarray(img.dataobj)
    flat = data.reshape(-1, order='F')
    n = flat.size
    out[f] = {
        'shape': list(img.shape),
        'affine': [float(v) for v in img.affine.reshape(-1)],
        'dtype': str(img.header.get_data_dtype().name),
        'sum': float(flat.astype(np.float64).sum()),
        'samples': [float(flat[i]) for i in (0, n // 3, n // 2, n - 1)],
    }
print(json.dumps(out))
`;

/** Python with nibabel: Debian's (what CI installs), else whatever python3 is on PATH. */
function python(): string | undefined {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    if (exe.startsWith('/') && !existsSync(exe)) continue;
    try {
      execFileSync(exe, ['-c', 'import nibabel'], { stdio: 'ignore' });
      return exe;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Python executable with nibabel, or undefined. */
export const nibabelPython = python();

/** nibabel's view of the files, or undefined when nibabel is unavailable. */
export function nibabelSummaries(files: string[]): Record<string, NibabelSummary> | undefined {
  if (!nibabelPython) return undefined;
  const json = execFileSync(nibabelPython, ['-c', SCRIPT, ...files], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(json) as Record<string, NibabelSummary>;
}

/** Indices nibabel samples (see SCRIPT). */
export function sampleIndices(n: number): number[] {
  return [0, Math.floor(n / 3), Math.floor(n / 2), n - 1];
}
