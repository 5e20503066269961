/**
 * Normalises what is known about a series (DICOM header fields, NIfTI file name, JSON sidecar)
 * into one flat record the rules read. Pure functions.
 *
 * Sidecars follow BIDS / dcm2niix: times are in seconds there and milliseconds in DICOM, so they
 * are converted here once; DICOM header values win over sidecar values when both exist.
 */
import path from 'node:path';
import type { SeriesInfo } from '../study/types.ts';

/** The inputs of the classification rules, in DICOM units (ms). */
export interface SequenceFacts {
  readonly source: 'dicom' | 'nifti' | 'names';
  /** Name strings to tokenise: SeriesDescription, ProtocolName, sidecar names (deduplicated). */
  readonly names: readonly string[];
  /** NIfTI file name without folder and extension, for suffix conventions; else undefined. */
  readonly fileStem?: string;
  readonly SequenceName?: string;
  /** ScanningSequence values, upper case ("SE", "IR", "GR", "EP", "RM"). */
  readonly ScanningSequence: readonly string[];
  /** SequenceVariant values, upper case ("SK", "SP", "MP", "SS", "OSP", "NONE"). */
  readonly SequenceVariant: readonly string[];
  /** ms */
  readonly RepetitionTime?: number;
  /** ms */
  readonly EchoTime?: number;
  /** ms */
  readonly InversionTime?: number;
  readonly ContrastBolusAgent?: string;
  /** ImageType values, upper case. */
  readonly ImageType: readonly string[];
}

/** ms per s: BIDS sidecars store times in seconds. */
const MS_PER_S = 1000;

/** Splits a DICOM multi-value string ("SE\\IR", "SK\\SP") into upper-case values. */
export function splitMultiValue(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/[\\/,\s]+/)
    .map((v) => v.trim().toUpperCase())
    .filter((v) => v.length > 0);
}

function sidecarString(sidecar: SeriesInfo['sidecar'], key: string): string | undefined {
  const v = sidecar?.[key];
  if (typeof v === 'string' && v.trim().length > 0) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\\');
  return undefined;
}

function sidecarSeconds(sidecar: SeriesInfo['sidecar'], key: string): number | undefined {
  const v = sidecar?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v * MS_PER_S : undefined;
}

function positive(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** File name without folder and NIfTI extension ("a/b/x_t1.nii.gz" → "x_t1"). */
export function fileStem(file: string): string {
  return path.basename(file).replace(/\.nii(\.gz)?$/i, '');
}

/** Builds the rule inputs for one series. */
export function factsFromSeries(info: SeriesInfo): SequenceFacts {
  const sc = info.sidecar;
  const names = [
    info.SeriesDescription,
    info.ProtocolName,
    sidecarString(sc, 'SeriesDescription'),
    sidecarString(sc, 'ProtocolName'),
  ].filter((n): n is string => typeof n === 'string' && n.trim().length > 0);
  const isSingleFileNifti =
    info.source === 'nifti' && info.channelIndex === undefined && info.files.length > 0;
  const imageType = info.ImageType?.length
    ? info.ImageType
    : splitMultiValue(sidecarString(sc, 'ImageType'));
  return {
    source: info.source,
    names: [...new Set(names)],
    fileStem: isSingleFileNifti ? fileStem(info.files[0]) : undefined,
    SequenceName: info.SequenceName ?? sidecarString(sc, 'SequenceName'),
    ScanningSequence: splitMultiValue(
      info.ScanningSequence ?? sidecarString(sc, 'ScanningSequence'),
    ),
    SequenceVariant: splitMultiValue(info.SequenceVariant ?? sidecarString(sc, 'SequenceVariant')),
    RepetitionTime: positive(info.RepetitionTime ?? sidecarSeconds(sc, 'RepetitionTime')),
    EchoTime: positive(info.EchoTime ?? sidecarSeconds(sc, 'EchoTime')),
    InversionTime: positive(info.InversionTime ?? sidecarSeconds(sc, 'InversionTime')),
    ContrastBolusAgent:
      info.ContrastBolusAgent ??
      sidecarString(sc, 'ContrastBolusAgent') ??
      sidecarString(sc, 'ContrastBolusIngredient'),
    ImageType: imageType.map((v) => v.toUpperCase()),
  };
}
