/** `metakd version`: prints the app version (and checks the service answers). */
import type { CliCommand } from '../command.ts';

export const versionCommand: CliCommand = {
  help: 'usage: metakd version\n\nPrints the application version.',
  async run(_args, { api, io }) {
    const r = await api.invoke('ping', {});
    io.stdout.write(`metakd-review ${r.version}\n`);
    return 0;
  },
};
