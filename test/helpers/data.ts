/**
 * Where the real test data lives: $METAKD_DATA, else ../shared/data from the repository root.
 * Real-data tests use `describeData` so they skip with a clear message when it is absent.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/** Repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared data folder. */
export const dataDir = process.env.METAKD_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');

/** True when the shared data folder is present. */
export const hasData = existsSync(path.join(dataDir, 'DATA.md'));

/** Path inside the shared data folder. */
export function dataPath(...parts: string[]): string {
  return path.join(dataDir, ...parts);
}

/** `describe` that skips (with the reason in its name) when the shared data is absent. */
export const describeData: typeof describe = hasData
  ? describe
  : (((name: string, ...rest: unknown[]) =>
      (describe.skip as unknown as (...a: unknown[]) => void)(
        `${name} [skipped: no shared data at ${dataDir}; set METAKD_DATA]`,
        ...rest,
      )) as unknown as typeof describe);
