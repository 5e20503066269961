/**
 * `metakd` entry: dispatches to subcommands, prints errors as one readable line and maps error
 * codes to exit codes (2 usage, 3 input, 4 model/provider, 5 PACS, 130 cancelled, 1 other).
 */
import {
  createApiService,
  defaultServiceOptions,
  toApiErrorDto,
  type ApiService,
} from '../api/service.ts';
import type { CliCommandEntry, CliIo } from './command.ts';
import { commands } from './commands/index.ts';
import { processOutputs } from './output.ts';

const EXIT_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 2,
  NOT_FOUND: 3,
  EMPTY_FOLDER: 3,
  NO_IMAGES: 3,
  NIFTI_INVALID: 3,
  NIFTI_TRUNCATED: 3,
  DICOM_INVALID: 3,
  DICOM_UNSUPPORTED_TRANSFER_SYNTAX: 3,
  GEOMETRY_MISMATCH: 3,
  EXPORT_INVALID: 3,
  SEG_UNSUPPORTED: 3,
  SESSION_INVALID: 3,
  NO_USABLE_SEQUENCE: 3,
  MODEL_INVALID: 4,
  MODEL_CHECKSUM: 4,
  PROVIDER_FAILED: 4,
  PACS_REFUSED: 5,
  PACS_UNREACHABLE: 5,
  PACS_HTTP: 5,
  PACS_TIMEOUT: 5,
  SCHEDULER_FAILED: 6,
  PROJECT_INVALID: 3,
  SESSION_STALE: 3,
  SESSION_CONFLICT: 3,
  CANCELLED: 130,
};

function usage(list: readonly CliCommandEntry[]): string {
  const w = Math.max(...list.map((c) => c.name.length));
  return [
    'usage: metakd <command> [options]',
    '',
    'Commands:',
    ...list.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Run `metakd <command> --help` for a command’s options.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo = processOutputs(),
  api?: ApiService,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage(commands) + '\n');
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`metakd: unknown command "${name}"\n\n${usage(commands)}\n`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.help.trimEnd() + '\n');
    return 0;
  }
  // A one-shot process: no outbox retry loop, and background work shut down when the command
  // ends, so the process exits then (issue 12: a send to a hung PACS kept it alive 652 s).
  // Nor a walk of the whole data folder for orphaned temp files (each written folder is swept).
  const own = api
    ? undefined
    : createApiService({ ...defaultServiceOptions(), outboxLoop: false, sweepDataFolder: false });
  try {
    return await cmd.run(rest, { api: api ?? (own as ApiService), io });
  } catch (e) {
    const dto = toApiErrorDto(e);
    io.stderr.write(`metakd ${name}: error [${dto.code}]: ${dto.message}\n`);
    return EXIT_BY_CODE[dto.code] ?? 1;
  } finally {
    await own?.close?.();
  }
}
