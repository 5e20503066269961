/**
 * Turns read DICOM instances into Studies: groups frames by StudyInstanceUID and
 * SeriesInstanceUID, splits mixed series, stacks and fills each volume, and copies the header
 * facts sequence detection needs onto each Series. Nothing patient-identifying is carried.
 */
import type { DicomInstanceRef, Series, Study } from '../../study/types.ts';
import { ErrorCode, MetaKdError, isMetaKdError, throwIfCancelled } from '../../errors.ts';
import type { DicomInstance } from './readInstance.ts';
import { splitSeries, stackGroup, type Slice, type StackedGroup } from './sliceStack.ts';
import { buildVolume } from './buildVolume.ts';

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
  const volume = await buildVolume(stack, signal);
  const files = [...new Set(stack.slices.map((s) => s.inst.file))];
  return {
    id,
    source: 'dicom',
    files,
    ...h,
    SeriesDescription: h.SeriesDescription ?? '',
    EchoTime: stack.slices[0].frame.EchoTime ?? h.EchoTime,
    EchoNumbers: stack.slices[0].frame.EchoNumbers ?? h.EchoNumbers,
    warnings: [...extraWarnings, ...stack.warnings],
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

/** Studies built, and the series that failed. */
export interface AssembledStudies {
  readonly studies: Study[];
  readonly failed: FailedSeries[];
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
  for (const [studyUid, studyInstances] of groupBy(instances, (i) => i.study.StudyInstanceUID)) {
    const series: Series[] = [];
    for (const [seriesUid, list] of groupBy(studyInstances, (i) => i.SeriesInstanceUID)) {
      try {
        series.push(...(await seriesOf(seriesUid, list, opts.signal)));
      } catch (e) {
        if (!isMetaKdError(e) || !SERIES_LEVEL_ERRORS.has(e.code)) throw e;
        failed.push({ files: list.map((i) => i.file), error: e });
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
  return { studies, failed };
}
