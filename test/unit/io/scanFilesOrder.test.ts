/**
 * Issue 13: import lists a folder's files in a locale-independent order (no ICU collator, which
 * cost start-up time and made the order depend on the machine's locale): case-insensitive, then
 * by code units. NIfTI series appear in this order.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareFileNames, listFiles } from '../../../src-main/core/study/scanFiles.ts';

describe('file-name order', () => {
  it('is case-insensitive first, then by code unit', () => {
    const names = ['b.nii', 'T2.nii.gz', 'A.nii', 'a.nii', 'flair.nii.gz', 't1.nii', 'IM10', 'IM9'];
    expect([...names].sort(compareFileNames)).toEqual([
      'A.nii',
      'a.nii',
      'b.nii',
      'flair.nii.gz',
      'IM10',
      'IM9',
      't1.nii',
      'T2.nii.gz',
    ]);
    expect(compareFileNames('x', 'x')).toBe(0);
  });

  it('keeps a base name before its longer variants ("." before "_")', () => {
    expect(['seg_b_x.dcm', 'seg_b.dcm'].sort(compareFileNames)).toEqual([
      'seg_b.dcm',
      'seg_b_x.dcm',
    ]);
  });

  it('lists a folder recursively in that order', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metakd-order-'));
    mkdirSync(path.join(dir, 'Sub'));
    for (const f of ['t2.nii', 'Flair.nii', '.DS_Store', 'Sub/b', 'Sub/A']) {
      writeFileSync(path.join(dir, f), '');
    }
    expect((await listFiles(dir)).map((f) => path.relative(dir, f))).toEqual([
      'Flair.nii',
      path.join('Sub', 'A'),
      path.join('Sub', 'b'),
      't2.nii',
    ]);
  });
});
