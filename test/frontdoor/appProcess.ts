/**
 * Helpers for tests that run the app as a user would, outside the checkout: copy the working tree
 * (what a clone holds) into an empty folder, start a command in its own process group, wait for the
 * web-mode URL, and stop the whole group.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root. */
export const REPO = path.resolve(import.meta.dirname, '..', '..');

/**
 * Copies the files a clone of the working tree would hold (tracked plus untracked-but-not-ignored:
 * `git ls-files -co --exclude-standard`) into a new temporary folder; returns it. Copying files
 * rather than `git clone` includes uncommitted work, so the test means the same locally and on CI.
 */
export function copyWorkingTree(prefix: string): string {
  const r = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const rel of r.stdout.split('\0').filter(Boolean)) {
    const to = path.join(dir, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    try {
      cpSync(path.join(REPO, rel), to, { preserveTimestamps: true });
    } catch (e) {
      // A file deleted but not yet committed is still listed by git; a clone would not have it.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return dir;
}

/** A started app process with everything it printed so far. */
export interface AppProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the printed `Open: http://127.0.0.1:PORT/#token=…` URL. */
  url(timeoutMs: number): Promise<string>;
  /** Stops the process group (SIGTERM, then SIGKILL after 5 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `cmd args` in `cwd` as the leader of a new process group. */
export function startApp(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): AppProcess {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const kill = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  return {
    child,
    output: () => out,
    async url(timeoutMs) {
      const t0 = Date.now();
      for (;;) {
        const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
        if (m) return m[1];
        if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}):\n${out}`);
        if (Date.now() - t0 > timeoutMs) throw new Error(`no URL after ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Deletes `dir` in a detached `rm -rf` that outlives the test: a fresh clone's node_modules is
 * over 1 GB, which takes minutes to delete on a busy disk and would only lengthen CI.
 */
export function removeLater(dir: string): void {
  spawn('rm', ['-rf', '--', dir], { detached: true, stdio: 'ignore' }).unref();
}
