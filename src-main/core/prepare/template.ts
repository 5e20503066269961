/**
 * The BraTS-space template (models/brats-template, built by its build.py from the shared BraTS
 * cases): a mean healthy-tissue T1ce on the SRI24 grid. Loaded once per process.
 */
import path from 'node:path';
import { ErrorCode, MetaKdError } from '../errors.ts';
import { readNifti } from '../io/nifti/index.ts';
import type { Volume } from '../volume/Volume.ts';
import { isBratsGrid } from './bratsSpace.ts';
import { defaultModelsDir } from './modelsDir.ts';

/** The template image's file name inside the template folder. */
export const TEMPLATE_FILE = 't1ce.nii.gz';

/** <repo>/models/brats-template, or $METAKD_MODELS/brats-template. */
export function defaultTemplateDir(): string {
  return path.join(defaultModelsDir(import.meta.url, 3), 'brats-template');
}

const cache = new Map<string, Promise<Volume>>();

/** Reads (once) the template image; it must be on the BraTS grid. */
export function loadTemplate(dir: string = defaultTemplateDir()): Promise<Volume> {
  const file = path.resolve(dir, TEMPLATE_FILE);
  let p = cache.get(file);
  if (!p) {
    p = readNifti(file).then((img) => {
      if (!isBratsGrid(img.geometry)) {
        throw new MetaKdError(ErrorCode.ModelInvalid, 'the template is not on the BraTS grid.', {
          file,
        });
      }
      return { geometry: img.geometry, data: Float32Array.from(img.frames[0]) };
    });
    p.catch(() => cache.delete(file));
    cache.set(file, p);
  }
  return p;
}
