/**
 * What a project's background run keeps of the model's result on a case, beside the human-readable
 * labelmap.nii.gz + report.json: the exact grid (doubles, not NIfTI's floats, so sessions made from
 * it line up with the imported series) and the result, plus the labels as gzipped bytes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { writeFileAtomic, writeJsonAtomic } from '../../core/io/atomicWrite.ts';
import type { Geometry } from '../../core/volume/Geometry.ts';
import type { SegmentationResultDto } from '../contract/inference.ts';

/** The model's output on one case. */
export interface ModelOutput {
  readonly geometry: Geometry;
  readonly result: SegmentationResultDto;
  /** Labels 0/1/2/4 on `geometry`. */
  readonly labels: Uint8Array;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const MODEL_JSON = 'model.json';
const MODEL_LABELS = 'model-labels.u8.gz';

/** Reads a case's model output; undefined when the model has not run on it. */
export async function readModelOutput(dir: string): Promise<ModelOutput | undefined> {
  try {
    const out = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as Omit<
      ModelOutput,
      'labels'
    >;
    const labels = new Uint8Array(await gunzipAsync(await readFile(path.join(dir, MODEL_LABELS))));
    return { ...out, labels };
  } catch {
    return undefined;
  }
}

/** Writes a case's model output (labels first: model.json is what marks it complete). */
export async function writeModelOutput(dir: string, out: ModelOutput): Promise<void> {
  // zlib's thread pool, not the event loop: the viewer keeps answering during a background run.
  await writeFileAtomic(path.join(dir, MODEL_LABELS), await gzipAsync(out.labels, { level: 1 }));
  await writeJsonAtomic(path.join(dir, MODEL_JSON), { geometry: out.geometry, result: out.result });
}
