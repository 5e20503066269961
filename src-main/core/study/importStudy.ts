/**
 * The study import entry point: a file or a folder (scanned recursively) becomes Studies.
 * NIfTI files go to loadNiftiSeries (the NIfTI files of one folder make one study); every other
 * file is tried as DICOM (Part 10, or a headerless data set) and grouped by study and series.
 * Non-image files are counted as skipped with a reason, never fatal. A folder without any image is
 * a MetaKdError (EmptyFolder / NoImages) naming the folder. Nothing patient-identifying is logged.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError, isMetaKdError, throwIfCancelled } from '../errors.ts';
import { readDicomFile, type DicomFileRead } from '../io/dicom/readDicomFile.ts';
import type { DicomInstance } from '../io/dicom/readInstance.ts';
import {
  assembleStudies,
  missingSliceWarning,
  type DroppedFile,
} from '../io/dicom/assembleStudies.ts';
import { NON_FINITE_MARK } from '../io/nonFiniteVoxels.ts';
import type { ImportResult, Series, SkippedFile, Study } from './types.ts';
import { isNiftiPath, listFiles, sidecarOwner, statPath } from './scanFiles.ts';

/** NIfTI files loaded at once (their gunzip runs on the libuv thread pool). */
const READ_CONCURRENCY = 4;
/**
 * Longest stretch of DICOM reading between two turns of the event loop, in ms. Small DICOM files
 * are read synchronously: for a few hundred 100-KB slices readFileSync is about 3× faster than
 * fs.promises.readFile (one syscall sequence, no promise/thread-pool round trips), and yielding
 * every so often keeps progress events, cancellation and other requests flowing. By time rather
 * than by a count of files: a batch of large multi-frame files cannot hold the loop for long, and
 * a fast import does not pay for a turn of the loop every few dozen files (issue 13).
 */
const DICOM_READ_SLICE_MS = 10;

/** Options of importPath. */
export interface ImportOptions {
  /** Cancels the import (MetaKdError Cancelled). */
  readonly signal?: AbortSignal;
  /** Called after each file is read: files done, files in total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Reads and parses candidate DICOM files, yielding to the event loop every DICOM_READ_SLICE_MS. */
async function readDicomCandidates(
  files: readonly string[],
  opts: ImportOptions,
  tick: () => void,
): Promise<DicomFileRead[]> {
  const out: DicomFileRead[] = [];
  throwIfCancelled(opts.signal);
  let since = performance.now();
  for (const f of files) {
    out.push(readDicomFile(f));
    tick();
    if (performance.now() - since >= DICOM_READ_SLICE_MS) {
      await yieldToEventLoop();
      throwIfCancelled(opts.signal);
      since = performance.now();
    }
  }
  return out;
}

/** Runs `fn` over items with bounded concurrency, keeping result order. */
async function mapPool<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      throwIfCancelled(signal);
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
  return out;
}

/**
 * Loads each NIfTI file's series, or the error that names it: a broken NIfTI file is reported
 * and skipped like a broken DICOM file, and the rest imports. Decompression runs on libuv's
 * thread pool, so several files load at once. The NIfTI reader is loaded here, on first use: a
 * DICOM-only import never loads it (issue 13, fast start).
 */
async function readNiftiFiles(
  files: readonly string[],
  opts: ImportOptions,
  tick: () => void,
): Promise<(Series[] | MetaKdError)[]> {
  const { loadNiftiSeries } = await import('../io/nifti/loadNiftiSeries.ts');
  return mapPool(
    files,
    async (f) => {
      try {
        return await loadNiftiSeries(f);
      } catch (e) {
        if (!isMetaKdError(e) || e.code === ErrorCode.Cancelled) throw e;
        return e;
      } finally {
        tick();
      }
    },
    opts.signal,
  );
}

/** One study per folder of NIfTI files. */
function niftiStudies(loaded: ReadonlyMap<string, Series[]>): Study[] {
  const byFolder = new Map<string, Series[]>();
  for (const [file, series] of loaded) {
    const folder = path.dirname(file);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), ...series]);
  }
  return [...byFolder].map(([folder, series]) => ({
    id: folder,
    StudyDescription: path.basename(folder),
    sourcePath: folder,
    series,
  }));
}

/** Study of a single file, or the folder's studies; collects skipped files and warnings. */
async function importFiles(
  root: string,
  files: readonly string[],
  opts: ImportOptions,
): Promise<ImportResult & { errors: MetaKdError[]; brokenFiles: number; candidates: number }> {
  const nifti = files.filter(isNiftiPath);
  const niftiSet = new Set(nifti);
  const others = files.filter((f) => !niftiSet.has(f) && !sidecarOwner(f, niftiSet));
  const total = nifti.length + others.length;
  let done = 0;
  const tick = (): void => opts.onProgress?.(++done, total);
  const niftiSeries = nifti.length > 0 ? await readNiftiFiles(nifti, opts, tick) : [];
  const skipped: SkippedFile[] = [];
  const errors: MetaKdError[] = [];
  const loaded = new Map<string, Series[]>();
  nifti.forEach((f, i) => {
    const r = niftiSeries[i];
    if (Array.isArray(r)) loaded.set(f, r);
    else {
      errors.push(r);
      skipped.push({ file: f, reason: r.message });
    }
  });
  const niftiBroken = nifti.length - loaded.size;
  const reads = await readDicomCandidates(others, opts, tick);
  const instances: DicomInstance[] = [];
  /** Files that could not be read, by the series they say they belong to. */
  const brokenBySeries = new Map<string, DroppedFile[]>();
  reads.forEach((r, i) => {
    if (r.kind === 'instance') instances.push(r.inst);
    else if (r.kind === 'skip') skipped.push({ file: others[i], reason: r.reason });
    else {
      errors.push(r.error);
      skipped.push({ file: others[i], reason: r.error.message });
      if (r.SeriesInstanceUID) {
        const list = brokenBySeries.get(r.SeriesInstanceUID) ?? [];
        brokenBySeries.set(r.SeriesInstanceUID, [...list, { file: others[i], error: r.error }]);
      }
    }
  });
  const dicom = await assembleStudies(instances, { sourcePath: root, signal: opts.signal });
  const warnings = errors.map(
    (e, i) => `skipped a broken ${i < niftiBroken ? 'NIfTI' : 'DICOM'} file: ${e.message}`,
  );
  for (const d of dicom.dropped) {
    errors.push(d.error);
    skipped.push({ file: d.file, reason: d.error.message });
    warnings.push(`left a broken file out of its series (a slice is missing): ${d.error.message}`);
  }
  for (const f of dicom.failed) {
    errors.push(f.error);
    skipped.push(...f.files.map((file) => ({ file, reason: f.error.message })));
    warnings.push(`skipped a series of ${f.files.length} file(s): ${f.error.message}`);
  }
  const brokenFiles =
    niftiBroken +
    reads.filter((r) => r.kind === 'error').length +
    dicom.dropped.length +
    dicom.failed.reduce((n, f) => n + f.files.length, 0);
  const studies = [...niftiStudies(loaded), ...flagBrokenSeries(dicom.studies, brokenBySeries)];
  return {
    studies,
    skipped,
    warnings: [...warnings, ...voxelWarnings(studies)],
    errors,
    brokenFiles,
    candidates: total,
  };
}

/**
 * Series that lost files before assembly (the file said which series it belonged to, but its
 * content could not be read) carry a missing-slice warning naming the first such file.
 */
function flagBrokenSeries(
  studies: readonly Study[],
  brokenBySeries: ReadonlyMap<string, readonly DroppedFile[]>,
): Study[] {
  if (brokenBySeries.size === 0) return [...studies];
  return studies.map((st) => ({
    ...st,
    series: st.series.map((se) => {
      const broken = se.SeriesInstanceUID ? brokenBySeries.get(se.SeriesInstanceUID) : undefined;
      return broken ? { ...se, warnings: [missingSliceWarning(broken), ...se.warnings] } : se;
    }),
  }));
}

/**
 * Series warnings about damaged voxel values (NaN / Inf set to 0), repeated import-wide so they
 * reach every summary of the import (CLI, report.json), not only the series table.
 */
function voxelWarnings(studies: readonly Study[]): string[] {
  return studies.flatMap((st) =>
    st.series.flatMap((se) =>
      se.warnings
        .filter((w) => w.includes(NON_FINITE_MARK))
        .map((w) => `${se.SeriesDescription || se.id}: ${w}`),
    ),
  );
}

/**
 * Imports a file or a folder (recursively) as studies.
 * @param inputPath a `.nii`/`.nii.gz` file, a DICOM file, or a folder holding either
 * @throws MetaKdError NotFound, EmptyFolder, NoImages, DicomInvalid, DicomUnsupportedTransferSyntax,
 *   NiftiInvalid, NiftiTruncated or Cancelled
 */
export async function importPath(
  inputPath: string,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const root = path.resolve(inputPath);
  const st = await statPath(root);
  throwIfCancelled(opts.signal);
  const files = st.isDirectory ? await listFiles(root, opts.signal) : [root];
  if (st.isDirectory && files.length === 0) {
    const hint = 'the folder is empty: choose a folder with DICOM or NIfTI files.';
    throw new MetaKdError(ErrorCode.EmptyFolder, hint, { file: root });
  }
  const result = await importFiles(root, files, opts);
  if (result.studies.length > 0) {
    const { errors: _errors, brokenFiles: _broken, candidates: _candidates, ...rest } = result;
    return rest;
  }
  // Nothing importable: a single broken file explains itself best.
  // (a folder whose every file is broken DICOM gets the first file's error too).
  if (
    result.errors.length > 0 &&
    (!st.isDirectory ||
      result.brokenFiles === files.length ||
      result.brokenFiles === result.candidates)
  ) {
    throw result.errors[0];
  }
  const what = st.isDirectory
    ? `the folder has no DICOM or NIfTI images (${files.length} file(s) skipped, e.g. ${path.basename(result.skipped[0]?.file ?? '')}: ${result.skipped[0]?.reason ?? 'unknown'}).`
    : `not an image file: ${result.skipped[0]?.reason ?? 'not DICOM or NIfTI'}.`;
  throw new MetaKdError(ErrorCode.NoImages, what, { file: root });
}
