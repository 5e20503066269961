/**
 * The study import entry point: a file or a folder (scanned recursively) becomes Studies.
 * NIfTI files go to loadNiftiSeries (the NIfTI files of one folder make one study); every other
 * file is tried as DICOM (Part 10, or a headerless data set) and grouped by study and series.
 * Non-image files are counted as skipped with a reason, never fatal. A folder without any image is
 * a MetaKdError (EmptyFolder / NoImages) naming the folder. Nothing patient-identifying is logged.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';
import { loadNiftiSeries } from '../io/nifti/loadNiftiSeries.ts';
import { readDicomFile, type DicomFileRead } from '../io/dicom/readDicomFile.ts';
import type { DicomInstance } from '../io/dicom/readInstance.ts';
import { assembleStudies } from '../io/dicom/assembleStudies.ts';
import type { ImportResult, Series, SkippedFile, Study } from './types.ts';
import { isNiftiPath, listFiles, sidecarOwner, statPath } from './scanFiles.ts';

/** NIfTI files loaded at once (their gunzip runs on the libuv thread pool). */
const READ_CONCURRENCY = 4;
/**
 * DICOM files read per turn of the event loop. Small DICOM files are read synchronously: for a
 * few hundred 100-KB slices readFileSync is about 3× faster than fs.promises.readFile (one
 * syscall sequence, no promise/thread-pool round trips), and yielding between batches keeps
 * progress events, cancellation and other requests flowing.
 */
const DICOM_READ_BATCH = 32;

/** Options of importPath. */
export interface ImportOptions {
  /** Cancels the import (MetaKdError Cancelled). */
  readonly signal?: AbortSignal;
  /** Called after each file is read: files done, files in total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Reads and parses candidate DICOM files in batches, yielding between batches. */
async function readDicomCandidates(
  files: readonly string[],
  opts: ImportOptions,
  tick: () => void,
): Promise<DicomFileRead[]> {
  const out: DicomFileRead[] = [];
  for (let b = 0; b < files.length; b += DICOM_READ_BATCH) {
    throwIfCancelled(opts.signal);
    for (const f of files.slice(b, b + DICOM_READ_BATCH)) {
      out.push(readDicomFile(f));
      tick();
    }
    await yieldToEventLoop();
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
): Promise<ImportResult & { errors: MetaKdError[]; brokenFiles: number }> {
  const nifti = files.filter(isNiftiPath);
  const niftiSet = new Set(nifti);
  const others = files.filter((f) => !niftiSet.has(f) && !sidecarOwner(f, niftiSet));
  const total = nifti.length + others.length;
  let done = 0;
  const tick = (): void => opts.onProgress?.(++done, total);
  // NIfTI decompression runs on libuv's thread pool, so several files load at once.
  const niftiSeries = await mapPool(
    nifti,
    async (f) => {
      const series = await loadNiftiSeries(f);
      tick();
      return series;
    },
    opts.signal,
  );
  const loaded = new Map(nifti.map((f, i) => [f, niftiSeries[i]] as const));
  const reads = await readDicomCandidates(others, opts, tick);
  const skipped: SkippedFile[] = [];
  const errors: MetaKdError[] = [];
  const instances: DicomInstance[] = [];
  reads.forEach((r, i) => {
    if (r.kind === 'instance') instances.push(r.inst);
    else if (r.kind === 'skip') skipped.push({ file: others[i], reason: r.reason });
    else {
      errors.push(r.error);
      skipped.push({ file: others[i], reason: r.error.message });
    }
  });
  const dicom = await assembleStudies(instances, { sourcePath: root, signal: opts.signal });
  const warnings = errors.map((e) => `skipped a broken DICOM file: ${e.message}`);
  for (const f of dicom.failed) {
    errors.push(f.error);
    skipped.push(...f.files.map((file) => ({ file, reason: f.error.message })));
    warnings.push(`skipped a series of ${f.files.length} file(s): ${f.error.message}`);
  }
  const brokenFiles =
    reads.filter((r) => r.kind === 'error').length +
    dicom.failed.reduce((n, f) => n + f.files.length, 0);
  return {
    studies: [...niftiStudies(loaded), ...dicom.studies],
    skipped,
    warnings,
    errors,
    brokenFiles,
  };
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
    const { errors: _errors, brokenFiles: _broken, ...rest } = result;
    return rest;
  }
  // Nothing importable: a single broken file explains itself best.
  // (a folder whose every file is broken DICOM gets the first file's error too).
  if (result.errors.length > 0 && (!st.isDirectory || result.brokenFiles === files.length)) {
    throw result.errors[0];
  }
  const what = st.isDirectory
    ? `the folder has no DICOM or NIfTI images (${files.length} file(s) skipped, e.g. ${path.basename(result.skipped[0]?.file ?? '')}: ${result.skipped[0]?.reason ?? 'unknown'}).`
    : `not an image file: ${result.skipped[0]?.reason ?? 'not DICOM or NIfTI'}.`;
  throw new MetaKdError(ErrorCode.NoImages, what, { file: root });
}
