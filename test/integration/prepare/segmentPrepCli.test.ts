/** `metakd segment --prep auto|off|force` (issue 10): help and usage errors. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cliRunner.ts';

describe('metakd segment --prep', () => {
  it('is documented in the help', async () => {
    const r = await runCli(['segment', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--prep auto\|off\|force/);
    expect(r.stdout).toMatch(/report\.json records what ran in "preparation"/);
  });

  it('rejects an unknown mode as a usage error (exit 2)', async () => {
    const r = await runCli(['segment', '--prep', 'sometimes', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --prep mode "sometimes"; use auto, off or force/);
  });
});
