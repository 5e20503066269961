/**
 * The DICOM study generator: writes a four-series MR study (one series per sequence, realistic
 * headers, one study and frame of reference, correct ImagePositionPatient / ImageOrientationPatient
 * / PixelSpacing / SliceThickness for the LPS geometry, MR Image Storage, Explicit VR LE, int16 with
 * rescale) from volumes or from a BraTS NIfTI case folder. Tests and benchmarks use it; later
 * DICOM SEG export references its instances. The patient is synthetic ("SYNTHETIC^BRATS").
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSlot } from '../../enums/SequenceLabel.ts';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import { voxelToLps, type Geometry } from '../../volume/Geometry.ts';
import type { Volume, VoxelArray } from '../../volume/Volume.ts';
import { readNifti } from '../nifti/readNifti.ts';
import { MR_PROTOCOLS, type MrProtocol } from './mrProtocols.ts';
import { encodePart10, formatDS, newUid, type DicomElement } from './writeDicom.ts';

/** MR Image Storage SOP class (PS3.4 Annex B). */
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
const INT16_MIN = -32768;
const INT16_MAX = 32767;
/** Files written at once. */
const WRITE_CONCURRENCY = 16;
/** Minutes between the starts of consecutive series (acquisition order). */
const SERIES_INTERVAL_MIN = 5;
/** BraTS file-name suffixes per slot: 2018–2021 (`_t1ce`) and 2023 (`-t1c`) conventions. */
const BRATS_SUFFIXES: Readonly<Record<ModelSlot, readonly string[]>> = {
  flair: ['_flair', '-t2f'],
  t1: ['_t1', '-t1n'],
  t1ce: ['_t1ce', '-t1c'],
  t2: ['_t2', '-t2w'],
};

/** Inputs of the generator. */
export interface WriteMrStudyOptions {
  /** Empty (or absent) folder to write into; one sub-folder per series. */
  readonly outDir: string;
  /** The volumes to write, by sequence; missing slots are simply not written. */
  readonly volumes: Readonly<Partial<Record<ModelSlot, Volume>>>;
  /** Synthetic PatientID (default "METAKD-SYNTHETIC"). Never a real identifier. */
  readonly patientId?: string;
  readonly studyDescription?: string;
  /** YYYYMMDD (default 20240314). */
  readonly studyDate?: string;
}

/** One written series. */
export interface WrittenSeries {
  readonly slot: ModelSlot;
  readonly SeriesInstanceUID: string;
  readonly SeriesDescription: string;
  readonly SeriesNumber: number;
  /** Files in slice order (k = 0 first). */
  readonly files: readonly string[];
}

/** What the generator wrote. */
export interface WrittenMrStudy {
  readonly outDir: string;
  readonly StudyInstanceUID: string;
  readonly FrameOfReferenceUID: string;
  readonly series: readonly WrittenSeries[];
}

/** Int16 stored values plus the rescale that maps them back to the volume's values. */
interface StoredPixels {
  readonly data: Int16Array;
  readonly slope: number;
  readonly intercept: number;
  readonly min: number;
  readonly max: number;
}

/** Converts voxels to Int16: exact when they are integers in range, else linearly rescaled. */
export function toStoredInt16(data: VoxelArray): StoredPixels {
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (integral && !Number.isInteger(v)) integral = false;
  }
  if (data.length === 0) return { data: new Int16Array(0), slope: 1, intercept: 0, min: 0, max: 0 };
  if (integral && min >= INT16_MIN && max <= INT16_MAX) {
    const out = data instanceof Int16Array ? data : Int16Array.from(data);
    return { data: out, slope: 1, intercept: 0, min, max };
  }
  // Map [min, max] onto the Int16 range; DS text keeps the slope to 16 characters.
  const slope = Number(formatDS((max - min) / (INT16_MAX - INT16_MIN) || 1));
  const intercept = Number(formatDS(min - INT16_MIN * slope));
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const q = Math.round((data[i] - intercept) / slope);
    out[i] = Math.min(INT16_MAX, Math.max(INT16_MIN, q));
  }
  return { data: out, slope, intercept, min, max };
}

/** HHMMSS of a time `minutes` after 10:00:00. */
function timeOfDay(minutes: number): string {
  const h = 10 + Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}${String(m).padStart(2, '0')}00`;
}

/** Shared context of one study. */
interface StudyContext {
  readonly StudyInstanceUID: string;
  readonly FrameOfReferenceUID: string;
  readonly StudyDate: string;
  readonly StudyDescription: string;
  readonly PatientID: string;
}

/** Shared context of one series. */
interface SeriesContext {
  readonly protocol: MrProtocol;
  readonly SeriesInstanceUID: string;
  readonly SeriesNumber: number;
  readonly SeriesTime: string;
  readonly geometry: Geometry;
  readonly pixels: StoredPixels;
}

const E = (
  group: number,
  element: number,
  vr: DicomElement['vr'],
  value: DicomElement['value'],
): DicomElement => ({
  tag: [group, element],
  vr,
  value,
});

/** Study-, patient- and series-level elements (the same for every slice of a series). */
function seriesElements(st: StudyContext, se: SeriesContext): DicomElement[] {
  const p = se.protocol;
  const [sx, sy, sz] = se.geometry.spacing;
  const [di, dj] = se.geometry.directionLps;
  const out: DicomElement[] = [
    E(0x0008, 0x0005, 'CS', 'ISO_IR 100'),
    E(0x0008, 0x0008, 'CS', ['ORIGINAL', 'PRIMARY', 'M', 'ND']),
    E(0x0008, 0x0016, 'UI', MR_IMAGE_STORAGE),
    E(0x0008, 0x0020, 'DA', st.StudyDate),
    E(0x0008, 0x0021, 'DA', st.StudyDate),
    E(0x0008, 0x0022, 'DA', st.StudyDate),
    E(0x0008, 0x0023, 'DA', st.StudyDate),
    E(0x0008, 0x0030, 'TM', timeOfDay(0)),
    E(0x0008, 0x0031, 'TM', se.SeriesTime),
    E(0x0008, 0x0032, 'TM', se.SeriesTime),
    E(0x0008, 0x0033, 'TM', se.SeriesTime),
    E(0x0008, 0x0050, 'SH', ''),
    E(0x0008, 0x0060, 'CS', 'MR'),
    E(0x0008, 0x0070, 'LO', 'MetaKD Review study generator'),
    E(0x0008, 0x0090, 'PN', ''),
    E(0x0008, 0x1030, 'LO', st.StudyDescription),
    E(0x0008, 0x103e, 'LO', p.SeriesDescription),
    E(0x0010, 0x0010, 'PN', 'SYNTHETIC^BRATS'),
    E(0x0010, 0x0020, 'LO', st.PatientID),
    E(0x0010, 0x0030, 'DA', ''),
    E(0x0010, 0x0040, 'CS', 'O'),
    E(0x0018, 0x0020, 'CS', [...p.ScanningSequence]),
    E(0x0018, 0x0021, 'CS', [...p.SequenceVariant]),
    E(0x0018, 0x0022, 'CS', [...p.ScanOptions]),
    E(0x0018, 0x0023, 'CS', '2D'),
    E(0x0018, 0x0024, 'SH', p.SequenceName),
    E(0x0018, 0x0050, 'DS', formatDS(sz)),
    E(0x0018, 0x0080, 'DS', formatDS(p.RepetitionTime)),
    E(0x0018, 0x0081, 'DS', formatDS(p.EchoTime)),
    E(0x0018, 0x0086, 'IS', '1'),
    E(0x0018, 0x0087, 'DS', '3'),
    E(0x0018, 0x0091, 'IS', String(p.EchoTrainLength)),
    E(0x0018, 0x0088, 'DS', formatDS(sz)),
    E(0x0018, 0x1030, 'LO', p.ProtocolName),
    E(0x0018, 0x1314, 'DS', formatDS(p.FlipAngle)),
    E(0x0018, 0x5100, 'CS', 'HFS'),
    E(0x0020, 0x000d, 'UI', st.StudyInstanceUID),
    E(0x0020, 0x000e, 'UI', se.SeriesInstanceUID),
    E(0x0020, 0x0010, 'SH', '1'),
    E(0x0020, 0x0011, 'IS', String(se.SeriesNumber)),
    E(0x0020, 0x0012, 'IS', '1'),
    // Laterality is Type 2C (paired body parts); the brain is not paired, so it stays empty.
    E(0x0020, 0x0060, 'CS', ''),
    E(0x0020, 0x0037, 'DS', [...di, ...dj].map(formatDS)),
    E(0x0020, 0x0052, 'UI', st.FrameOfReferenceUID),
    E(0x0020, 0x1040, 'LO', ''),
    E(0x0028, 0x0002, 'US', [1]),
    E(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    E(0x0028, 0x0010, 'US', [se.geometry.dims[1]]),
    E(0x0028, 0x0011, 'US', [se.geometry.dims[0]]),
    // PixelSpacing is row spacing (along j) then column spacing (along i), PS3.3 C.7.6.2.1.1.
    E(0x0028, 0x0030, 'DS', [formatDS(sy), formatDS(sx)]),
    E(0x0028, 0x0100, 'US', [16]),
    E(0x0028, 0x0101, 'US', [16]),
    E(0x0028, 0x0102, 'US', [15]),
    E(0x0028, 0x0103, 'US', [1]),
    E(0x0028, 0x1050, 'DS', formatDS((se.pixels.min + se.pixels.max) / 2)),
    E(0x0028, 0x1051, 'DS', formatDS(Math.max(1, se.pixels.max - se.pixels.min))),
    E(0x0028, 0x1052, 'DS', formatDS(se.pixels.intercept)),
    E(0x0028, 0x1053, 'DS', formatDS(se.pixels.slope)),
    E(0x0028, 0x1054, 'LO', 'US'),
  ];
  if (p.InversionTime !== undefined) out.push(E(0x0018, 0x0082, 'DS', formatDS(p.InversionTime)));
  if (p.ContrastBolusAgent) out.push(E(0x0018, 0x0010, 'LO', p.ContrastBolusAgent));
  return out;
}

/** Encodes slice k of a series. */
function sliceFile(
  common: readonly DicomElement[],
  se: SeriesContext,
  k: number,
): { bytes: Buffer; uid: string } {
  const g = se.geometry;
  const plane = g.dims[0] * g.dims[1];
  const ipp = voxelToLps(g, [0, 0, k]);
  const normal = g.directionLps[2];
  const sliceLocation = ipp[0] * normal[0] + ipp[1] * normal[1] + ipp[2] * normal[2];
  const px = se.pixels.data;
  const uid = newUid();
  const elements: DicomElement[] = [
    ...common,
    E(0x0008, 0x0018, 'UI', uid),
    E(0x0020, 0x0013, 'IS', String(k + 1)),
    E(0x0020, 0x0032, 'DS', ipp.map(formatDS)),
    E(0x0020, 0x1041, 'DS', formatDS(sliceLocation)),
    E(0x7fe0, 0x0010, 'OW', new Uint8Array(px.buffer, px.byteOffset + k * plane * 2, plane * 2)),
  ];
  return {
    bytes: encodePart10(elements, { SOPClassUID: MR_IMAGE_STORAGE, SOPInstanceUID: uid }),
    uid,
  };
}

/** Writes one series' files with bounded concurrency. */
async function writeSeries(dir: string, st: StudyContext, se: SeriesContext): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const common = seriesElements(st, se);
  const nz = se.geometry.dims[2];
  const files = Array.from({ length: nz }, (_, k) =>
    path.join(dir, `IM${String(k + 1).padStart(4, '0')}.dcm`),
  );
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < nz) {
      const k = next++;
      await writeFile(files[k], sliceFile(common, se, k).bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, nz) }, worker));
  return files;
}

/** Refuses a non-empty output folder: stale files would mix two studies on import. */
async function ensureEmptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  if (entries.length > 0) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      'the output folder is not empty; choose an empty or new folder.',
      {
        file: dir,
      },
    );
  }
  await mkdir(dir, { recursive: true });
}

/**
 * Writes an MR study with one series per given volume (acquisition order T1, T2, FLAIR, T1 post
 * contrast), all in one study and frame of reference.
 * @throws MetaKdError InvalidArgument when outDir is not empty or no volume is given
 */
export async function writeMrStudyFromVolumes(opts: WriteMrStudyOptions): Promise<WrittenMrStudy> {
  const protocols = MR_PROTOCOLS.filter((p) => opts.volumes[p.slot]);
  if (protocols.length === 0) {
    throw new MetaKdError(ErrorCode.InvalidArgument, 'no volumes to write.', { file: opts.outDir });
  }
  await ensureEmptyDir(opts.outDir);
  const st: StudyContext = {
    StudyInstanceUID: newUid(),
    FrameOfReferenceUID: newUid(),
    StudyDate: opts.studyDate ?? '20240314',
    StudyDescription: opts.studyDescription ?? 'MR BRAIN WITH AND WITHOUT CONTRAST',
    PatientID: opts.patientId ?? 'METAKD-SYNTHETIC',
  };
  const series: WrittenSeries[] = [];
  for (const [n, protocol] of protocols.entries()) {
    const volume = opts.volumes[protocol.slot] as Volume;
    const se: SeriesContext = {
      protocol,
      SeriesInstanceUID: newUid(),
      SeriesNumber: n + 2,
      SeriesTime: timeOfDay(1 + n * SERIES_INTERVAL_MIN),
      geometry: volume.geometry,
      pixels: toStoredInt16(volume.data),
    };
    const folder = `S${String(se.SeriesNumber).padStart(3, '0')}_${protocol.SeriesDescription.replace(/\W+/g, '_')}`;
    const files = await writeSeries(path.join(opts.outDir, folder), st, se);
    series.push({
      slot: protocol.slot,
      SeriesInstanceUID: se.SeriesInstanceUID,
      SeriesDescription: protocol.SeriesDescription,
      SeriesNumber: se.SeriesNumber,
      files,
    });
  }
  return {
    outDir: path.resolve(opts.outDir),
    StudyInstanceUID: st.StudyInstanceUID,
    FrameOfReferenceUID: st.FrameOfReferenceUID,
    series,
  };
}

/** Finds the four sequence files of a BraTS case folder (2018–2021 or 2023 naming). */
export async function findBratsCaseFiles(caseDir: string): Promise<Record<ModelSlot, string>> {
  const names = await readdir(caseDir).catch((e: unknown) => {
    throw new MetaKdError(ErrorCode.NotFound, 'no such folder.', { file: caseDir, cause: e });
  });
  const found: Partial<Record<ModelSlot, string>> = {};
  for (const slot of Object.keys(BRATS_SUFFIXES) as ModelSlot[]) {
    const hit = names.find((n) =>
      BRATS_SUFFIXES[slot].some((s) => n.endsWith(`${s}.nii.gz`) || n.endsWith(`${s}.nii`)),
    );
    if (hit) found[slot] = path.join(caseDir, hit);
  }
  const missing = (Object.keys(BRATS_SUFFIXES) as ModelSlot[]).filter((s) => !found[s]);
  if (missing.length > 0) {
    throw new MetaKdError(
      ErrorCode.InvalidArgument,
      `not a BraTS case folder: no ${missing.join(', ')} file (expected names ending in ${missing.map((s) => BRATS_SUFFIXES[s].join(' or ')).join('; ')}).`,
      { file: caseDir },
    );
  }
  return found as Record<ModelSlot, string>;
}

/** Reads a BraTS case folder's four NIfTI files and writes them as a four-series MR study. */
export async function writeMrStudyFromBratsCase(
  caseDir: string,
  outDir: string,
): Promise<WrittenMrStudy> {
  const files = await findBratsCaseFiles(caseDir);
  const volumes: Partial<Record<ModelSlot, Volume>> = {};
  await Promise.all(
    (Object.entries(files) as [ModelSlot, string][]).map(async ([slot, file]) => {
      const img = await readNifti(file);
      volumes[slot] = { geometry: img.geometry, data: img.frames[0] };
    }),
  );
  return writeMrStudyFromVolumes({
    outDir,
    volumes,
    patientId: `SYN-${path.basename(path.resolve(caseDir))}`,
  });
}
