/**
 * `metakd send <file|folder>… --to <destination>`: queues DICOM files in the outbox and delivers
 * them (C-STORE or STOW-RS). `--test` tests a destination, `--list` lists destinations,
 * `--outbox` shows what waits, `--retry` retries the outbox now.
 */
import type { CliCommand } from '../command.ts';
import { ApiError } from '../../api/service.ts';
import { parseCliArgs } from './inspect.ts';

const USAGE =
  'usage: metakd send <file|folder>… --to <destination> | --test <destination> | --list | --outbox | --retry [ID] | --remove ID';

/**
 * Overall deadline of a one-shot send, seconds. Each network step is bounded by the destination's
 * timeout already; this bounds the whole (a PACS that answers just often enough to never time out).
 */
const DEFAULT_DEADLINE_S = 600;

const HELP = `${USAGE}

Sends DICOM files (e.g. a SEG written by \`metakd export\`) to a configured PACS destination.
Everything is first queued in the outbox (<data dir>/outbox) and stays there until the PACS
confirms it; failed deliveries are retried with back-off, also after a restart.

Options:
  --to NAME       destination to send to
  --test NAME     test a destination (C-ECHO for DIMSE, a QIDO-RS query for DICOMweb)
  --list          list configured destinations
  --outbox        list the outbox: pending, failed (with the last error) and recently delivered
  --retry [ID]    retry the outbox now (one item, or all)
  --remove ID     remove an export from the outbox (it is then never sent)
  --deadline S    give up a send after S seconds overall (default ${DEFAULT_DEADLINE_S}); what the
                  PACS did not confirm by then stays in the outbox

Destinations live in <data dir>/pacs-destinations.json (the app's settings edit it), e.g.
  {"version":1,"destinations":[
    {"kind":"dimse","name":"pacs","calledAeTitle":"ORTHANC","callingAeTitle":"METAKD","host":"10.0.0.5","port":4242,"timeoutMs":30000},
    {"kind":"dicomweb","name":"web","baseUrl":"https://pacs/dicom-web","auth":{"type":"bearer","token":"…"},"tls":{"rejectUnauthorized":true},"timeoutMs":30000}]}`;

export const sendCommand: CliCommand = {
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
        remove: { type: 'string' },
        deadline: { type: 'string' },
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
      for (const i of await api.invoke('listOutbox', {})) {
        const err = i.lastError ? ` — last error: ${i.lastError.message}` : '';
        const when =
          i.state === 'delivered' ? `delivered ${i.deliveredAt}` : `next ${i.nextAttemptAt}`;
        io.stdout.write(
          `${i.id}\t${i.state}\tto ${i.destination}\t${i.confirmed}/${i.instances} instances\tattempts ${i.attempts}\t${when}${err}\n`,
        );
      }
      return 0;
    }
    if (typeof values.remove === 'string') {
      const r = await api.invoke('outboxRemove', { id: values.remove });
      if (!r.removed) {
        io.stderr.write(`no outbox item ${values.remove}\n`);
        return 3; // as NOT_FOUND (cli/main.ts)
      }
      io.stdout.write(`removed ${values.remove}\n`);
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
    const deadlineS = values.deadline === undefined ? DEFAULT_DEADLINE_S : Number(values.deadline);
    if (!(deadlineS > 0)) {
      throw new ApiError({
        code: 'INVALID_ARGUMENT',
        message: `--deadline needs a number of seconds > 0, got "${values.deadline}".`,
      });
    }
    const r = await api.invoke(
      'send',
      { files: positionals, to: values.to },
      {
        signal: AbortSignal.timeout(deadlineS * 1000),
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
