/**
 * NIfTI file → Series[]: one series per 3-D frame, named so the sequence classifier can read them.
 *
 * Naming: SeriesDescription is the sidecar's SeriesDescription when a JSON sidecar has one, else
 * the file name without extension (BraTS `_flair`, dcm2niix `<SeriesDescription>_…` names carry the
 * sequence there). A 4-D file whose channels are known gets one series per channel named
 * "<name> [<channel>]": channel names come from a Medical Segmentation Decathlon / nnU-Net
 * `dataset.json` above an `imagesTr`/`imagesTs` folder, or — for a 4-frame file named like
 * `BRATS_123` — the MSD Task01_BrainTumour order FLAIR, T1w, T1gd, T2w. Any other 4-D file gives
 * "<name> [frame n]" (n from 1). Series ids are derived from the absolute path, so they are stable.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Series } from '../../study/types.ts';
import { readNifti } from './readNifti.ts';
import { niftiBaseName, readSidecar, sidecarFields } from './sidecar.ts';

/** Channel order of the MSD Task01_BrainTumour images (its dataset.json "modality" map). */
export const MSD_BRAIN_TUMOUR_CHANNELS = ['FLAIR', 'T1w', 'T1gd', 'T2w'] as const;

/** MSD brain-tumour case names: BRATS_001.nii.gz … */
const MSD_BRATS_NAME = /BRATS_\d+/i;
/** Folders that hold MSD / nnU-Net images next to a dataset.json one level up. */
const MSD_IMAGE_FOLDERS = new Set(['imagestr', 'imagests']);
/** Hex digits of the path hash kept in a series id. */
const ID_HASH_LENGTH = 16;

/** Stable series id for a NIfTI file (and channel), derived from its absolute path. */
export function niftiSeriesId(file: string, channel?: number): string {
  const hash = createHash('sha256').update(path.resolve(file)).digest('hex');
  const base = `nifti-${hash.slice(0, ID_HASH_LENGTH)}`;
  return channel === undefined ? base : `${base}-c${channel}`;
}

/**
 * Channel names from `../dataset.json` (MSD "modality" or nnU-Net v2 "channel_names") when the
 * file sits in imagesTr/imagesTs and the map has exactly `frames` entries.
 */
async function datasetJsonChannels(file: string, frames: number): Promise<string[] | undefined> {
  const folder = path.dirname(path.resolve(file));
  if (!MSD_IMAGE_FOLDERS.has(path.basename(folder).toLowerCase())) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path.join(path.dirname(folder), 'dataset.json'), 'utf8'));
  } catch {
    return undefined; // no dataset.json (or unreadable): fall back to the name rules
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const rec = parsed as Record<string, unknown>;
  const map = (rec.modality ?? rec.channel_names) as Record<string, unknown> | undefined;
  if (!map || typeof map !== 'object') return undefined;
  const names = Array.from({ length: frames }, (_, i) => map[String(i)]);
  return names.every((n): n is string => typeof n === 'string' && n.trim() !== '')
    ? names.map((n) => n.trim())
    : undefined;
}

/** Channel labels for a multi-frame file, or undefined for "frame n" naming. */
async function channelNames(file: string, frames: number): Promise<string[] | undefined> {
  if (frames < 2) return undefined;
  const fromJson = await datasetJsonChannels(file, frames);
  if (fromJson) return fromJson;
  if (frames === MSD_BRAIN_TUMOUR_CHANNELS.length && MSD_BRATS_NAME.test(path.basename(file))) {
    return [...MSD_BRAIN_TUMOUR_CHANNELS];
  }
  return undefined;
}

/**
 * Loads a NIfTI file as series: one per frame, with sidecar facts.
 * @param file path of a `.nii` / `.nii.gz`
 * @throws MetaKdError NotFound, NiftiInvalid or NiftiTruncated
 */
export async function loadNiftiSeries(file: string): Promise<Series[]> {
  const abs = path.resolve(file);
  const warnings: string[] = [];
  const [image, sidecar] = await Promise.all([readNifti(abs), readSidecar(abs, warnings)]);
  warnings.push(...image.warnings);
  const fields = sidecar ? sidecarFields(sidecar.content) : {};
  const name = fields.SeriesDescription ?? niftiBaseName(abs);
  const files = sidecar ? [abs, sidecar.file] : [abs];
  const common = {
    source: 'nifti' as const,
    files,
    Modality: 'MR',
    ...fields,
    ...(sidecar ? { sidecar: sidecar.content } : {}),
    warnings,
  };
  if (image.frames.length === 1) {
    return [
      {
        ...common,
        id: niftiSeriesId(abs),
        SeriesDescription: name,
        volume: { geometry: image.geometry, data: image.frames[0] },
      },
    ];
  }
  const channels = await channelNames(abs, image.frames.length);
  return image.frames.map((data, c) => ({
    ...common,
    id: niftiSeriesId(abs, c),
    SeriesDescription: `${name} [${channels ? channels[c] : `frame ${c + 1}`}]`,
    channelIndex: c,
    volume: { geometry: image.geometry, data },
  }));
}
