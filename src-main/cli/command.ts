/**
 * What a CLI subcommand is. Each subcommand lives in commands/<name>.ts and is listed in
 * commands/index.ts.
 * Commands reach core only through the api service (STYLE.md §1).
 */
import type { ApiService } from '../api/service.ts';
import type { CliOutput } from './output.ts';

/** What the command writes to (output.ts; injectable for tests). */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
}

/** A subcommand as the command list (commands/index.ts) knows it. */
export interface CliCommandEntry {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Loads the command's module. */
  load(): Promise<CliCommand>;
}

/** One subcommand's module: its help and what it does. */
export interface CliCommand {
  /** Full `--help` text. */
  readonly help: string;
  /** Runs the command; returns the exit code. Throw ApiError/MetaKdError for failures. */
  run(args: readonly string[], ctx: { api: ApiService; io: CliIo }): Promise<number>;
}
