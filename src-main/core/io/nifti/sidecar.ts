/**
 * BIDS / dcm2niix JSON sidecars: find, parse and map onto SeriesInfo fields.
 *
 * BIDS stores times in seconds (RepetitionTime, EchoTime, InversionTime); SeriesInfo uses DICOM's
 * milliseconds. dcm2niix joins multi-valued DICOM strings with "_" (ScanningSequence "SE_IR") and
 * writes clock times with colons ("10:43:22.5"); SeriesInfo uses DICOM's "\\" and "HHMMSS.ffffff".
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Seconds → milliseconds. */
const MS_PER_S = 1000;

/** The SeriesInfo fields a sidecar can supply (a subset of SeriesInfo, all optional). */
export interface SidecarFields {
  SeriesDescription?: string;
  ProtocolName?: string;
  SeriesNumber?: number;
  Modality?: string;
  ScanningSequence?: string;
  SequenceVariant?: string;
  SequenceName?: string;
  RepetitionTime?: number;
  EchoTime?: number;
  InversionTime?: number;
  FlipAngle?: number;
  MRAcquisitionType?: string;
  ContrastBolusAgent?: string;
  ImageType?: string[];
  AcquisitionTime?: string;
  SeriesTime?: string;
  EchoNumbers?: number;
  Manufacturer?: string;
}

/** A sidecar read from disk. */
export interface Sidecar {
  /** Absolute path of the .json file. */
  readonly file: string;
  /** The parsed JSON object. */
  readonly content: Readonly<Record<string, unknown>>;
}

/** The file name without `.nii.gz` / `.nii` / `.gz`. */
export function niftiBaseName(file: string): string {
  return path.basename(file).replace(/(\.nii)?(\.gz)?$/i, '');
}

/** The sidecar path next to a NIfTI file: same folder, same base name, `.json`. */
export function sidecarPath(file: string): string {
  return path.join(path.dirname(file), `${niftiBaseName(file)}.json`);
}

/**
 * Reads the sidecar beside `file` when there is one.
 * @returns the sidecar, or `undefined` when absent; unreadable or invalid JSON adds a warning
 */
export async function readSidecar(file: string, warnings: string[]): Promise<Sidecar | undefined> {
  const jsonFile = sidecarPath(file);
  let text: string;
  try {
    text = await readFile(jsonFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') warnings.push(`JSON sidecar ${jsonFile} could not be read (${code}).`);
    return undefined;
  }
  try {
    const content: unknown = JSON.parse(text);
    if (content && typeof content === 'object' && !Array.isArray(content)) {
      return { file: jsonFile, content: content as Record<string, unknown> };
    }
    warnings.push(`JSON sidecar ${jsonFile} is not a JSON object; ignored.`);
  } catch (e) {
    warnings.push(`JSON sidecar ${jsonFile} is not valid JSON (${(e as Error).message}); ignored.`);
  }
  return undefined;
}

/** A non-empty string value, or undefined. */
function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0) {
    return v.join('\\');
  }
  return undefined;
}

/** A finite number (numeric strings accepted), or undefined. */
function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** Seconds (BIDS) → ms, first element when an array (multi-echo lists). */
function secondsToMs(v: unknown): number | undefined {
  const s = num(Array.isArray(v) ? v[0] : v);
  return s === undefined ? undefined : Math.round(s * MS_PER_S * 1e6) / 1e6;
}

/** dcm2niix "SE_IR" / ["SE","IR"] / "SE\\IR" → DICOM's "SE\\IR". */
function multiCode(v: unknown): string | undefined {
  const s = str(v);
  return s?.split(/[_\\]/).filter(Boolean).join('\\');
}

/** "10:43:22.500000" → "104322.500000"; already-DICOM "104322" passes through. */
function dicomTime(v: unknown): string | undefined {
  const s = str(v);
  return s?.replace(/:/g, '');
}

/** ImageType as a list: array, or a "\\"- or "_"-joined string. */
function imageType(v: unknown): string[] | undefined {
  if (Array.isArray(v)) {
    const list = v.filter((x): x is string => typeof x === 'string');
    return list.length ? list : undefined;
  }
  const s = str(v);
  return s ? s.split(/[\\_]/).filter(Boolean) : undefined;
}

/** Maps sidecar keys (BIDS / dcm2niix names, which are DICOM keywords) to SeriesInfo fields. */
export function sidecarFields(c: Readonly<Record<string, unknown>>): SidecarFields {
  const out: SidecarFields = {
    SeriesDescription: str(c.SeriesDescription),
    ProtocolName: str(c.ProtocolName),
    SeriesNumber: num(c.SeriesNumber),
    Modality: str(c.Modality),
    ScanningSequence: multiCode(c.ScanningSequence),
    SequenceVariant: multiCode(c.SequenceVariant),
    SequenceName: str(c.SequenceName),
    RepetitionTime: secondsToMs(c.RepetitionTime),
    EchoTime: secondsToMs(c.EchoTime),
    InversionTime: secondsToMs(c.InversionTime),
    FlipAngle: num(c.FlipAngle),
    MRAcquisitionType: str(c.MRAcquisitionType),
    ContrastBolusAgent: str(c.ContrastBolusAgent),
    ImageType: imageType(c.ImageType),
    AcquisitionTime: dicomTime(c.AcquisitionTime),
    SeriesTime: dicomTime(c.SeriesTime),
    EchoNumbers: num(c.EchoNumber ?? c.EchoNumbers),
    Manufacturer: str(c.Manufacturer),
  };
  for (const k of Object.keys(out) as (keyof SidecarFields)[]) {
    if (out[k] === undefined) delete out[k];
  }
  return out;
}
