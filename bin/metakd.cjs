#!/usr/bin/env node
// `metakd` command-line entry. Runs the built CLI (out/main/metakd.cjs) when out/ is current; in a
// checkout whose out/ is missing or older than the sources it runs the TypeScript through tsx
// instead and says so on stderr (METAKD_FROM_SOURCE=1 forces that). An installed app has no
// sources, so it always runs the build.
//
// CommonJS on purpose, as is the build it loads: a command that starts through Node's ES module
// loader pays for that loader on every run (about 10 ms of a `metakd inspect`, and an ES module
// launcher importing the CommonJS build about 25 ms more; bench/results/startup.md, issue 13).
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { MAIN_INPUTS, ROOT, buildState } = require('./buildState.cjs');

// The built CLI turns on its own compile cache (src-main/cli/codeCache.ts), in its own folder.
const built = path.join(ROOT, 'out', 'main', 'metakd.cjs');
const sources = path.join(ROOT, 'src-main', 'cli', 'main.ts');
const state = buildState(ROOT, MAIN_INPUTS);

const forceSource = process.env.METAKD_FROM_SOURCE === '1' && existsSync(sources);

if (existsSync(built) && !forceSource && (state === 'current' || !existsSync(sources))) {
  require(built); // runs the CLI
} else if (existsSync(sources)) {
  process.stderr.write(
    forceSource
      ? 'metakd: running from source through tsx (METAKD_FROM_SOURCE=1).\n'
      : `metakd: running from source through tsx (out/ is ${state === 'stale' ? 'older than the sources' : 'not built'}; \`npm run build\` makes it start faster).\n`,
  );
  void (async () => {
    const { register } = await import('tsx/esm/api');
    register();
    const { main } = await import(pathToFileURL(sources).href);
    process.exitCode = await main(process.argv.slice(2));
  })();
} else {
  process.stderr.write('metakd: out/main/metakd.cjs is missing; run `npm run build` first.\n');
  process.exitCode = 1;
}
