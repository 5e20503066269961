/** `metakd make-dicom <brats-case-dir> <out-dir>`: writes a BraTS case as an MR DICOM study. */
import type { CliCommand } from '../command.ts';
import { ApiError } from '../../api/service.ts';

const USAGE = 'usage: metakd make-dicom <brats-case-dir> <out-dir>';

export const makeDicomCommand: CliCommand = {
  help: [
    USAGE,
    '',
    'Reads the four sequences of a BraTS case folder (2018–2021 names _flair/_t1/_t1ce/_t2, or',
    '2023 names -t2f/-t1n/-t1c/-t2w) and writes one DICOM series per sequence into <out-dir>',
    '(which must be empty or new): "AX T1 SE", "AX T2 FSE", "AX FLAIR", "AX T1 POST GD", in that',
    'acquisition order, MR Image Storage, Explicit VR Little Endian, int16, one file per slice,',
    'one study and frame of reference, geometry identical to the NIfTI files. The patient is',
    'synthetic.',
  ].join('\n'),
  async run(args, { api, io }) {
    const positional = args.filter((a) => !a.startsWith('-'));
    if (positional.length !== 2 || positional.length !== args.length) {
      throw new ApiError({ code: 'INVALID_ARGUMENT', message: `expected two folders.\n${USAGE}` });
    }
    const [caseDir, outDir] = positional;
    const r = await api.invoke('makeDicomStudy', { caseDir, outDir });
    io.stdout.write(`Wrote study ${r.StudyInstanceUID} to ${r.outDir}\n`);
    for (const s of r.series) {
      io.stdout.write(
        `  ${String(s.SeriesNumber).padStart(2)}  ${s.SeriesDescription.padEnd(14)} ${s.fileCount} files  ${s.folder}\n`,
      );
    }
    return 0;
  },
};
