/** The list of subcommands, in the order `metakd --help` shows them. */
import type { CliCommand } from '../command.ts';
import { versionCommand } from './version.ts';

export const commands: readonly CliCommand[] = [versionCommand];
