/**
 * Project export: every signed-off annotation as a BraTS-named NIfTI (labels 1/2/4 on the case's
 * reference grid) and/or a DICOM SEG referencing the case's source series, plus one TSV of
 * per-case, per-reader volumes, agreement with the model, time spent, model version, sequences
 * used and what was (not) written and why.
 *
 * Layouts: "readers" (default) writes `<reader>/<case>/<case>_seg.{nii.gz,dcm}`; "brats" writes
 * the training layout `npm run train -- --data DIR` reads: `<case>/<case>_{flair,t1,t1ce,t2}.nii.gz`
 * (the model's inputs on the reference grid; missing sequences absent) and `<case>/<case>_seg.nii.gz`,
 * one annotation per case (the chosen reader's, else a signed-off consensus, else the only one).
 *
 * Resumable: a file already written for the same session state is not written again; every file
 * is written atomically, and the state after each one.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMetaKdError, throwIfCancelled } from '../errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite.ts';
import { writeNifti } from '../io/nifti/writeNifti.ts';
import { labelVolumes, regionDice, REGIONS } from '../metrics/regions.ts';
import type { ExportSettings } from '../export/provenance.ts';
import type { LoadedSession } from '../sessions/SessionStore.ts';
import { activeTimeMs } from './worklist.ts';
import { CaseStudies, segSeries, writeAnnotationSeg, writeBratsImages } from './exportSources.ts';
import type { CaseAnnotation, CaseRecord, ProjectRecord } from './projectTypes.ts';

/** NIfTI intent code for a label map (NIFTI_INTENT_LABEL). */
const NIFTI_INTENT_LABEL = 1002;
/** Remembers which session state each exported file holds (for resuming). */
const STATE_FILE = '.export-state.json';

/** Which files: NIfTI labelmaps, DICOM SEG, or both. */
export type ProjectExportFormat = 'nifti' | 'seg' | 'both';
/** Folder layout: per reader, or the BraTS training layout (images + one label file per case). */
export type ProjectExportLayout = 'readers' | 'brats';

/** What the export needs from outside (sessions and the model's labels per case). */
export interface ExportProjectParams {
  readonly project: ProjectRecord;
  readonly cases: ReadonlyMap<string, CaseRecord>;
  readonly loadSession: (id: string) => Promise<LoadedSession>;
  /** The model's labels of a case on the same grid, when it ran. */
  readonly modelLabels: (caseId: string) => Promise<Uint8Array | undefined>;
  readonly outDir: string;
  /** Default "nifti". */
  readonly format?: ProjectExportFormat;
  /** Default "readers". */
  readonly layout?: ProjectExportLayout;
  /** brats layout: whose annotation becomes the case's label file. */
  readonly reader?: string;
  /** SEG: the export settings (ContentLabel, series number …) and the app version. */
  readonly seg?: { readonly settings: ExportSettings; readonly appVersion: string };
  readonly signal?: AbortSignal;
}

/** One exported annotation. */
export interface ExportedAnnotation {
  readonly caseId: string;
  readonly reader: string;
  /** The NIfTI labelmap, when one was written (or is there from an earlier run). */
  readonly file?: string;
  /** The DICOM SEG, when one was written (or is there from an earlier run). */
  readonly seg?: string;
  /** False when the same session state was already exported (resumed export). */
  readonly written: boolean;
  /** Why a file asked for was not written (e.g. SEG of a NIfTI-only case). */
  readonly note?: string;
}

/** What the export wrote. */
export interface ExportProjectResult {
  readonly outDir: string;
  readonly format: ProjectExportFormat;
  readonly layout: ProjectExportLayout;
  readonly annotations: readonly ExportedAnnotation[];
  readonly tsv: string;
  /** Annotations left out because they are not signed off. */
  readonly notSignedOff: number;
  /** "<case> <reader>: <why>" for every file asked for and not written. */
  readonly notes: readonly string[];
}

const fixed = (v: number | undefined, d = 3) => (v === undefined ? '' : v.toFixed(d));
const clean = (s: string) => s.replace(/[\t\n\r]+/g, ' ');

interface Signed {
  readonly ann: CaseAnnotation;
  readonly s: LoadedSession;
}

/** brats layout: the one annotation of a case that becomes its label file, or why none. */
function trainingPick(signed: readonly Signed[], reader?: string): Signed | string {
  if (reader) {
    return (
      signed.find((x) => x.ann.reader === reader) ??
      `no signed-off annotation by ${reader} (the brats layout holds the chosen reader's only)`
    );
  }
  const consensus = signed.filter((x) => x.ann.origin === 'consensus');
  if (consensus.length === 1) return consensus[0];
  if (signed.length === 1) return signed[0];
  return `${signed.length} signed-off annotations (${signed.map((x) => x.ann.reader).join(', ')}); the brats layout holds one per case: choose a reader or sign off one consensus`;
}

/** Exports the project's signed-off annotations. */
export async function exportProject(p: ExportProjectParams): Promise<ExportProjectResult> {
  const format = p.format ?? 'nifti';
  const layout = p.layout ?? 'readers';
  const wantNifti = format !== 'seg';
  const wantSeg = format !== 'nifti';
  await mkdir(p.outDir, { recursive: true, mode: 0o700 });
  const stateFile = path.join(p.outDir, STATE_FILE);
  const state = JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as Record<
    string,
    string
  >;
  const saveState = () => writeJsonAtomic(stateFile, state, { what: 'the export state' });
  const studies = new CaseStudies(p.signal);
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
    'nifti_file',
    'seg_file',
    'note',
  ];
  const rows: string[] = [header.join('\t')];
  const exported: ExportedAnnotation[] = [];
  const notes: string[] = [];
  let notSignedOff = 0;
  for (const c of p.project.cases) {
    const rec = p.cases.get(c.id);
    if (!rec) continue;
    const latest = new Map(rec.annotations.map((a) => [a.reader, a]));
    const signed: Signed[] = [];
    for (const ann of latest.values()) {
      const s = await p.loadSession(ann.sessionId);
      if (s.record.signOff) signed.push({ ann, s });
      else notSignedOff++;
    }
    const pick = layout === 'brats' ? trainingPick(signed, p.reader) : undefined;
    let model: Uint8Array | undefined | null = null; // loaded once per case, when needed
    for (const { ann, s } of signed) {
      throwIfCancelled(p.signal);
      const key = `${ann.sessionId}@${s.record.updatedAt}`;
      const dirRel = layout === 'brats' ? c.id : path.join(ann.reader, c.id);
      const why: string[] = [];
      let niftiRel: string | undefined;
      let segRel: string | undefined;
      let written = false;
      const chosen = layout !== 'brats' || (typeof pick === 'object' && pick.ann === ann);
      if (!chosen)
        why.push(
          `not in the brats layout: ${typeof pick === 'string' ? pick : `${pick?.ann.reader}'s annotation is`}`,
        );
      if (chosen) await mkdir(path.join(p.outDir, dirRel), { recursive: true, mode: 0o700 });
      if (chosen && wantNifti) {
        niftiRel = path.join(dirRel, `${c.id}_seg.nii.gz`);
        if (state[niftiRel] !== key) {
          await writeNifti(
            path.join(p.outDir, niftiRel),
            { geometry: s.record.geometry, data: s.labels },
            { intentCode: NIFTI_INTENT_LABEL, description: `MetaKD Review ${ann.reader}` },
          );
          state[niftiRel] = key;
          await saveState();
          written = true;
        }
        if (layout === 'brats') {
          const imgKey = `images:${key}`;
          const imagesRel = path.join(dirRel, `${c.id}_images`);
          if (state[imagesRel] !== imgKey) {
            const r = await writeBratsImages(await studies.study(s.record), s.record, (slot) =>
              path.join(p.outDir, dirRel, `${c.id}_${slot}.nii.gz`),
            );
            why.push(...r.notes);
            state[imagesRel] = imgKey;
            await saveState();
            written = true;
          }
        }
      }
      if (chosen && wantSeg) {
        const rel = path.join(dirRel, `${c.id}_seg.dcm`);
        if (state[rel] === key) segRel = rel;
        else {
          try {
            const study = await studies.study(s.record);
            const series = segSeries(study, s.record);
            if (!series) {
              why.push(
                'no DICOM SEG: SEG needs a DICOM source and this case is NIfTI only (its NIfTI labelmap is the export)',
              );
            } else {
              await writeAnnotationSeg({
                file: path.join(p.outDir, rel),
                labels: s.labels,
                record: s.record,
                ann,
                series,
                settings: p.seg?.settings ?? { ContentCreatorName: '', ContentLabel: '' },
                appVersion: p.seg?.appVersion ?? '',
              });
              state[rel] = key;
              await saveState();
              segRel = rel;
              written = true;
            }
          } catch (e) {
            // One case's SEG failing (e.g. an empty mask: a SEG needs a segment) is reported in
            // its row; the rest of the project is still exported.
            if (!isMetaKdError(e)) throw e;
            why.push(`no DICOM SEG: ${e.message}`);
          }
        }
      }
      const note = why.join('; ');
      if (note) notes.push(`${c.id} ${ann.reader}: ${note}`);
      exported.push({
        caseId: c.id,
        reader: ann.reader,
        ...(niftiRel ? { file: path.join(p.outDir, niftiRel) } : {}),
        ...(segRel ? { seg: path.join(p.outDir, segRel) } : {}),
        written,
        ...(note ? { note } : {}),
      });
      if (model === null) model = await p.modelLabels(c.id);
      const v = labelVolumes(s.labels, s.record.geometry);
      const dice =
        model && model.length === s.labels.length ? regionDice(s.labels, model) : undefined;
      rows.push(
        [
          c.id,
          ann.reader,
          s.record.signOff?.at ?? '',
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
          niftiRel ?? '',
          segRel ?? '',
          clean(note),
        ].join('\t'),
      );
    }
  }
  const tsv = path.join(p.outDir, 'annotations.tsv');
  await writeFileAtomic(tsv, rows.join('\n') + '\n', { what: 'annotations.tsv' });
  return { outDir: p.outDir, format, layout, annotations: exported, tsv, notSignedOff, notes };
}
