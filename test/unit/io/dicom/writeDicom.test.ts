/** The small Part 10 writer: DS formatting limits, UIDs, and a file dcmtk's dcmdump can read. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePart10, formatDS, newUid } from '../../../../src-main/core/io/dicom/writeDicom.ts';
import { el } from './synthetic.ts';

describe('formatDS', () => {
  it('keeps as many significant digits as fit in 16 characters', () => {
    expect(formatDS(1)).toBe('1');
    expect(formatDS(-0.1234567890123456)).toBe('-0.1234567890123');
    expect(formatDS(-0.1234567890123456).length).toBeLessThanOrEqual(16);
    expect(Math.abs(Number(formatDS(-118.99999999999997)) + 119)).toBeLessThan(1e-9);
    expect(formatDS(1.5e-7).length).toBeLessThanOrEqual(16);
    expect(() => formatDS(Number.NaN)).toThrow(/not finite/);
  });
});

describe('newUid', () => {
  it('makes distinct 2.25 UIDs of at most 64 characters', () => {
    const a = newUid();
    expect(a).toMatch(/^2\.25\.\d+$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(newUid()).not.toBe(a);
  });
});

describe('encodePart10', () => {
  it('writes a file dcmdump reads back with the same values', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'metakd-writer-'));
    try {
      const file = path.join(dir, 'x.dcm');
      const uid = newUid();
      await writeFile(
        file,
        encodePart10(
          [
            el(0x0008, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.4'),
            el(0x0008, 0x0018, 'UI', uid),
            el(0x0008, 0x103e, 'LO', 'AX T1'),
            el(0x0020, 0x0032, 'DS', ['-1.5', '2', '3.25']),
            el(0x0028, 0x0010, 'US', [7]),
            el(0x0040, 0x0275, 'SQ', [[el(0x0040, 0x0007, 'LO', 'item')]]),
          ],
          { SOPClassUID: '1.2.840.10008.5.1.4.1.1.4', SOPInstanceUID: uid },
        ),
      );
      const dump = execFileSync('dcmdump', ['-q', file], { encoding: 'utf8' });
      expect(dump).toContain('(0008,103e) LO [AX T1]');
      expect(dump).toContain('(0020,0032) DS [-1.5\\2\\3.25]');
      expect(dump).toContain('(0028,0010) US 7');
      expect(dump).toContain('(0040,0007) LO [item]');
      expect(dump).toContain(`(0002,0003) UI [${uid}]`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
