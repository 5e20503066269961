/**
 * Ctrl-C on `metakd segment` (a real child process, tiny model, real BraTS case): SIGINT while
 * tiles run ends with exit code 130, a CANCELLED message, and nothing written to --out.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeData, dataPath, repoRoot } from '../../helpers/data.ts';
import { canMakeTinyModel, tinyModelDir } from '../../fixtures/tinyModel.ts';

const BIN = path.join(repoRoot, 'bin', 'metakd.cjs');
/** The child must have exited this long after SIGINT (one tiny-model tile takes milliseconds). */
const EXIT_AFTER_SIGINT_MS = 20_000;

(canMakeTinyModel() ? describeData : describeData.skip)('metakd segment: Ctrl-C', () => {
  it('SIGINT during inference: exit 130, clear message, nothing half-written', async () => {
    const model = tinyModelDir();
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'metakd-sigint-')), 'out');
    const child = spawn(
      process.execPath,
      [BIN, 'segment', dataPath('brats18', 'Brats18_2013_20_1'), '--out', out, '--model', model],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let sentAt = 0;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Plain progress lines (not a terminal): interrupt once inference is under way.
      if (!sentAt && /^inference \d+\/\d+$/m.test(stderr)) {
        sentAt = performance.now();
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(sentAt, `never saw inference progress; stderr:\n${stderr}`).toBeGreaterThan(0);
    expect(performance.now() - sentAt).toBeLessThan(EXIT_AFTER_SIGINT_MS);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/error \[CANCELLED\]: Cancelled by the user/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
