/**
 * Issue 12 — JPEG extended 12-bit (1.2.840.10008.1.2.4.51) still has no decoder.
 *
 * Triage (2026-11-29): the one maintained decoder in Cornerstone's ecosystem is the pdf.js-derived
 * `codecs/jpeg.js` of @cornerstonejs/dicom-image-loader 5.14.0 (its WASM 12-bit decoder ships as
 * `decodeJPEGBaseline12Bit-wasm-not-yet-working`). On a 12-bit MR slice made with dcmtk's
 * `dcmcjpeg +ee`, it decodes every pixel 9–16 grey levels above dcmdjpeg's result (mean +14.8,
 * and none of the 16,081 zero background pixels stays zero), so it is not wired: a 12-bit JPEG
 * keeps the named DicomUnsupportedTransferSyntax error that says how to convert the file, and the
 * rest of the folder imports.
 *
 * Contract pinned here: that error, naming the file and the syntax, for a file dcmcjpeg made;
 * the other series of the folder import.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importPath } from '../../src-main/core/study/importStudy.ts';
import { sliceBytes } from '../unit/io/dicom/synthetic.ts';

/** True when dcmtk's dcmcjpeg and dcmodify are installed. */
function hasDcmtk(): boolean {
  try {
    execFileSync('dcmcjpeg', ['--version'], { stdio: 'ignore' });
    execFileSync('dcmodify', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metakd-issue12-jpeg12-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const itDcmtk = hasDcmtk() ? it : it.skip;

itDcmtk('a 12-bit JPEG series is reported by name; the other series imports', async () => {
  const folder = path.join(dir, 'study');
  await mkdir(folder);
  for (const n of [1, 2, 3]) {
    const pixels = new Int16Array(16 * 16).map((_, i) => (i * 13 + n * 100) % 4096);
    const file = path.join(folder, `j12_${n}.dcm`);
    await writeFile(
      file,
      sliceBytes({
        series: '1.2.3.12.1',
        description: 'AX T1 12BIT',
        instanceNumber: n,
        ipp: [0, 0, n],
        rows: 16,
        cols: 16,
        pixels,
      }),
    );
    // 12 bits stored, unsigned: what JPEG extended (process 4) encodes.
    execFileSync('dcmodify', [
      '-nb',
      '-m',
      '(0028,0101)=12',
      '-m',
      '(0028,0102)=11',
      '-m',
      '(0028,0103)=0',
      file,
    ]);
    execFileSync('dcmcjpeg', ['+ee', file, file]);
    const plain = path.join(folder, `t2_${n}.dcm`);
    await writeFile(
      plain,
      sliceBytes({ series: '1.2.3.12.2', description: 'AX T2', instanceNumber: n, ipp: [0, 0, n] }),
    );
  }
  const r = await importPath(folder);
  expect(r.studies[0].series.map((s) => s.SeriesDescription)).toEqual(['AX T2']);
  const skipped = r.skipped.filter((s) => path.basename(s.file).startsWith('j12_'));
  expect(skipped).toHaveLength(3);
  expect(skipped[0].reason).toMatch(
    /j12_\d\.dcm: pixel data uses JPEG Extended \(Process 2 & 4\) \(1\.2\.840\.10008\.1\.2\.4\.51\), which this app cannot decode\. Convert the file/,
  );
});
