/**
 * Test helper: the set-up every end-to-end test shares, and its teardown. `useE2eModel` chooses
 * the model the app runs (METAKD_MODEL) and gives back the previous value; `openWebApp` starts the
 * app in web mode (api service on a given data folder, web server over the built renderer,
 * headless Chromium, one page at the app with its uncaught errors collected) and closes all of it.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../../src-main/api/service.ts';
import { startWebServer, type WebServer } from '../../../src-main/server/webServer.ts';
import { ensureRendererBuilt } from '../../../src-main/server/rendererBuild.ts';
import { repoRoot } from '../../helpers/data.ts';
import { tinyModelDir } from '../../fixtures/tinyModel.ts';
import { launchChromium } from './browser.ts';

/** The shipped model's folder (present when the release weights are checked out). */
export const SHIPPED_MODEL = path.join(repoRoot, 'models', 'metakd-brats');

/** Where web mode serves the renderer from. */
const RENDERER_OUT = path.join(repoRoot, 'out', 'renderer');

/**
 * Which model a test runs: `shipped` always the shipped one (the test needs real masks),
 * `shipped-or-tiny` the shipped one when present else the tiny random-weight test model, `tiny`
 * always the tiny one (the test is about something other than the masks).
 */
export type E2eModelChoice = 'shipped' | 'shipped-or-tiny' | 'tiny';

/** The model a test runs, set as METAKD_MODEL until `restore`. */
export interface E2eModel {
  /** The model folder (holds manifest.json). */
  readonly dir: string;
  /** True when it is the shipped model (real masks). */
  readonly shipped: boolean;
  /** Puts METAKD_MODEL back as it was before `useE2eModel`. */
  restore(): void;
}

/** Sets METAKD_MODEL to the chosen model; call `restore()` in afterAll. */
export function useE2eModel(choice: E2eModelChoice): E2eModel {
  const saved = process.env.METAKD_MODEL;
  const shipped =
    choice === 'shipped' ||
    (choice === 'shipped-or-tiny' && existsSync(path.join(SHIPPED_MODEL, 'manifest.json')));
  const dir = shipped ? SHIPPED_MODEL : tinyModelDir();
  process.env.METAKD_MODEL = dir;
  return {
    dir,
    shipped,
    restore() {
      if (saved === undefined) delete process.env.METAKD_MODEL;
      else process.env.METAKD_MODEL = saved;
    },
  };
}

let rendererBuilt: Promise<void> | undefined;

/**
 * Builds the renderer when it is missing or older than its sources, once per test process. A test
 * may start it early, next to its other slow set-up; `openWebApp` awaits the same build.
 */
export function buildRenderer(): Promise<void> {
  rendererBuilt ??= ensureRendererBuilt({ root: repoRoot, outDir: RENDERER_OUT }, () => {});
  return rendererBuilt;
}

/** What `openWebApp` starts. */
export interface WebAppOptions {
  /** The service's data folder (sessions, settings, projects). */
  readonly dataDir: string;
  /** The page's viewport in CSS pixels. */
  readonly viewport: { readonly width: number; readonly height: number };
  /** Runs once the service exists, before the server starts and the page loads (seed data). */
  readonly beforeOpen?: (api: ApiService) => Promise<void>;
}

/** The app in web mode, as a test drives it. */
export interface WebApp {
  /** The api service behind the server (for checking what the UI stored). */
  readonly api: ApiService;
  /** The web server (its `appUrl` reloads the app). */
  readonly server: WebServer;
  /** Headless Chromium. */
  readonly browser: Browser;
  /** The page showing the app. */
  readonly page: Page;
  /** Messages of uncaught errors in the page, in order. */
  readonly pageErrors: string[];
  /** Closes the browser, the server and the service (what was started; safe to call twice). */
  close(): Promise<void>;
}

/** Starts the service, the web server and Chromium, and loads the app in a page. */
export async function openWebApp(options: WebAppOptions): Promise<WebApp> {
  await buildRenderer();
  // Closed in reverse order of starting; a failed start closes what it had started.
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (let c = closers.pop(); c; c = closers.pop()) await c();
  };
  try {
    const api = createApiService({ ...defaultServiceOptions(), dataDir: options.dataDir });
    closers.push(async () => api.close?.());
    await options.beforeOpen?.(api);
    const server = await startWebServer({ api, staticDir: RENDERER_OUT });
    closers.push(() => server.close());
    const browser = await launchChromium();
    closers.push(() => browser.close());
    const page = await browser.newPage({ viewport: options.viewport });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.appUrl);
    return { api, server, browser, page, pageErrors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
