#!/usr/bin/env node
// `npm start`: checks the Node version first, in syntax old Node versions still parse, so a
// too-old Node ends in one sentence instead of a SyntaxError; then runs bin/startApp.mjs
// (install when needed, build when needed, start Electron or web mode).
import { readFileSync } from 'node:fs';

var pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
var match = /(\d+)/.exec((pkg.engines && pkg.engines.node) || '');
var need = match ? Number(match[1]) : 0;
var have = Number(process.versions.node.split('.')[0]);
if (have < need) {
  process.stderr.write(
    'npm start: MetaKD Review needs Node.js ' +
      need +
      ' or newer and this is Node.js ' +
      process.versions.node +
      '; install Node.js ' +
      need +
      ' LTS (https://nodejs.org) and run ' +
      '`npm start` again.\n',
  );
  process.exit(1);
}
import('./startApp.mjs').then(function (m) {
  return m.start();
});
