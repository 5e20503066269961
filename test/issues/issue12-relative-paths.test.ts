/**
 * Issue 12 — "report.json and NIfTI sidecars carry absolute source paths (folder names often hold
 * patient names): relative paths by default, UIDs and paths removable by a setting."
 *
 * Contract pinned (the function the report writer and the NIfTI export use): an absolute path in
 * the study becomes "<study folder name>/<path inside it>" (a "#n" volume suffix kept), one
 * outside the study keeps only its file name, a path inside a message loses the folders above
 * the study; with `anonymise` paths and DICOM UIDs (by key or by value) are removed; other values
 * are untouched.
 */
import { describe, expect, it } from 'vitest';
import { REMOVED, scrubProvenance } from '../../src-main/core/export/provenancePaths.ts';

const study = '/data/incoming/DOE^JOHN/MR_2024';
const report = {
  studyId: study,
  sourcePath: study,
  inputs: { flair: { seriesId: `${study}/flair.nii.gz#0`, path: `${study}/sub/t1.nii.gz` } },
  referenceSeriesId: '1.2.840.113619.2.55.3.1',
  SeriesInstanceUID: '1.2.3.4',
  command: ['metakd', 'segment', study, '--out', '/home/reader/out'],
  warnings: [`${study}/t2.nii.gz: 3 non-finite voxels set to 0`],
  volumesMl: { et: 1.5 },
  model: { version: '1.0.0' },
};

describe('issue 12: provenance paths in report.json and sidecars', () => {
  it('writes study-relative paths by default', () => {
    const r = scrubProvenance(report, { studyPath: study });
    expect(r.studyId).toBe('MR_2024');
    expect(r.inputs.flair.seriesId).toBe('MR_2024/flair.nii.gz#0');
    expect(r.inputs.flair.path).toBe('MR_2024/sub/t1.nii.gz');
    expect(r.command).toEqual(['metakd', 'segment', 'MR_2024', '--out', 'out']);
    expect(r.warnings[0]).toBe('MR_2024/t2.nii.gz: 3 non-finite voxels set to 0');
    expect(r.SeriesInstanceUID).toBe('1.2.3.4'); // UIDs stay unless anonymised
    expect(r.model.version).toBe('1.0.0'); // not a UID: fewer than three components
    expect(JSON.stringify(r)).not.toContain('DOE^JOHN');
  });

  it('removes paths and UIDs when anonymised', () => {
    const r = scrubProvenance(report, { studyPath: study, anonymise: true });
    expect(r.studyId).toBe(REMOVED);
    expect(r.inputs.flair.seriesId).toBe(REMOVED);
    expect(r.referenceSeriesId).toBe(REMOVED);
    expect(r.SeriesInstanceUID).toBe(REMOVED);
    expect(r.volumesMl.et).toBe(1.5);
    expect(JSON.stringify(r)).not.toMatch(/DOE|MR_2024|1\.2\.840/);
  });
});
