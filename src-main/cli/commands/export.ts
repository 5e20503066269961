/**
 * `metakd export <case> --format seg|nifti [--labels <labelmap.nii.gz>] [--out DIR] [--series S]
 * [--provider P] [--model DIR] [--edited] [--json]`, or `metakd export --session <id> --format …`:
 * writes a segmentation of the case as a DICOM SEG on a DICOM source series, or as a NIfTI mask
 * with a provenance sidecar, in the source series' geometry. Without --labels the case is imported
 * and segmented first (through the api's job methods), and the engine's labelmap is exported with
 * its provenance. With --session a stored review session is exported as the reader left it (edits,
 * sign-off; SEMIAUTOMATIC once edited) without segmenting anything.
 */
import path from 'node:path';
import type { CliCommand, CliIo } from '../command.ts';
import { ApiError, type ApiService } from '../../api/service.ts';
import type { ApiEvent } from '../../api/contract.ts';
import type { ExportResultDto } from '../../api/contract/export.ts';
import { PROVIDER_CHOICES } from '../../api/contract/choices.ts';
import { parseCliArgs } from './inspect.ts';

const USAGE =
  'usage: metakd export <case> --format seg|nifti [--labels <labelmap.nii.gz>] [--out DIR] [--series S] [--provider P] [--model DIR] [--edited] [--json]\n       metakd export --session <id> --format seg|nifti [--out DIR] [--series S] [--json]';

const HELP = `${USAGE}

Writes a segmentation of <case> (a DICOM or NIfTI study folder or file) for review tools and PACS.
Without --labels the case is segmented first (as \`metakd segment\` does) and the model's result
is exported, with its provenance (model name, version, sha256, provider, sequences used).
With --session, a stored review session (the app's autosaved review: the model's labelmap with
the reader's edits) is exported as it stands, without segmenting again; edited sessions are
written as SEMIAUTOMATIC with the editing readers' names.

Options:
  --format seg|nifti   seg: DICOM Segmentation (binary, necrotic core / edema / enhancing tumour)
                       on a DICOM source series; nifti: a .nii.gz mask (labels 1/2/4) + JSON sidecar
  --session ID         export this stored review session (its study is imported again from where
                       it was opened when needed); no <case>. IDs: the app's session list
  --labels FILE        export this labelmap instead of segmenting (NIfTI, values 0/1/2/4, any grid:
                       it is mapped onto the source series by nearest neighbour)
  --out DIR            output folder (default: <data dir>/exports)
  --series S           source series: id, SeriesInstanceUID or SeriesDescription (default: the
                       segmentation's reference series; with --labels the DICOM series on the
                       labelmap's grid, else the first DICOM series)
  --provider P         execution provider when segmenting: ${PROVIDER_CHOICES.join('|')} (default auto)
  --model DIR          model folder when segmenting (default: models/metakd-brats or $METAKD_MODEL)
  --edited             with --labels: a person edited the mask (SEG SegmentAlgorithmType SEMIAUTOMATIC)
  --anonymise-provenance
                       NIfTI: no paths or DICOM UIDs in the sidecar (default: settings.json
                       export.anonymiseProvenance); a SEG keeps the UIDs it needs
  --json               print the result as JSON

A study imported from NIfTI only cannot be written as DICOM SEG (it has no DICOM images to
reference); use --format nifti. ContentCreatorName and ContentLabel come from the "export" section
of <data dir>/settings.json. Send the result with \`metakd send <file> --to <destination>\`.`;

/** Progress lines on stderr: at most about ten per stage. */
function progressLines(io: CliIo): (e: ApiEvent) => void {
  let last = '';
  return (e) => {
    if (e.type !== 'job.progress' || e.total <= 0) return;
    const step = Math.max(1, Math.ceil(e.total / 10));
    const line = `${e.stage} ${e.done}/${e.total}`;
    if ((e.done % step === 0 || e.done === e.total) && line !== last) {
      io.stderr.write(line + '\n');
      last = line;
    }
  };
}

function usage(message: string): never {
  throw new ApiError({ code: 'INVALID_ARGUMENT', message: `${message}\n${USAGE}` });
}

/** Imports and segments `casePath` through the api; returns the finished job's id. */
async function segmentCase(
  api: ApiService,
  io: CliIo,
  casePath: string,
  provider: (typeof PROVIDER_CHOICES)[number],
  modelDir: string | undefined,
): Promise<string> {
  const emit = progressLines(io);
  const imported = await api.invoke('importStudy', { path: casePath }, { emit });
  if (imported.studies.length === 0) {
    throw new ApiError({ code: 'NO_IMAGES', message: `${casePath}: no study found.` });
  }
  const { jobId } = await api.invoke(
    'startSegmentation',
    { studyId: imported.studies[0].id, provider, modelDir },
    { emit },
  );
  const onSigint = () => void api.invoke('cancelJob', { jobId });
  process.once('SIGINT', onSigint);
  try {
    const r = await api.invoke('awaitSegmentation', { jobId });
    io.stderr.write(
      `segmented with ${r.model.name} ${r.model.version} on ${r.provider} (${r.usedSequences.join(', ')})\n`,
    );
    return jobId;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function printResult(io: CliIo, r: ExportResultDto): void {
  const counts = Object.entries(r.voxels)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  io.stdout.write(`wrote ${r.file}\n`);
  if (r.sidecar) io.stdout.write(`wrote ${r.sidecar}\n`);
  if (r.labelSource === 'session') {
    const by = r.provenance.editedBy ? ` by ${r.provenance.editedBy}` : '';
    io.stdout.write(
      `review session: ${r.provenance.editedByHuman ? `edited${by}` : `not edited${by ? ` (signed off${by})` : ''}`}\n`,
    );
  }
  io.stdout.write(
    `source series ${r.sourceSeriesId}; ${r.algorithmType}; voxels: ${counts}` +
      (r.numberOfFrames !== undefined ? `; ${r.numberOfFrames} frames` : '') +
      '\n',
  );
}

/** `--session <id>`: the stored session's labelmap, through the api (no segmentation). */
async function exportSession(
  api: ApiService,
  io: CliIo,
  p: {
    sessionId: string;
    format: 'seg' | 'nifti';
    positionals: readonly string[];
    values: Record<string, string | boolean | undefined>;
  },
): Promise<number> {
  const { values } = p;
  if (p.positionals.length > 0) usage('--session takes no <case>: the session knows its study.');
  for (const flag of ['labels', 'provider', 'model', 'edited'] as const) {
    if (values[flag] !== undefined) usage(`--${flag} does not go with --session.`);
  }
  const params = {
    sessionId: p.sessionId,
    outDir: typeof values.out === 'string' ? path.resolve(values.out) : undefined,
    series: typeof values.series === 'string' ? values.series : undefined,
    ...(values['anonymise-provenance'] === true ? { anonymiseProvenance: true } : {}),
  };
  const r =
    p.format === 'seg'
      ? await api.invoke('exportSeg', params)
      : await api.invoke('exportNifti', params);
  if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else printResult(io, r);
  return 0;
}

export const exportCommand: CliCommand = {
  help: HELP,
  async run(args, { api, io }) {
    const { values, positionals } = parseCliArgs(
      args,
      {
        format: { type: 'string' },
        labels: { type: 'string' },
        session: { type: 'string' },
        out: { type: 'string' },
        series: { type: 'string' },
        provider: { type: 'string' },
        model: { type: 'string' },
        edited: { type: 'boolean' },
        'anonymise-provenance': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      USAGE,
    );
    const format = values.format;
    if (format !== 'seg' && format !== 'nifti') usage('give --format seg|nifti.');
    if (typeof values.session === 'string') {
      return exportSession(api, io, {
        sessionId: values.session,
        format,
        positionals,
        values,
      });
    }
    if (positionals.length !== 1) usage('give one case (or --session <id>).');
    const labels = typeof values.labels === 'string' ? values.labels : undefined;
    const provider = typeof values.provider === 'string' ? values.provider : 'auto';
    if (!(PROVIDER_CHOICES as readonly string[]).includes(provider)) {
      usage(`unknown provider "${provider}".`);
    }
    if (labels === undefined && values.edited === true) {
      usage('--edited goes with --labels (a fresh segmentation has not been edited).');
    }
    const casePath = path.resolve(positionals[0]);
    const common = {
      outDir: typeof values.out === 'string' ? path.resolve(values.out) : undefined,
      series: typeof values.series === 'string' ? values.series : undefined,
      ...(values['anonymise-provenance'] === true ? { anonymiseProvenance: true } : {}),
    };
    const params =
      labels !== undefined
        ? {
            ...common,
            studyPath: casePath,
            labelsPath: path.resolve(labels),
            ...(values.edited === true ? { edited: true } : {}),
          }
        : {
            ...common,
            jobId: await segmentCase(
              api,
              io,
              casePath,
              provider as (typeof PROVIDER_CHOICES)[number],
              typeof values.model === 'string' ? path.resolve(values.model) : undefined,
            ),
          };
    const r =
      format === 'seg'
        ? await api.invoke('exportSeg', params)
        : await api.invoke('exportNifti', params);
    if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else printResult(io, r);
    return 0;
  },
};
