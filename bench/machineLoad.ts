/**
 * What the benches say about the machine's load: measured (the load averages at the start and the
 * end of the run), never asserted. Above about one runnable task per logical core, wall times
 * include waiting for a core and are upper bounds.
 */
import os from 'node:os';

const fmt = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(' / ');

/** Load averages when the bench module was loaded. */
const atStart = os.loadavg();

/** One sentence: load averages (1, 5, 15 min) at start and now, and what they mean here. */
export function loadNote(): string {
  const now = os.loadavg();
  const cores = os.cpus().length;
  const busy = Math.max(atStart[0] ?? 0, now[0] ?? 0) > cores + 0.5;
  return (
    `load average ${fmt(atStart)} at the start, ${fmt(now)} at the end (${cores} logical cores): ` +
    (busy
      ? 'other work shared the cores, so wall times are upper bounds'
      : 'no other heavy work was running')
  );
}
