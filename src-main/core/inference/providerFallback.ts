/**
 * Provider choice with self-test, shared by the tumour model and the brain-extraction model: try
 * each provider in `providerOrder`, keep the first that opens and passes its self-test, and trust a
 * GPU provider only when its self-test output agrees with the CPU's. Every try is recorded
 * (ProviderAttempt) so the result can say which provider ran and why the others did not.
 */
import { ErrorCode, MetaKdError, throwIfCancelled } from '../errors.ts';
import {
  providerOrder,
  providerSkipReason,
  type ProviderAttempt,
  type ProviderChoice,
  type ProviderName,
} from './providers.ts';

/** Max |Δ| between a GPU provider's self-test output and the CPU's for it to be trusted. */
export const SELF_TEST_TOLERANCE = 1e-3;

/** How to open one model on a provider and check it. */
export interface ProviderTrial<R> {
  open(provider: ProviderName): Promise<R>;
  /** Runs the model's fixed self-test input; the output is compared with the CPU's. */
  selfTest(opened: R): Promise<Float32Array>;
  release(opened: R): Promise<void>;
}

/** What firstWorkingProvider found. */
export interface ProviderFound<R> {
  readonly opened: R;
  readonly provider: ProviderName;
  readonly attempts: readonly ProviderAttempt[];
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
}

/**
 * The first provider that opens and passes its self-test (a GPU one within SELF_TEST_TOLERANCE of
 * the CPU). `what` names the model in the error.
 * @throws MetaKdError ProviderFailed listing every attempt when none works; Cancelled on `signal`
 */
export async function firstWorkingProvider<R>(
  choice: ProviderChoice,
  trial: ProviderTrial<R>,
  what: string,
  signal?: AbortSignal,
): Promise<ProviderFound<R>> {
  const attempts: ProviderAttempt[] = [];
  let cpuRef: Float32Array | undefined;
  for (const provider of providerOrder(choice)) {
    throwIfCancelled(signal);
    const skip = providerSkipReason(provider, choice);
    if (skip) {
      attempts.push({ provider, ok: false, reason: skip, ms: 0 });
      continue;
    }
    const t0 = performance.now();
    let opened: R | undefined;
    try {
      opened = await trial.open(provider);
      const got = await trial.selfTest(opened);
      if (provider !== 'cpu') {
        if (!cpuRef) {
          const cpu = await trial.open('cpu');
          try {
            cpuRef = await trial.selfTest(cpu);
          } finally {
            await trial.release(cpu);
          }
        }
        let diff = 0;
        for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - cpuRef[i]));
        // `!(≤)` also refuses NaN.
        if (!(diff <= SELF_TEST_TOLERANCE)) {
          throw new Error(`self-test differs from CPU by ${diff.toExponential(2)}`);
        }
      }
      attempts.push({ provider, ok: true, reason: 'self-test passed', ms: performance.now() - t0 });
      return { opened, provider, attempts };
    } catch (e) {
      if (opened !== undefined) await trial.release(opened).catch(() => undefined);
      attempts.push({ provider, ok: false, reason: firstLine(e), ms: performance.now() - t0 });
    }
  }
  throw new MetaKdError(
    ErrorCode.ProviderFailed,
    `No execution provider could run the ${what}: ` +
      attempts.map((a) => `${a.provider}: ${a.reason}`).join('; '),
    // No `file`: the providers failed, not the model's manifest (issue 11).
  );
}
