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

const WRITE_SCRIPT = `
import sys
import numpy as np
import nibabel as nib
from nibabel.eulerangles import euler2mat
out = sys.argv[1]
R = euler2mat(0.2, -0.1, 0.15)
A = np.eye(4); A[:3, :3] = R @ np.diag([0.9, 1.1, 5.5]); A[:3, 3] = [10, -20, 30]
L = A.copy(); L[:3, 0] *= -1  # left-handed (LAS-like): needs qfac = -1 in a qform
data = (np.arange(7 * 6 * 5).reshape(7, 6, 5, order='F') % 300).astype(np.int16)
nib.Nifti2Image(data, A).to_filename(out + '/nifti2-oblique.nii.gz')
be = nib.Nifti1Image(data, None, header=nib.Nifti1Header(endianness='>'))
be.set_qform(L, code=1); be.set_sform(None, code=0)
be.to_filename(out + '/bigendian-qform-lefthanded.nii')
f = np.linspace(-3.3, 1234.5, 7 * 6 * 5).reshape(7, 6, 5, order='F')
sc = nib.Nifti1Image(f, A); sc.set_data_dtype(np.int16)  # nibabel picks scl_slope/scl_inter
sc.to_filename(out + '/scaled-int16.nii.gz')
d4 = np.stack([data, data + 1000], axis=3).astype(np.float32)
four = nib.Nifti1Image(d4, A); four.set_qform(L, code=1); four.set_sform(A, code=2)
four.to_filename(out + '/fourd-sform-and-qform.nii.gz')
u8 = nib.Nifti1Image((data % 256).astype(np.uint8), L); u8.set_sform(None, code=0); u8.set_qform(None, code=0)
u8.to_filename(out + '/no-transform.nii')
`;

/** Has nibabel write a set of test files (its own writer, not ours) into `dir`; false without nibabel. */
export function nibabelWriteTestFiles(dir: string): boolean {
  if (!nibabelPython) return false;
  execFileSync(nibabelPython, ['-c', WRITE_SCRIPT, dir], { stdio: 'ignore' });
  return true;
}
