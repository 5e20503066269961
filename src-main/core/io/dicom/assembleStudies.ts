/**
 * Turns read DICOM instances into Studies: groups frames by StudyInstanceUID and
 * SeriesInstanceUID, splits mixed series, stacks and fills each volume, and copies the header
 * facts sequence detection needs onto each Series. Nothing patient-identifying is carried.
 */
import path from 'node:path';
import type { DicomInstanceRef, Series, Study } from '../../study/types.ts';
import { ErrorCode, MetaKdError, isMetaKdError, throwIfCancelled } from '../../errors.ts';
import type { DicomInstance } from './readInstance.ts';
import { splitSeries, stackGroup, type Slice, type StackedGroup } from './sliceStack.ts';
import { buildVolume } from './buildVolume.ts';
import { nonFiniteWarning, zeroNonFinite } from '../nonFiniteVoxels.ts';

/** Separator between a SeriesInstanceUID and the index of a sub-series split from it. */
export const SPLIT_SUFFIX_SEPARATOR = '#';

/** Options for assembling studies. */
export interface AssembleOptions {
  /** Folder or file the instances came from (Study.sourcePath). */
  readonly sourcePath: string;
  readonly signal?: AbortSignal;
}

/** Groups items by a key, keeping first-seen order. */
function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Every frame of every instance, as slices. */
function slicesOf(instances: readonly DicomInstance[]): Slice[] {
  return instances.flatMap((inst) => inst.frames.map((frame) => ({ inst, frame })));
}

/** Source references, one per slice in slice order. */
function instanceRefs(stack: StackedGroup): DicomInstanceRef[] {
  return stack.slices.map(({ inst, frame }) => ({
    SOPInstanceUID: inst.SOPInstanceUID,
    SOPClassUID: inst.SOPClassUID,
    file: inst.file,
    ...(inst.pixelFormat.NumberOfFrames > 1 ? { frameNumber: frame.frameIndex + 1 } : {}),
  }));
}

/** Builds one Series from a stacked group. */
async function toSeries(
  id: string,
  stack: StackedGroup,
  extraWarnings: readonly string[],
  signal?: AbortSignal,
): Promise<Series> {
  const first = stack.slices[0].inst;
  const h = first.header;
  const { volume, mayHoldNonFinite } = await buildVolume(stack, signal);
  // Integer volumes cannot hold NaN/Inf; checking a deferred one would read all its voxels.
  const changed = mayHoldNonFinite ? zeroNonFinite(volume.data) : 0;
  const voxels = stack.geometry.dims[0] * stack.geometry.dims[1] * stack.geometry.dims[2];
  if (changed === voxels) {
    // No `file` option: this is the series' failure, not one file's (no file is left out for it).
    throw new MetaKdError(
      ErrorCode.DicomInvalid,
      `${first.file}: every voxel of this series is NaN or infinite; there is no image to read.`,
    );
  }
  const nonFinite = nonFiniteWarning(changed, voxels);
  const notes = nonFinite ? [...extraWarnings, nonFinite] : extraWarnings;
  const files = [...new Set(stack.slices.map((s) => s.inst.file))];
  return {
    id,
    source: 'dicom',
    files,
    ...h,
    SeriesDescription: h.SeriesDescription ?? '',
    EchoTime: stack.slices[0].frame.EchoTime ?? h.EchoTime,
    EchoNumbers: stack.slices[0].frame.EchoNumbers ?? h.EchoNumbers,
    warnings: [...notes, ...stack.warnings],
    StudyInstanceUID: first.study.StudyInstanceUID,
    SeriesInstanceUID: first.SeriesInstanceUID,
    instances: instanceRefs(stack),
    volume,
  };
}

/** Builds the series (one, or several after a split) of one SeriesInstanceUID. */
async function seriesOf(
  uid: string,
  instances: readonly DicomInstance[],
  signal?: AbortSignal,
): Promise<Series[]> {
  const { groups, reasons } = splitSeries(slicesOf(instances));
  const out: Series[] = [];
  for (let g = 0; g < groups.length; g++) {
    throwIfCancelled(signal);
    const stack = stackGroup(groups[g]);
    const split = groups.length > 1;
    const note = split
      ? [
          `series split into ${groups.length} sub-series because it mixes ${reasons.join(' and ')}; this is part ${g + 1}.`,
        ]
      : [];
    const id = split ? `${uid}${SPLIT_SUFFIX_SEPARATOR}${g + 1}` : uid;
    out.push(await toSeries(id, stack, note, signal));
  }
  return out;
}

/** Sort key: SeriesNumber, then SeriesTime, then id. */
function compareSeries(a: Series, b: Series): number {
  return (
    (a.SeriesNumber ?? Number.MAX_SAFE_INTEGER) - (b.SeriesNumber ?? Number.MAX_SAFE_INTEGER) ||
    (a.SeriesTime ?? '').localeCompare(b.SeriesTime ?? '') ||
    a.id.localeCompare(b.id)
  );
}

/** A series whose pixel data could not be read (the rest of the import goes on). */
export interface FailedSeries {
  readonly files: readonly string[];
  readonly error: MetaKdError;
}

/** One file left out of a series that was built without it (its slice is missing). */
export interface DroppedFile {
  readonly file: string;
  readonly error: MetaKdError;
}

/** Studies built, the series that failed, and the files left out of series that were built. */
export interface AssembledStudies {
  readonly studies: Study[];
  readonly failed: FailedSeries[];
  readonly dropped: DroppedFile[];
}

/**
 * At most this fraction of a series' files may be left out (each costs a rebuild); beyond it the
 * series is too damaged to show as one volume and fails as a whole.
 */
const MAX_DROPPED_FRACTION = 0.1;

/** The warning a series carries for files left out of it. */
export function missingSliceWarning(dropped: readonly DroppedFile[]): string {
  const first = dropped[0];
  return (
    `${dropped.length} file(s) of this series could not be read and were left out, so slices are missing ` +
    `(e.g. ${path.basename(first.file)}: ${first.error.message.replace(`${first.file}: `, '')}); ` +
    'the volume has a gap there.'
  );
}

/**
 * Builds a series, leaving out a file whose pixels cannot be read (it names itself in the error)
 * and trying again, up to MAX_DROPPED_FRACTION of the files. Other problems fail the series.
 */
async function seriesLeavingOutBadFiles(
  uid: string,
  instances: readonly DicomInstance[],
  signal?: AbortSignal,
): Promise<{ series: Series[]; dropped: DroppedFile[] }> {
  const files = new Set(instances.map((i) => i.file));
  const maxDropped = Math.max(1, Math.floor(files.size * MAX_DROPPED_FRACTION));
  const dropped: DroppedFile[] = [];
  let remaining = instances;
  for (;;) {
    try {
      const series = await seriesOf(uid, remaining, signal);
      if (dropped.length === 0) return { series, dropped };
      const note = missingSliceWarning(dropped);
      return { series: series.map((s) => ({ ...s, warnings: [note, ...s.warnings] })), dropped };
    } catch (e) {
      const bad = isMetaKdError(e, ErrorCode.DicomInvalid) ? e.file : undefined;
      const next = bad ? remaining.filter((i) => i.file !== bad) : remaining;
      const canDrop = next.length > 0 && next.length < remaining.length;
      if (!bad || !canDrop || dropped.length >= maxDropped) throw e;
      dropped.push({ file: bad, error: e as MetaKdError });
      remaining = next;
    }
  }
}

/** A failure inside one series that is not a MetaKdError, as a DicomInvalid for that series. */
function asSeriesError(e: unknown, file: string): MetaKdError {
  if (isMetaKdError(e)) return e;
  return new MetaKdError(
    ErrorCode.DicomInvalid,
    `could not assemble this series (${e instanceof Error ? e.message : String(e)}).`,
    { file, cause: e },
  );
}

/** Errors that fail one series (its files are broken or compressed oddly), not the import. */
const SERIES_LEVEL_ERRORS = new Set<string>([
  ErrorCode.DicomInvalid,
  ErrorCode.DicomUnsupportedTransferSyntax,
]);

/**
 * Groups instances into studies of series, each series with its volume. A series whose pixel
 * data cannot be decoded is reported in `failed` instead of failing the whole import.
 */
export async function assembleStudies(
  instances: readonly DicomInstance[],
  opts: AssembleOptions,
): Promise<AssembledStudies> {
  const studies: Study[] = [];
  const failed: FailedSeries[] = [];
  const dropped: DroppedFile[] = [];
  for (const [studyUid, studyInstances] of groupBy(instances, (i) => i.StudyInstanceUID)) {
    const series: Series[] = [];
    for (const [seriesUid, list] of groupBy(studyInstances, (i) => i.SeriesInstanceUID)) {
      try {
        const built = await seriesLeavingOutBadFiles(seriesUid, list, opts.signal);
        series.push(...built.series);
        dropped.push(...built.dropped);
      } catch (e) {
        if (isMetaKdError(e, ErrorCode.Cancelled)) throw e;
        // Hostile input must not abort the other series: anything that is not a known
        // series-level error is still this series' failure, reported with its message.
        const err = asSeriesError(e, list[0].file);
        if (!SERIES_LEVEL_ERRORS.has(err.code)) throw err;
        failed.push({ files: list.map((i) => i.file), error: err });
      }
    }
    if (series.length === 0) continue;
    const s = studyInstances[0].study;
    studies.push({
      id: studyUid,
      StudyDescription: s.StudyDescription,
      StudyDate: s.StudyDate,
      sourcePath: opts.sourcePath,
      series: series.sort(compareSeries),
    });
  }
  return { studies, failed, dropped };
}
