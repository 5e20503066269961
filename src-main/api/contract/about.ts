/**
 * The About view's data: the app version, the runtime, and the licences of the bundled models and
 * third-party libraries (issue 13: a packaged app says what it ships).
 */
import { z } from '../../core/zod.ts';
import { method } from './method.ts';

/** One third-party library the app ships. */
export interface LibraryLicenceDto {
  /** npm package name. */
  readonly name: string;
  readonly version: string;
  /** SPDX licence identifier. */
  readonly licence: string;
  /** Project home page. */
  readonly url: string;
  /** What the app uses it for. */
  readonly use: string;
}

/** One model folder the app ships (models/<name>/manifest.json). */
export interface ModelLicenceDto {
  readonly name: string;
  /** Manifest version, or null when the manifest has none. */
  readonly version: string | null;
  /** Licence of the weights (manifest `licence.name`), or the app's own when the manifest has none. */
  readonly licence: string;
  /** Copyright holder or source, when the manifest names one. */
  readonly source: string | null;
}

/** What `about` returns. */
export interface AboutDto {
  readonly appName: string;
  readonly appVersion: string;
  /** The app's own licence (package.json). */
  readonly appLicence: string;
  /** Node.js version of the service process (and Electron's, when it runs in Electron). */
  readonly node: string;
  readonly electron: string | null;
  readonly models: readonly ModelLicenceDto[];
  readonly libraries: readonly LibraryLicenceDto[];
}

/** Methods of the about part of the api. */
export const aboutMethods = {
  about: method<AboutDto>()(
    () => z.strictObject({}),
    'The app version and the licences of the bundled models and libraries (About view).',
  ),
} as const;
