#!/usr/bin/env node
// Paired whole-process timing of shell commands, for A/B checks on hosts whose speed drifts:
//   node bench/paired.mjs RUNS 'command A' 'command B' …
// Each round runs every command once (the order reversed every other round); prints each command's
// median wall time and the median of its round-by-round difference and ratio to command A, which
// cancel most of the drift that separate medians keep. Used for the A/B notes in
// bench/results/startup.md.
import { spawnSync } from 'node:child_process';

const [runsArg, ...commands] = process.argv.slice(2);
const runs = Number(runsArg);
if (!Number.isInteger(runs) || runs < 1 || commands.length === 0) {
  process.stderr.write("usage: node bench/paired.mjs RUNS 'command A' ['command B' …]\n");
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const times = commands.map(() => []);
for (let r = 0; r < runs; r++) {
  const order = [...commands.keys()];
  if (r % 2) order.reverse();
  for (const j of order) {
    const t = process.hrtime.bigint();
    const res = spawnSync('/bin/sh', ['-c', commands[j]], { stdio: 'ignore' });
    times[j].push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.status !== 0) {
      process.stderr.write(`failed (exit ${res.status}): ${commands[j]}\n`);
      process.exit(1);
    }
  }
}
commands.forEach((c, j) => {
  const diff = median(times[j].map((v, i) => v - times[0][i])).toFixed(1);
  const ratio = median(times[j].map((v, i) => v / times[0][i])).toFixed(3);
  process.stdout.write(
    `${median(times[j]).toFixed(1)} ms median, ${diff} ms and ×${ratio} against A (run by run) :: ${c}\n`,
  );
});
