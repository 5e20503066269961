/**
 * Where the preparation stage's model folders (models/mindgrab, models/brats-template) live when
 * the caller names none: $METAKD_MODELS, else <app root>/models. The app root is found from the
 * calling module's own URL, whose depth differs by layout: from source a module sits in
 * src-main/core/prepare[/…], from the build every module is bundled into out/main/ (two levels
 * below the root, vite.config.ts), and in the packaged app the models are unpacked beside the asar
 * (electron-builder.yml asarUnpack: native code cannot read inside it). Pure path arithmetic.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The models folder for a module at `moduleUrl` that sits `sourceDepth` folders below the root
 * when run from source (e.g. 3 for src-main/core/prepare/x.ts).
 */
export function defaultModelsDir(moduleUrl: string, sourceDepth: number): string {
  if (process.env.METAKD_MODELS) return process.env.METAKD_MODELS;
  const file = fileURLToPath(moduleUrl);
  const depth = file.endsWith('.ts') ? sourceDepth : 2;
  const up = Array.from({ length: depth }, () => '..');
  const root = path.resolve(path.dirname(file), ...up);
  const unpacked = path.basename(root) === 'app.asar' ? `${root}.unpacked` : root;
  return path.join(unpacked, 'models');
}
