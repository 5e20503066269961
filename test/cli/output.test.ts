/**
 * The CLI's stdout/stderr writers (src-main/cli/output.ts): files, pipes and sockets are written
 * synchronously and completely, a full non-blocking pipe is waited for, a reader that goes away
 * ends the output without an error, and a terminal or character device goes through the process
 * stream. Pipes are real (child processes), not stand-ins.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fdOutput } from '../../src-main/cli/output.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNNER = [
  path.join(repoRoot, 'bin', 'run-ts.mjs'),
  path.join(repoRoot, 'test', 'helpers', 'outputRunner.ts'),
];
const LINE_BYTES = 100;

/** The line the runner writes as number i. */
const line = (i: number) => `${String(i).padStart(9, '0')} ${'x'.repeat(89)}\n`;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'metakd-output-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in process stream that records what reached it. */
function recordingStream(props: { isTTY?: boolean; columns?: number } = {}) {
  const written: string[] = [];
  const stream = {
    ...props,
    write: (s: string) => written.push(s) > 0,
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('fdOutput', () => {
  it('writes a file synchronously, without touching the process stream', () => {
    const file = path.join(tmp, 'out.txt');
    const fd = openSync(file, 'w');
    try {
      const out = fdOutput(fd, () => {
        throw new Error('the process stream was used for a file');
      });
      out.write('first line\n');
      out.write('Present: FLAIR, T1ce — Missing: T1, T2\n');
      // Already on disk before the descriptor is closed: nothing is buffered.
      expect(readFileSync(file, 'utf8')).toBe(
        'first line\nPresent: FLAIR, T1ce — Missing: T1, T2\n',
      );
      expect(out.isTTY).toBe(false);
      expect(out.columns).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });

  it('leaves a character device to the process stream, with its width', () => {
    const fd = openSync('/dev/null', 'w');
    try {
      const { stream, written } = recordingStream({ isTTY: true, columns: 132 });
      const out = fdOutput(fd, () => stream);
      out.write('to the terminal\n');
      expect(written).toEqual(['to the terminal\n']);
      expect(out.isTTY).toBe(true);
      expect(out.columns).toBe(132);
    } finally {
      closeSync(fd);
    }
  });
});

describe('the CLI writers on real pipes', () => {
  it('delivers every byte through a full non-blocking pipe (EAGAIN is waited out)', async () => {
    const lines = 40_000; // 4 MB: many times what a pipe holds
    const child = spawn(process.execPath, [...RUNNER, String(lines), '--nonblocking'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read nothing for a while, so the child meets a full pipe, then read it all.
    child.stdout.pause();
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    await new Promise((r) => setTimeout(r, 500));
    child.stdout.resume();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toBe(`done ${lines}\n`);
    expect(code).toBe(0);
    const text = Buffer.concat(chunks).toString();
    expect(text.length).toBe(lines * LINE_BYTES);
    expect(text.slice(0, LINE_BYTES)).toBe(line(0));
    expect(text.slice(-LINE_BYTES)).toBe(line(lines - 1));
  }, 20_000);

  it('ends the output quietly when the reader goes away (EPIPE)', async () => {
    const lines = 200_000; // 20 MB: the reader is gone long before the end
    const child = spawn(process.execPath, [...RUNNER, String(lines)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toBe(`done ${lines}\n`);
    expect(code).toBe(0);
  }, 60_000);

  it('`metakd --help | true` exits 0 without an EPIPE stack trace', () => {
    const metakd = `"${process.execPath}" "${path.join(repoRoot, 'bin', 'metakd.cjs')}"`;
    const r = spawnSync(
      'bash',
      ['-c', `${metakd} --help | true; echo "status=\${PIPESTATUS[0]}"`],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.stdout.trim()).toBe('status=0');
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  }, 60_000);
});
