/**
 * The list of subcommands, in the order `metakd --help` shows them. A command's module is loaded
 * only when it runs: loading every command's code cost `metakd inspect` about 4 ms of its start
 * and `metakd version` about 2 ms (whole-process A/B, issue 13), and a command needs only its own.
 */
import type { CliCommandEntry } from '../command.ts';

export const commands: readonly CliCommandEntry[] = [
  {
    name: 'version',
    summary: 'Print the MetaKD Review version.',
    load: () => import('./version.ts').then((m) => m.versionCommand),
  },
  {
    name: 'web',
    summary: 'Start the review app in web mode (127.0.0.1, per-run token) and print its URL.',
    load: () => import('./web.ts').then((m) => m.webCommand),
  },
  {
    name: 'inspect',
    summary: 'Import a study and show its series, detected sequences and what is missing.',
    load: () => import('./inspect.ts').then((m) => m.inspectCommand),
  },
  {
    name: 'segment',
    summary: 'Segment a study (or a folder of cases): labelmap NIfTI + report.json.',
    load: () => import('./segment.ts').then((m) => m.segmentCommand),
  },
  {
    name: 'cohort',
    summary: 'Run a cohort folder on a Slurm cluster (array job): submit, status, collect.',
    load: () => import('./cohort.ts').then((m) => m.cohortCommand),
  },
  {
    name: 'project',
    summary: 'Annotation projects: create, worklist, run the model, agreement, consensus, export.',
    load: () => import('./project.ts').then((m) => m.projectCommand),
  },
  {
    name: 'classify-names',
    summary: 'Classify series names from a TSV (check protocol names before deployment).',
    load: () => import('./classifyNames.ts').then((m) => m.classifyNamesCommand),
  },
  {
    name: 'make-dicom',
    summary: 'Write a BraTS NIfTI case as a four-series MR DICOM study (for tests and demos).',
    load: () => import('./makeDicom.ts').then((m) => m.makeDicomCommand),
  },
  {
    name: 'export',
    summary:
      'Export a segmentation (the model’s, a review session or a labelmap file) as DICOM SEG or NIfTI.',
    load: () => import('./export.ts').then((m) => m.exportCommand),
  },
  {
    name: 'send',
    summary: 'Send DICOM files (e.g. a SEG) to a PACS through the outbox.',
    load: () => import('./send.ts').then((m) => m.sendCommand),
  },
];
