/**
 * `metakd web [--port N] [--no-open]`: starts web mode (the api over HTTP on 127.0.0.1 with a
 * per-run token) and prints the URL. The server is another transport, which the CLI may not import
 * (STYLE.md §1), so this command launches it as its own process and passes signals through.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from '../command.ts';
import { childProcess } from '../childProcess.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * How to start the web-mode entry: from source, main.ts through the TypeScript runner; from a
 * build (this module is out/main/*.cjs), the bundled server.cjs beside it (vite.config.ts).
 */
const SERVER_ARGV = fileURLToPath(import.meta.url).endsWith('.ts')
  ? [path.join(repoRoot, 'bin', 'run-ts.mjs'), path.join(repoRoot, 'src-main', 'server', 'main.ts')]
  : [path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.cjs')];

export const webCommand: CliCommand = {
  help: [
    'usage: metakd web [--port N] [--no-open]',
    '',
    'Starts the review app as a local web server bound to 127.0.0.1 with a random token for',
    'this run, prints the URL (token included) and opens it in the default browser.',
    '',
    'Options:',
    '  --port N    listen on port N (default: a free port)',
    '  --no-open   do not open a browser',
    '',
    'Environment: METAKD_MODELS (models folder), METAKD_HOME (sessions and settings).',
    'Stop with Ctrl-C.',
  ].join('\n'),
  async run(args) {
    const { spawn } = childProcess();
    const child = spawn(process.execPath, [...SERVER_ARGV, ...args], { stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
      });
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  },
};
