#!/usr/bin/env node
// `metakd` command-line entry: runs the TypeScript CLI through tsx so the checkout needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
