/**
 * `about`: the app version, the runtime, and the licences of what the app ships — the libraries
 * listed in assets/licences.json (bundled into the build; a unit test keeps it in step with
 * node_modules) and every model folder under the models directory (its manifest's licence).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import licences from '../../../assets/licences.json' with { type: 'json' };
import type { AboutDto, ModelLicenceDto } from '../contract/about.ts';
import type { ServiceOptions, ServiceParts } from './types.ts';

/** The parts of a model manifest the About view shows. */
interface ManifestLicenceFields {
  readonly name?: string;
  readonly version?: string;
  readonly licence?: { readonly name?: string; readonly holder?: string };
  readonly source?: { readonly url?: string };
}

/** Licence facts of each model folder that has a manifest.json, sorted by folder name. */
async function modelLicences(modelsDir: string): Promise<ModelLicenceDto[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const out: ModelLicenceDto[] = [];
  for (const e of entries
    .filter((d) => d.isDirectory())
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const text = await readFile(path.join(modelsDir, e.name, 'manifest.json'), 'utf8').catch(
      () => null,
    );
    if (!text) continue;
    let m: ManifestLicenceFields;
    try {
      m = JSON.parse(text) as ManifestLicenceFields;
    } catch {
      continue; // a broken manifest is reported where the model is loaded, not here
    }
    out.push({
      name: m.name ?? e.name,
      version: m.version ?? null,
      // Models without their own licence entry were trained by this project: the app's licence.
      licence: m.licence?.name ?? `${licences.app.licence} (this project)`,
      source: m.licence?.holder ?? m.source?.url ?? null,
    });
  }
  return out;
}

/** The about part of the service. */
export function createAboutService(options: ServiceOptions): ServiceParts<'about'> {
  return {
    async about(): Promise<AboutDto> {
      return {
        appName: licences.app.name,
        appVersion: options.appVersion,
        appLicence: licences.app.licence,
        node: process.versions.node,
        electron: process.versions.electron ?? null,
        models: await modelLicences(options.modelsDir),
        libraries: licences.libraries,
      };
    },
  };
}
