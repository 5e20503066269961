/** The list of subcommands, in the order `metakd --help` shows them. */
import type { CliCommand } from '../command.ts';
import { versionCommand } from './version.ts';
import { webCommand } from './web.ts';
import { inspectCommand } from './inspect.ts';
import { classifyNamesCommand } from './classifyNames.ts';
import { makeDicomCommand } from './makeDicom.ts';
import { exportCommand } from './export.ts';
import { sendCommand } from './send.ts';
import { segmentCommand } from './segment.ts';
import { cohortCommand } from './cohort.ts';
import { projectCommand } from './project.ts';

export const commands: readonly CliCommand[] = [
  versionCommand,
  webCommand,
  inspectCommand,
  segmentCommand,
  cohortCommand,
  projectCommand,
  classifyNamesCommand,
  makeDicomCommand,
  exportCommand,
  sendCommand,
];
