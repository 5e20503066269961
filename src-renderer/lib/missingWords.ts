/**
 * Plain-word consequences of a missing sequence, for the banner. Which region leans on which
 * sequence follows the BraTS protocol: enhancement is only visible on T1ce; FLAIR and T2 show the
 * edema that bounds the whole tumour; native T1 mostly helps tell necrosis from enhancement.
 */
import { SLOT_NAME, type Slot } from './viewTypes.ts';

const CONSEQUENCE: Readonly<Record<Slot, string>> = {
  t1ce: 'enhancing tumour is unreliable',
  flair: 'edema and whole-tumour extent are less reliable',
  t2: 'edema and whole-tumour extent are less reliable',
  t1: 'necrotic core vs. enhancing tumour is less certain',
};

/** One sentence per missing sequence, e.g. "T1ce missing: enhancing tumour is unreliable". */
export function missingSentences(missing: readonly Slot[]): string[] {
  return missing.map((s) => `${SLOT_NAME[s]} missing: ${CONSEQUENCE[s]}`);
}
