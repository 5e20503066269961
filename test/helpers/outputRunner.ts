/**
 * Child process for test/cli/output.test.ts: writes `<lines>` numbered lines of 100 bytes through
 * the CLI's stdout writer (src-main/cli/output.ts), then `done <lines>` on stderr.
 * With `--nonblocking`, `process.stdout` is touched first: on a pipe or socket libuv then puts the
 * descriptor in non-blocking mode, so a full pipe answers EAGAIN.
 * Usage: node bin/run-ts.mjs test/helpers/outputRunner.ts <lines> [--nonblocking]
 */
import { writeSync } from 'node:fs';
import { processOutputs } from '../../src-main/cli/output.ts';

const lines = Number(process.argv[2]);
if (process.argv.includes('--nonblocking')) void process.stdout.writableLength;
const { stdout } = processOutputs();
for (let i = 0; i < lines; i++) stdout.write(`${String(i).padStart(9, '0')} ${'x'.repeat(89)}\n`);
writeSync(2, `done ${lines}\n`);
