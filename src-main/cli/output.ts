/**
 * Where the CLI writes: stdout and stderr as small synchronous writers. A file, pipe or socket is
 * written with `fs.writeSync`; a terminal (or /dev/null) goes through `process.stdout`/`stderr`,
 * which know its width.
 *
 * Why not always `process.stdout`: on a pipe — how a script or a benchmark runs `metakd` — its
 * first use loads `net` and Node's streams, about 3 ms of every command's start (whole-process
 * A/B of `metakd inspect`, issue 13), and a reader that goes away early (`metakd … | head`) makes it
 * throw EPIPE from an 'error' event. Here every line is on its way before `write` returns, so
 * nothing is lost when the command ends, and a closed pipe only ends the output.
 */
import { fstatSync, writeSync } from 'node:fs';

/** What a command writes to: text, and what the terminal is (when it is one). */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** How long to wait before writing again to a full non-blocking pipe. */
const RETRY_MS = 1;
let retryCell: Int32Array | undefined;

function pause(ms: number): void {
  retryCell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(retryCell, 0, 0, ms);
}

/** Writes all of `bytes` to `fd`; false when the reader has gone (EPIPE). */
function writeAll(fd: number, bytes: Buffer): boolean {
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN')
        pause(RETRY_MS); // a pipe some other process made non-blocking
      else if (code === 'EPIPE') return false;
      else throw e;
    }
  }
  return true;
}

/**
 * A writer for `fd` (1 or 2). `stream` gives the process stream, only touched when `fd` is a
 * terminal or another character device.
 */
export function fdOutput(fd: number, stream: () => NodeJS.WriteStream): CliOutput {
  let direct: boolean | undefined;
  let closed = false;
  const isDirect = (): boolean => {
    if (direct === undefined) {
      try {
        direct = !fstatSync(fd).isCharacterDevice();
      } catch {
        direct = false; // no such descriptor: let Node's stream decide what that means
      }
    }
    return direct;
  };
  return {
    write(text: string): boolean {
      if (!isDirect()) return stream().write(text);
      if (!closed && !writeAll(fd, Buffer.from(text))) closed = true;
      return true;
    },
    get isTTY(): boolean {
      return isDirect() ? false : stream().isTTY === true;
    },
    get columns(): number | undefined {
      return isDirect() ? undefined : stream().columns;
    },
  };
}

/** The CLI's stdout and stderr. */
export function processOutputs(): { stdout: CliOutput; stderr: CliOutput } {
  return {
    stdout: fdOutput(1, () => process.stdout),
    stderr: fdOutput(2, () => process.stderr),
  };
}
