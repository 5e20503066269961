/**
 * `metakd project …`: research annotation projects from the command line — create, list, the
 * worklist, the model run over all cases, agreement, consensus and batch export — through the api.
 */
import path from 'node:path';
import type { CliCommand, CliIo } from '../command.ts';
import type { ApiService } from '../../api/service.ts';
import { ApiError } from '../../api/service.ts';
import type { WorklistDto } from '../../api/contract/project.ts';

const HELP = `usage: metakd project create <folder> [--name N] [--reader NAME]... [--blind-mask]
                              [--no-contributions]
       metakd project list
       metakd project worklist <id> [--json]
       metakd project run <id> [--retry-failed]
       metakd project agreement <id> [--case C] [--json]
       metakd project consensus <id> --case C --reader NAME --method majority|staple|reader
                                [--from READER]
       metakd project export <id> --out DIR [--format nifti|seg|both] [--layout readers|brats]
                             [--reader NAME]

A project is a folder whose sub-folders are cases (DICOM or NIfTI studies). run segments every
case that has no model result yet (one at a time; an interrupted run resumes). Readers annotate in
the app; agreement compares readers and the model (Dice, volume difference per region); export
writes every signed-off annotation as DIR/<reader>/<case>/<case>_seg.nii.gz (--format seg|both:
also <case>_seg.dcm, a DICOM SEG referencing the case's DICOM series; a NIfTI-only case is named
in the table and the log) plus annotations.tsv. --layout brats writes the training layout instead,
DIR/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz with one annotation per case (--reader's, else a
signed-off consensus, else the only one): python3 models/training/pipeline.py --data DIR.

  --blind-mask        readers start from an empty mask, not the model's (reader studies); the
                      review screen offers no model run and no contribution readout
  --no-contributions  readers do not see the per-sequence contribution readout`;

function usageError(message: string): never {
  throw new ApiError({ code: 'INVALID_ARGUMENT', message: `${message}\n\n${HELP}` });
}

/** Splits args into positionals and --flag [value] pairs (repeatable flags collect). */
function parse(args: readonly string[], valued: readonly string[], bare: readonly string[]) {
  const pos: string[] = [];
  const opts = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (valued.includes(a)) {
      const v = args[++i] ?? usageError(`${a} needs a value`);
      opts.set(a, [...(opts.get(a) ?? []), v]);
    } else if (bare.includes(a)) opts.set(a, ['']);
    else if (a.startsWith('-')) usageError(`unknown option ${a}`);
    else pos.push(a);
  }
  return {
    pos,
    opt: (k: string) => opts.get(k)?.at(-1),
    all: (k: string) => opts.get(k) ?? [],
    has: (k: string) => opts.has(k),
  };
}

const pct = (x: number) => x.toFixed(3);

function printWorklist(w: WorklistDto, io: CliIo): void {
  const wc = Math.max(4, ...w.rows.map((r) => r.caseId.length));
  io.stdout.write(
    `${w.name}: ${w.progress.cases} cases, model done ${w.progress.modelDone}` +
      `${w.progress.modelFailed ? `, failed ${w.progress.modelFailed}` : ''}, signed off ${w.progress.signedOff}/${w.progress.annotations}\n`,
  );
  io.stdout.write(`${'case'.padEnd(wc)}  seqs             model    ${w.readers.join('  ')}\n`);
  for (const r of w.rows) {
    const seqs = r.present
      ? ['flair', 't1', 't1ce', 't2']
          .map((s) => (r.present!.includes(s) ? s : '-'.repeat(s.length)))
          .join(' ')
      : '?';
    const cells = r.readers.map(
      (c) => `${c.state}${c.timeSpentMs ? ` ${Math.round(c.timeSpentMs / 1000)}s` : ''}`,
    );
    io.stdout.write(
      `${r.caseId.padEnd(wc)}  ${seqs.padEnd(16)} ${r.model.padEnd(8)} ${cells.join('  ')}${r.modelError ? `  ${r.modelError}` : ''}\n`,
    );
  }
}

async function runAndWait(api: ApiService, projectId: string, retryFailed: boolean, io: CliIo) {
  let s = await api.invoke('runProjectModel', { projectId, retryFailed });
  const onSigint = () => void api.invoke('cancelProjectModel', { projectId });
  process.once('SIGINT', onSigint);
  try {
    let last = '';
    while (s.running) {
      const line = `running ${s.current ?? ''} (${s.queued} queued)`;
      if (line !== last) io.stderr.write(line + '\n');
      last = line;
      await new Promise((r) => setTimeout(r, 500));
      s = await api.invoke('projectRunStatus', { projectId });
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const w = await api.invoke('getWorklist', { projectId });
  printWorklist(w, io);
  return w.progress.modelFailed > 0 ? 1 : 0;
}

/** The project subcommand. */
export const projectCommand: CliCommand = {
  help: HELP,
  async run(args, { api, io }) {
    const [sub, ...rest] = args;
    const a = parse(
      rest,
      ['--name', '--reader', '--case', '--method', '--from', '--out', '--format', '--layout'],
      ['--blind-mask', '--no-contributions', '--retry-failed', '--json'],
    );
    const id = () => a.pos[0] ?? usageError(`project ${sub} needs a project id`);
    const json = (v: unknown) => io.stdout.write(JSON.stringify(v, null, 2) + '\n');
    switch (sub) {
      case 'create': {
        const folder = a.pos[0] ?? usageError('project create needs a folder of cases');
        const p = await api.invoke('createProject', {
          folder: path.resolve(folder),
          name: a.opt('--name') ?? '',
          readers: a.all('--reader'),
          settings: {
            showModelMask: !a.has('--blind-mask'),
            showContributions: !a.has('--no-contributions'),
          },
        });
        if (a.has('--json')) json(p);
        else
          io.stdout.write(
            `Project ${p.id} "${p.name}": ${p.cases.length} cases, readers ${p.readers.join(', ') || 'none'}\n`,
          );
        return 0;
      }
      case 'list': {
        const l = await api.invoke('listProjects', {});
        if (a.has('--json')) json(l);
        else {
          for (const p of l.projects)
            io.stdout.write(`${p.id}  ${p.name}  (${p.cases.length} cases)\n`);
          for (const b of l.broken) io.stdout.write(`${b.id}  UNREADABLE ${b.file}: ${b.error}\n`);
        }
        return l.broken.length ? 1 : 0;
      }
      case 'worklist': {
        const w = await api.invoke('getWorklist', { projectId: id() });
        if (a.has('--json')) json(w);
        else printWorklist(w, io);
        return 0;
      }
      case 'run':
        return runAndWait(api, id(), a.has('--retry-failed'), io);
      case 'agreement': {
        const ag = await api.invoke('projectAgreement', {
          projectId: id(),
          caseId: a.opt('--case'),
        });
        if (a.has('--json')) json(ag);
        else
          for (const c of ag)
            for (const p of c.pairs)
              io.stdout.write(
                `${c.caseId}  ${p.a} vs ${p.b}  Dice ET ${pct(p.dice.et)} TC ${pct(p.dice.tc)} WT ${pct(p.dice.wt)}  ΔWT ${p.volumeDiffMl.wt.toFixed(1)} mL\n`,
              );
        return 0;
      }
      case 'consensus': {
        const method = a.opt('--method');
        if (method !== 'majority' && method !== 'staple' && method !== 'reader')
          usageError('--method majority|staple|reader is required');
        const r = await api.invoke('startConsensus', {
          projectId: id(),
          caseId: a.opt('--case') ?? usageError('--case is required'),
          reader: a.opt('--reader') ?? usageError('--reader is required'),
          method,
          fromReader: a.opt('--from'),
        });
        if (a.has('--json')) json(r);
        else
          io.stdout.write(
            `Consensus session ${r.session.id} (${r.session.audit[0]?.detail ?? method})\n`,
          );
        return 0;
      }
      case 'export': {
        const out = a.opt('--out') ?? usageError('--out DIR is required');
        const format = a.opt('--format') ?? 'nifti';
        if (format !== 'nifti' && format !== 'seg' && format !== 'both')
          usageError('--format is nifti, seg or both');
        const layout = a.opt('--layout') ?? 'readers';
        if (layout !== 'readers' && layout !== 'brats') usageError('--layout is readers or brats');
        const r = await api.invoke('exportProject', {
          projectId: id(),
          outDir: path.resolve(out),
          format,
          layout,
          reader: a.opt('--reader'),
        });
        if (a.has('--json')) json(r);
        else {
          io.stdout.write(
            `${r.annotations.length} signed-off annotation(s) in ${r.outDir} (${r.annotations.filter((x) => x.written).length} written now)` +
              `${r.notSignedOff ? `; ${r.notSignedOff} not signed off, left out` : ''}\nTable: ${r.tsv}\n`,
          );
          for (const n of r.notes) io.stderr.write(`note: ${n}\n`);
        }
        return 0;
      }
      default:
        usageError(sub ? `unknown project command "${sub}"` : 'which project command?');
    }
  },
};
