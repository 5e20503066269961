/**
 * What a CLI subcommand is. Each subcommand lives in commands/<name>.ts and is listed in main.ts.
 * Commands reach core only through the api service (STYLE.md §1).
 */
import type { ApiService } from '../api/service.ts';
import type { CliOutput } from './output.ts';

/** What the command writes to (output.ts; injectable for tests). */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
}

/** One subcommand. */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly help: string;
  /** Runs the command; returns the exit code. Throw ApiError/MetaKdError for failures. */
  run(args: readonly string[], ctx: { api: ApiService; io: CliIo }): Promise<number>;
}
