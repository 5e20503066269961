/**
 * The provider choice shared by the tumour and brain-extraction models (providerFallback.ts), with
 * a fake trial standing in for onnxruntime sessions: the order, the GPU-vs-CPU agreement check,
 * the release of every session that was not kept, and the error that lists every try.
 */
import { describe, expect, it } from 'vitest';
import {
  SELF_TEST_TOLERANCE,
  firstWorkingProvider,
  type ProviderTrial,
} from '../../../src-main/core/inference/providerFallback.ts';
import { isMetaKdError } from '../../../src-main/core/errors.ts';
import type { ProviderName } from '../../../src-main/core/inference/providers.ts';

interface Fake {
  readonly provider: ProviderName;
  readonly serial: number;
}

function trial(outputs: Partial<Record<ProviderName, number | Error>>) {
  const opened: Fake[] = [];
  const released: Fake[] = [];
  let serial = 0;
  const t: ProviderTrial<Fake> = {
    open: async (provider) => {
      const out = outputs[provider];
      if (out instanceof Error) throw out;
      const f = { provider, serial: serial++ };
      opened.push(f);
      return f;
    },
    selfTest: async (f) => new Float32Array([0.5, outputs[f.provider] as number]),
    release: async (f) => {
      released.push(f);
    },
  };
  return { t, opened, released };
}

describe('firstWorkingProvider', () => {
  it('keeps a GPU provider that agrees with the CPU, and releases the CPU reference', async () => {
    const { t, released } = trial({ cuda: 0.25 + SELF_TEST_TOLERANCE / 2, cpu: 0.25 });
    const r = await firstWorkingProvider('cuda', t, 'model');
    expect(r.provider).toBe('cuda');
    expect(r.attempts).toEqual([expect.objectContaining({ provider: 'cuda', ok: true })]);
    expect(released.map((f) => f.provider)).toEqual(['cpu']);
  });

  it('refuses a GPU provider whose self-test differs from the CPU (forced: an error)', async () => {
    const { t, released } = trial({ cuda: 0.4, cpu: 0.25 });
    const e = await firstWorkingProvider('cuda', t, 'brain-extraction model').catch((x) => x);
    expect(isMetaKdError(e, 'PROVIDER_FAILED')).toBe(true);
    expect((e as Error).message).toMatch(
      /^No execution provider could run the brain-extraction model: cuda: self-test differs from CPU by 1\.50e-1$/,
    );
    expect(released.map((f) => f.provider).sort()).toEqual(['cpu', 'cuda']);
  });

  it('refuses NaN output from a GPU provider', async () => {
    const { t } = trial({ cuda: Number.NaN, cpu: 0.25 });
    const e = await firstWorkingProvider('cuda', t, 'model').catch((x) => x);
    expect(isMetaKdError(e, 'PROVIDER_FAILED')).toBe(true);
  });

  it('in auto mode falls back past a provider that fails to open, recording why', async () => {
    const { t } = trial({
      cuda: new Error('libcudart.so.13: cannot open shared object file\nmore detail'),
      webgpu: new Error('no adapter'),
      cpu: 0.25,
    });
    const r = await firstWorkingProvider('auto', t, 'model');
    expect(r.provider).toBe('cpu');
    expect(r.attempts[0]).toMatchObject({
      provider: 'cuda',
      ok: false,
      reason: 'libcudart.so.13: cannot open shared object file',
    });
    expect(r.attempts.at(-1)).toMatchObject({ provider: 'cpu', ok: true });
  });

  it('stops at once when cancelled', async () => {
    const { t, opened } = trial({ cpu: 0.25 });
    const ac = new AbortController();
    ac.abort();
    const e = await firstWorkingProvider('cpu', t, 'model', ac.signal).catch((x) => x);
    expect(isMetaKdError(e, 'CANCELLED')).toBe(true);
    expect(opened).toEqual([]);
  });
});
