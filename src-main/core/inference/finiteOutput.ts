/**
 * The last gate before a result is reported: every probability the model produced must be a
 * finite number. A NaN (from a broken provider, a damaged graph, or an input that slipped past
 * the import checks) would otherwise threshold to "no tumour" and come back as a confident 0 mL.
 * Pure function.
 */
import { ErrorCode, MetaKdError } from '../errors.ts';

/**
 * Throws when any subset's probabilities hold NaN or ±Inf.
 * @param probs per decoded subset, the averaged probabilities
 * @param file the model file named in the error
 * @throws MetaKdError ProviderFailed naming how many values were not finite
 */
export function assertFiniteProbabilities(probs: readonly Float32Array[], file: string): void {
  let bad = 0;
  let total = 0;
  for (const p of probs) {
    total += p.length;
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      // v - v is NaN exactly when v is NaN or ±Inf.
      if (v - v !== 0) bad++;
    }
  }
  if (bad === 0) return;
  throw new MetaKdError(
    ErrorCode.ProviderFailed,
    `the model produced ${bad} of ${total} output values that are not finite numbers (NaN or infinite), so no result is reported. Check the input series for damaged voxels, or run again on the CPU provider (--provider cpu).`,
    { file },
  );
}
