/**
 * Project export: every signed-off annotation as a BraTS-named NIfTI (`<reader>/<case>/<case>_seg.nii.gz`,
 * labels 1/2/4 on the case's reference grid — the layout `npm run train` reads when the case's
 * images sit beside it) and one TSV of per-case, per-reader volumes, agreement with the model,
 * time spent, model version and sequences used. Resumable: a file already written for the same
 * session state is not written again; every file is written atomically.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite.ts';
import { writeNifti } from '../io/nifti/writeNifti.ts';
import { labelVolumes, regionDice, REGIONS } from '../metrics/regions.ts';
import type { LoadedSession } from '../sessions/SessionStore.ts';
import { activeTimeMs } from './worklist.ts';
import type { CaseRecord, ProjectRecord } from './projectTypes.ts';

/** NIfTI intent code for a label map (NIFTI_INTENT_LABEL). */
const NIFTI_INTENT_LABEL = 1002;
/** Remembers which session state each exported file holds (for resuming). */
const STATE_FILE = '.export-state.json';

/** What the export needs from outside (sessions and the model's labels per case). */
export interface ExportProjectParams {
  readonly project: ProjectRecord;
  readonly cases: ReadonlyMap<string, CaseRecord>;
  readonly loadSession: (id: string) => Promise<LoadedSession>;
  /** The model's labels of a case on the same grid, when it ran. */
  readonly modelLabels: (caseId: string) => Promise<Uint8Array | undefined>;
  readonly outDir: string;
}

/** One exported annotation. */
export interface ExportedAnnotation {
  readonly caseId: string;
  readonly reader: string;
  readonly file: string;
  /** False when the same session state was already exported (resumed export). */
  readonly written: boolean;
}

/** What the export wrote. */
export interface ExportProjectResult {
  readonly outDir: string;
  readonly annotations: readonly ExportedAnnotation[];
  readonly tsv: string;
  /** Annotations left out because they are not signed off. */
  readonly notSignedOff: number;
}

const fixed = (v: number | undefined, d = 3) => (v === undefined ? '' : v.toFixed(d));

/** Exports the project's signed-off annotations. */
export async function exportProject(p: ExportProjectParams): Promise<ExportProjectResult> {
  await mkdir(p.outDir, { recursive: true, mode: 0o700 });
  const stateFile = path.join(p.outDir, STATE_FILE);
  const state = JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as Record<
    string,
    string
  >;
  const header = [
    'case',
    'reader',
    'signed_off_at',
    'ncr_ml',
    'ed_ml',
    'et_ml',
    'tc_ml',
    'wt_ml',
    ...REGIONS.map((r) => `dice_vs_model_${r}`),
    'time_spent_s',
    'edits',
    'model_version',
    'sequences',
    'origin',
    'file',
  ];
  const rows: string[] = [header.join('\t')];
  const exported: ExportedAnnotation[] = [];
  let notSignedOff = 0;
  for (const c of p.project.cases) {
    const rec = p.cases.get(c.id);
    if (!rec) continue;
    const latest = new Map(rec.annotations.map((a) => [a.reader, a]));
    let model: Uint8Array | undefined | null = null; // loaded once per case, when needed
    for (const ann of latest.values()) {
      const s = await p.loadSession(ann.sessionId);
      if (!s.record.signOff) {
        notSignedOff++;
        continue;
      }
      const rel = path.join(ann.reader, c.id, `${c.id}_seg.nii.gz`);
      const file = path.join(p.outDir, rel);
      const key = `${ann.sessionId}@${s.record.updatedAt}`;
      const written = state[rel] !== key;
      if (written) {
        await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await writeNifti(
          file,
          { geometry: s.record.geometry, data: s.labels },
          { intentCode: NIFTI_INTENT_LABEL, description: `MetaKD Review ${ann.reader}` },
        );
        state[rel] = key;
        await writeJsonAtomic(stateFile, state, { what: 'the export state' });
      }
      exported.push({ caseId: c.id, reader: ann.reader, file, written });
      if (model === null) model = await p.modelLabels(c.id);
      const v = labelVolumes(s.labels, s.record.geometry);
      const dice =
        model && model.length === s.labels.length ? regionDice(s.labels, model) : undefined;
      rows.push(
        [
          c.id,
          ann.reader,
          s.record.signOff.at,
          fixed(v.ncr),
          fixed(v.ed),
          fixed(v.et),
          fixed(v.tc),
          fixed(v.wt),
          ...REGIONS.map((r) => fixed(dice?.[r], 4)),
          (activeTimeMs(s.record.audit, ann.reader) / 1000).toFixed(0),
          s.record.edits.length,
          s.record.model.version,
          s.record.sequencesUsed.join('+'),
          ann.origin,
          rel,
        ].join('\t'),
      );
    }
  }
  const tsv = path.join(p.outDir, 'annotations.tsv');
  await writeFileAtomic(tsv, rows.join('\n') + '\n', { what: 'annotations.tsv' });
  return { outDir: p.outDir, annotations: exported, tsv, notSignedOff };
}
