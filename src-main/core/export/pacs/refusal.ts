/**
 * Which PACS failures are permanent (pure): a refusal that the same request will meet again —
 * an association rejected "permanent" (PS3.8 §9.3.4: wrong AE title, unsupported application
 * context), a SOP class the PACS does not take, a C-STORE status of the Axxx/Cxxx "refused" or
 * "cannot understand" families, an HTTP 4xx other than 408/429. Retrying such a refusal forever
 * only fills logs; the outbox parks the item after a few of them until the user fixes the
 * destination and retries it. Timeouts, refused connections and 5xx are transient.
 */
import { MetaKdError, type ErrorCode, type MetaKdErrorOptions } from '../../errors.ts';

/** A MetaKdError the same request will meet again: do not retry it on a timer. */
export class PermanentPacsRefusal extends MetaKdError {
  /** Always true: marks the refusal as permanent for the outbox. */
  readonly permanent = true;

  constructor(code: ErrorCode, message: string, options: MetaKdErrorOptions = {}) {
    super(code, message, options);
    this.name = 'PermanentPacsRefusal';
  }
}

/** True when `e` is a refusal that retrying unchanged cannot fix. */
export function isPermanentRefusal(e: unknown): e is PermanentPacsRefusal {
  return e instanceof PermanentPacsRefusal;
}

/** HTTP statuses of a STOW-RS / QIDO-RS answer that retrying unchanged cannot fix. */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
