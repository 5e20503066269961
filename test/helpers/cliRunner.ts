/**
 * Runs the `metakd` CLI for tests: in-process through `main` with captured output (fast, the
 * default), or as a real child process through bin/metakd.cjs (for exit-code and entry smoke tests).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src-main/cli/main.ts';
import type { ApiService } from '../../src-main/api/service.ts';
import { repoRoot } from './data.ts';

/** What a CLI run produced. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A writable stream that collects what is written to it. */
class Capture extends Writable {
  text = '';
  columns?: number;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `metakd <args>` in this process; `api` lets a test share a service between runs. */
export async function runCli(
  args: readonly string[],
  opts: { api?: ApiService; columns?: number } = {},
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  stdout.columns = opts.columns;
  const code = await main(args, { stdout, stderr }, opts.api);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs `node bin/metakd.cjs <args>` as a child process. */
export function runCliProcess(
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'metakd.cjs'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      timeout: opts.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
