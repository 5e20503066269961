/**
 * Issue 9, the front door: `npm start` on a fresh clone (no node_modules, no out/) installs the npm
 * packages, builds, and starts web mode (no Electron binary here) until the page answers; a second
 * `npm start` does no install or build work. npm may serve the packages from its cache
 * (--prefer-offline); where npm cannot install offline the test skips and says why.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { copyWorkingTree, removeLater, startApp, type AppProcess } from './appProcess.ts';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** npm ci from the cache plus a build on two shared cores. */
const FIRST_START_MS = 300_000;
const SECOND_START_MS = 30_000;
/** npm's words for "the package is not in the cache and the network is unreachable". */
const OFFLINE_NPM = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i;

describe('npm start on a fresh clone', () => {
  const dir = copyWorkingTree('metakd-fresh-');
  const env = {
    ...process.env,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    METAKD_HOME: path.join(dir, '.home'),
    // A test runner's NODE_OPTIONS / VITEST variables must not leak into the app.
    NODE_OPTIONS: '',
    VITEST: '',
  };
  let app: AppProcess | undefined;
  afterAll(async () => {
    await app?.stop();
    removeLater(dir);
  });

  it(
    'installs, builds and answers in web mode; a second start does no install work',
    async (ctx) => {
      app = startApp(NPM, ['start', '--', '--port', '0', '--no-open'], { cwd: dir, env });
      let url: string;
      try {
        url = await app.url(FIRST_START_MS);
      } catch (e) {
        if (
          /installing the npm packages failed/.test(app.output()) &&
          OFFLINE_NPM.test(app.output())
        ) {
          ctx.skip(`npm cannot install offline on this machine: ${app.output().slice(-400)}`);
        }
        throw e;
      }
      const first = app.output();
      expect(first).toMatch(/Installing npm packages \(npm ci/);
      expect(first).toMatch(/Building the app into out\//);
      expect(first).toMatch(/runs in web mode/);
      const page = await fetch(new URL('/', url));
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      expect(first).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace
      await app.stop();

      const t0 = performance.now();
      app = startApp(NPM, ['start', '--', '--port', '0', '--no-open'], { cwd: dir, env });
      const url2 = await app.url(SECOND_START_MS);
      expect((await fetch(new URL('/', url2))).status).toBe(200);
      const second = app.output();
      expect(second).not.toMatch(/Installing npm packages/);
      expect(second).not.toMatch(/Building the app/);
      console.log(`second npm start → page answers: ${Math.round(performance.now() - t0)} ms`);
    },
    FIRST_START_MS + SECOND_START_MS + 30_000,
  );
});
