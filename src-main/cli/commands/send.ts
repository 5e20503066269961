/**
 * `metakd send <file|folder>… --to <destination>`: queues DICOM files in the outbox and delivers
 * them (C-STORE or STOW-RS). `--test` tests a destination, `--list` lists destinations,
 * `--outbox` shows what waits, `--retry` retries the outbox now.
 */
import type { CliCommand } from '../command.ts';
import { ApiError } from '../../api/service.ts';
import { parseCliArgs } from './inspect.ts';

const USAGE =
  'usage: metakd send <file|folder>… --to <destination> | --test <destination> | --list | --outbox | --retry [ID]';

const HELP = `${USAGE}

Sends DICOM files (e.g. a SEG written by \`metakd export\`) to a configured PACS destination.
Everything is first queued in the outbox (<data dir>/outbox) and stays there until the PACS
confirms it; failed deliveries are retried with back-off, also after a restart.

Options:
  --to NAME       destination to send to
  --test NAME     test a destination (C-ECHO for DIMSE, a QIDO-RS query for DICOMweb)
  --list          list configured destinations
  --outbox        list exports waiting in the outbox
  --retry [ID]    retry the outbox now (one item, or all)

Destinations live in <data dir>/pacs-destinations.json (the app's settings edit it), e.g.
  {"version":1,"destinations":[
    {"kind":"dimse","name":"pacs","calledAeTitle":"ORTHANC","callingAeTitle":"METAKD","host":"10.0.0.5","port":4242,"timeoutMs":30000},
    {"kind":"dicomweb","name":"web","baseUrl":"https://pacs/dicom-web","auth":{"type":"bearer","token":"…"},"tls":{"rejectUnauthorized":true},"timeoutMs":30000}]}`;

export const sendCommand: CliCommand = {
  name: 'send',
  summary: 'Send DICOM files (e.g. a SEG) to a PACS through the outbox.',
  help: HELP,
  async run(args, { api, io }) {
    const { values, positionals } = parseCliArgs(
      args,
      {
        to: { type: 'string' },
        test: { type: 'string' },
        list: { type: 'boolean' },
        outbox: { type: 'boolean' },
        retry: { type: 'boolean' },
      },
      USAGE,
    );
    if (typeof values.test === 'string') {
      const r = await api.invoke('testDestination', { name: values.test });
      io.stdout.write(`${values.test}: OK (${r.ms.toFixed(0)} ms)\n`);
      return 0;
    }
    if (values.list) {
      for (const d of await api.invoke('listDestinations', {})) {
        const where =
          d.kind === 'dimse'
            ? `${d.calledAeTitle}@${d.host}:${d.port} (DIMSE)`
            : `${d.baseUrl} (DICOMweb)`;
        io.stdout.write(`${d.name}\t${where}\n`);
      }
      return 0;
    }
    if (values.outbox) {
      for (const i of await api.invoke('outboxStatus', {})) {
        const err = i.lastError ? ` — last error: ${i.lastError.message}` : '';
        io.stdout.write(
          `${i.id}\tto ${i.destination}\t${i.files.length} files\tattempts ${i.attempts}\tnext ${i.nextAttemptAt}${err}\n`,
        );
      }
      return 0;
    }
    if (values.retry) {
      const r = await api.invoke('outboxRetry', { id: positionals[0] });
      for (const id of r.delivered) io.stdout.write(`delivered ${id}\n`);
      for (const f of r.failed) io.stderr.write(`still queued ${f.id}: [${f.code}] ${f.message}\n`);
      return r.failed.length > 0 ? 5 : 0;
    }
    if (positionals.length === 0 || typeof values.to !== 'string') {
      throw new ApiError({
        code: 'INVALID_ARGUMENT',
        message: `give files or folders and --to <destination>.\n${USAGE}`,
      });
    }
    const r = await api.invoke(
      'send',
      { files: positionals, to: values.to },
      {
        emit: (ev) => {
          if (ev.type === 'job.progress' && io.stderr.isTTY)
            io.stderr.write(`\r${ev.done}/${ev.total} ${ev.message ?? ''}`);
        },
      },
    );
    if (r.delivered) {
      io.stdout.write(`sent ${r.instances} instance(s) to ${values.to}\n`);
      return 0;
    }
    io.stderr.write(
      `not delivered yet: [${r.error?.code}] ${r.error?.message}\nIt stays in the outbox (${r.outboxId}) and will be retried; see \`metakd send --outbox\`.\n`,
    );
    return 5;
  },
};
