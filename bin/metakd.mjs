#!/usr/bin/env node
// `metakd` command-line entry. Runs the built CLI (out/main/metakd.js) when out/ is current; in a
// checkout whose out/ is missing or older than the sources it runs the TypeScript through tsx
// instead and says so on stderr (METAKD_FROM_SOURCE=1 forces that). An installed app has no
// sources, so it always runs the build.
import { existsSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAIN_INPUTS, ROOT, buildState } from './buildState.mjs';

// Node ≥ 22.1 keeps compiled code between runs (faster start); absent on Node 20, so optional.
module.enableCompileCache?.();

const built = path.join(ROOT, 'out', 'main', 'metakd.js');
const sources = path.join(ROOT, 'src-main', 'cli', 'main.ts');
const state = buildState(ROOT, MAIN_INPUTS);

const forceSource = process.env.METAKD_FROM_SOURCE === '1' && existsSync(sources);

if (existsSync(built) && !forceSource && (state === 'current' || !existsSync(sources))) {
  await import(pathToFileURL(built).href); // runs the CLI
} else if (existsSync(sources)) {
  process.stderr.write(
    forceSource
      ? 'metakd: running from source through tsx (METAKD_FROM_SOURCE=1).\n'
      : `metakd: running from source through tsx (out/ is ${state === 'stale' ? 'older than the sources' : 'not built'}; \`npm run build\` makes it start faster).\n`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(pathToFileURL(sources).href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  process.stderr.write('metakd: out/main/metakd.js is missing; run `npm run build` first.\n');
  process.exitCode = 1;
}
