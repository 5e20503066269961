/**
 * `metakd send` and the outbox from the command line (issue 11): a send to a PACS that is down
 * stays in the outbox (exit 5), `--outbox` lists it as failed with its last error, `--remove`
 * takes it out (exit 3 for an unknown id). The PACS is a closed loopback port (connection refused
 * at once); the DICOM file is a synthetic MR image made in code.
 */
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createApiService,
  defaultServiceOptions,
  type ApiService,
} from '../../src-main/api/service.ts';
import { freePort } from '../helpers/orthanc.ts';
import { runCli } from '../helpers/cliRunner.ts';
import { writeSyntheticSeries } from '../unit/export/syntheticSeries.ts';

describe('metakd send: the outbox from the command line', () => {
  let home: string;
  let api: ApiService;

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'metakd-cli-send-'));
    api = createApiService({ ...defaultServiceOptions(), dataDir: home });
    await api.invoke('saveDestination', {
      destination: {
        kind: 'dimse',
        name: 'down',
        calledAeTitle: 'ORTHANC',
        host: '127.0.0.1',
        port: await freePort(),
        timeoutMs: 2_000,
      },
    });
  });
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('keeps a failed send, lists it with its error and removes it', async () => {
    const series = writeSyntheticSeries(path.join(home, 'series'));
    const sent = await runCli(['send', series.files[0], '--to', 'down'], { api });
    expect(sent.code).toBe(5);
    expect(sent.stderr).toContain('It stays in the outbox');
    const id = /outbox \(([^)]+)\)/.exec(sent.stderr)?.[1] ?? '';
    expect(id).not.toBe('');

    const listed = await runCli(['send', '--outbox'], { api });
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(line).toContain('\tfailed\tto down\t0/1 instances\tattempts 1');
    expect(line).toContain('last error:');

    expect(await runCli(['send', '--remove', id], { api })).toMatchObject({
      code: 0,
      stdout: `removed ${id}\n`,
    });
    expect((await runCli(['send', '--outbox'], { api })).stdout).not.toContain(id);
    expect((await runCli(['send', '--remove', id], { api })).code).toBe(3);
  });
});
