/**
 * `metakd export <case> --format seg|nifti --labels <labelmap.nii.gz> [--out DIR] [--series S]
 * [--edited] [--json]`: writes the labelmap as a DICOM SEG on a DICOM source series, or as a NIfTI
 * mask with a provenance sidecar, in the source series' geometry.
 */
import type { CliCommand } from '../command.ts';
import { ApiError } from '../../api/service.ts';
import { parseCliArgs } from './inspect.ts';

const USAGE =
  'usage: metakd export <case> --format seg|nifti --labels <labelmap.nii.gz> [--out DIR] [--series S] [--edited] [--json]';

const HELP = `${USAGE}

Writes a segmentation of <case> (a DICOM or NIfTI study folder or file) for review tools and PACS.

Options:
  --format seg|nifti   seg: DICOM Segmentation (binary, necrotic core / edema / enhancing tumour)
                       on a DICOM source series; nifti: a .nii.gz mask (labels 1/2/4) + JSON sidecar
  --labels FILE        the labelmap to export (NIfTI, values 0/1/2/4, any grid: it is mapped onto
                       the source series by nearest neighbour)
  --out DIR            output folder (default: <data dir>/exports)
  --series S           source series: id, SeriesInstanceUID or SeriesDescription (default: the DICOM
                       series on the labelmap's grid, else the first DICOM series)
  --edited             a person edited the mask (SEG SegmentAlgorithmType SEMIAUTOMATIC)
  --json               print the result as JSON

A study imported from NIfTI only cannot be written as DICOM SEG (it has no DICOM images to
reference); use --format nifti. ContentCreatorName and ContentLabel come from the "export" section
of <data dir>/settings.json. Send the result with \`metakd send <file> --to <destination>\`.`;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Export a labelmap as DICOM SEG or NIfTI in a source series’ geometry.',
  help: HELP,
  async run(args, { api, io }) {
    const { values, positionals } = parseCliArgs(
      args,
      {
        format: { type: 'string' },
        labels: { type: 'string' },
        out: { type: 'string' },
        series: { type: 'string' },
        edited: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      USAGE,
    );
    const format = values.format;
    if (positionals.length !== 1 || (format !== 'seg' && format !== 'nifti')) {
      throw new ApiError({
        code: 'INVALID_ARGUMENT',
        message: `give one case and --format seg|nifti.\n${USAGE}`,
      });
    }
    if (typeof values.labels !== 'string') {
      throw new ApiError({
        code: 'INVALID_ARGUMENT',
        message: `--labels <labelmap.nii.gz> is required (the labelmap to export).\n${USAGE}`,
      });
    }
    const params = {
      studyPath: positionals[0],
      labelsPath: values.labels,
      outDir: typeof values.out === 'string' ? values.out : undefined,
      series: typeof values.series === 'string' ? values.series : undefined,
      edited: values.edited === true,
    };
    const r =
      format === 'seg'
        ? await api.invoke('exportSeg', params)
        : await api.invoke('exportNifti', params);
    if (values.json) {
      io.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return 0;
    }
    const counts = Object.entries(r.voxels)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    io.stdout.write(`wrote ${r.file}\n`);
    if (r.sidecar) io.stdout.write(`wrote ${r.sidecar}\n`);
    io.stdout.write(
      `source series ${r.sourceSeriesId}; ${r.algorithmType}; voxels: ${counts}` +
        (r.numberOfFrames !== undefined ? `; ${r.numberOfFrames} frames` : '') +
        '\n',
    );
    return 0;
  },
};
