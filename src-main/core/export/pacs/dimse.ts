/**
 * DIMSE client on dcmjs-dimse: C-ECHO ("test connection") and C-STORE, with one readable
 * MetaKdError per failure — refused association (naming the AE title the PACS did not recognise),
 * connection refused, timeout, a SOP class the PACS does not accept, a failure status.
 */
import dimse from 'dcmjs-dimse';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import type { DimseDestination } from './Destination.ts';

const { Client } = dimse;
const { CEchoRequest, CStoreRequest } = dimse.requests;
const { Status, RejectReason, RejectSource, PresentationContextResult } = dimse.constants;

// dcmjs-dimse logs every PDU at info level; our errors carry what matters.
dimse.log.setLevel('silent');

/** Progress of a send: instances confirmed (DIMSE) or bytes uploaded (STOW-RS). */
export interface SendProgressEvent {
  readonly done: number;
  readonly total: number;
  readonly unit: 'instances' | 'bytes';
}

/** Progress callback. */
export type SendProgress = (p: SendProgressEvent) => void;

/** One stored instance as the PACS confirmed it. */
export interface StoredInstance {
  readonly file: string;
  readonly SOPInstanceUID: string;
}

function where(d: DimseDestination): string {
  return `${d.calledAeTitle}@${d.host}:${d.port}`;
}

function rejectMessage(d: DimseDestination, reject: { source?: number; reason?: number }): string {
  const byUser = reject.source === RejectSource.ServiceUser;
  if (byUser && reject.reason === RejectReason.CalledAeNotRecognized) {
    return `The PACS at ${d.host}:${d.port} refused the association: called AE title "${d.calledAeTitle}" is not recognised. Check the destination's called AE title.`;
  }
  if (byUser && reject.reason === RejectReason.CallingAeNotRecognized) {
    return `The PACS at ${d.host}:${d.port} refused the association: our calling AE title "${d.callingAeTitle}" is not recognised. Ask the PACS administrator to register it.`;
  }
  return `The PACS ${where(d)} refused the association (source ${reject.source ?? '?'}, reason ${reject.reason ?? '?'}).`;
}

function networkError(d: DimseDestination, e: unknown): MetaKdError {
  const err = e as NodeJS.ErrnoException;
  // dcmjs-dimse wraps socket errors in a new Error, so the errno survives only in the message.
  const text = String(err?.message ?? e);
  const code = err?.code ?? text.match(/\b(E[A-Z]{4,})\b/)?.[1] ?? '';
  if (code === 'ECONNREFUSED') {
    return new MetaKdError(
      ErrorCode.PacsUnreachable,
      `Connection refused by ${d.host}:${d.port} — is the PACS running and is the port right?`,
      { cause: e },
    );
  }
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(text)) {
    return new MetaKdError(
      ErrorCode.PacsTimeout,
      `The PACS ${where(d)} did not answer within ${d.timeoutMs} ms.`,
      {
        cause: e,
      },
    );
  }
  return new MetaKdError(
    ErrorCode.PacsUnreachable,
    `Network error talking to ${where(d)}: ${text.replace(/^\s*->\s*/, '')}.`,
    { cause: e },
  );
}

interface Outcome {
  failure?: MetaKdError;
  /** SOP classes the PACS accepted in the association (set once it is accepted). */
  accepted?: Set<string>;
}

/** Runs the requests over one association; resolves when the association is released/closed. */
function runAssociation(
  d: DimseDestination,
  requests: InstanceType<typeof dimse.requests.Request>[],
  outcome: Outcome,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    for (const r of requests) client.addRequest(r);
    let settled = false;
    const finish = (err?: MetaKdError): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else if (outcome.failure) reject(outcome.failure);
      else resolve();
    };
    client.on(
      'associationAccepted',
      (association: InstanceType<typeof dimse.association.Association>) => {
        outcome.accepted = new Set(
          association
            .getPresentationContexts()
            .filter((pc) => pc.context.getResult() === PresentationContextResult.Accept)
            .map((pc) => pc.context.getAbstractSyntaxUid()),
        );
      },
    );
    client.on('associationRejected', (result: { source?: number; reason?: number }) =>
      finish(new MetaKdError(ErrorCode.PacsRefused, rejectMessage(d, result))),
    );
    client.on('networkError', (e: unknown) => finish(networkError(d, e)));
    client.on('closed', () => finish());
    client.send(d.host, d.port, d.callingAeTitle, d.calledAeTitle, {
      connectTimeout: d.timeoutMs,
      associationTimeout: d.timeoutMs,
      pduTimeout: d.timeoutMs,
    });
  });
}

/** C-ECHO: resolves with the round-trip time in ms, or throws a MetaKdError. */
export async function echoDimse(d: DimseDestination): Promise<{ readonly ms: number }> {
  const t0 = performance.now();
  const outcome: Outcome = {};
  const req = new CEchoRequest();
  let ok = false;
  req.on('response', (res: { getStatus(): number }) => {
    ok = res.getStatus() === Status.Success;
    if (!ok)
      outcome.failure = new MetaKdError(
        ErrorCode.PacsRefused,
        `C-ECHO to ${where(d)} failed with status 0x${res.getStatus().toString(16)}.`,
      );
  });
  await runAssociation(d, [req], outcome);
  if (!ok)
    throw (
      outcome.failure ??
      new MetaKdError(ErrorCode.PacsRefused, `C-ECHO to ${where(d)} got no answer.`)
    );
  return { ms: performance.now() - t0 };
}

/** Human text for C-STORE failure statuses (PS3.4 B.2.3). */
function storeStatusText(status: number): string {
  if (status === Status.SopClassNotSupported || status === 0x0122)
    return 'SOP class not supported by the PACS';
  if ((status & 0xff00) === 0xa700) return 'out of resources on the PACS';
  if ((status & 0xff00) === 0xa900) return 'the data set does not match the SOP class';
  if ((status & 0xf000) === 0xc000) return 'the PACS cannot understand the object';
  return 'refused by the PACS';
}

/**
 * C-STOREs `files` over one association. Resolves with the instances the PACS confirmed (status
 * Success or Warning); throws the first failure. An object whose SOP class the PACS does not accept
 * in the association fails with PacsRefused naming that SOP class.
 */
export async function storeDimse(
  d: DimseDestination,
  files: readonly {
    readonly file: string;
    readonly SOPInstanceUID: string;
    readonly SOPClassUID: string;
  }[],
  onProgress?: SendProgress,
): Promise<StoredInstance[]> {
  const stored: StoredInstance[] = [];
  const outcome: Outcome = {};
  const requests = files.map((f) => {
    const req = new CStoreRequest(f.file);
    req.on('response', (res: { getStatus(): number }) => {
      const status = res.getStatus();
      const warning = (status & 0xf000) === 0xb000;
      if (status === Status.Success || warning) {
        stored.push({ file: f.file, SOPInstanceUID: f.SOPInstanceUID });
        onProgress?.({ done: stored.length, total: files.length, unit: 'instances' });
      } else if (!outcome.failure) {
        outcome.failure = new MetaKdError(
          ErrorCode.PacsRefused,
          `C-STORE of ${f.SOPInstanceUID} (SOP class ${f.SOPClassUID}) to ${where(d)} failed: ${storeStatusText(status)} (status 0x${status.toString(16).padStart(4, '0')}).`,
          { file: f.file },
        );
      }
    });
    return req;
  });
  await runAssociation(d, requests, outcome);
  if (stored.length < files.length) {
    const missing = files.find((f) => !stored.some((s) => s.SOPInstanceUID === f.SOPInstanceUID));
    if (missing && outcome.accepted && !outcome.accepted.has(missing.SOPClassUID)) {
      throw new MetaKdError(
        ErrorCode.PacsRefused,
        `The PACS ${where(d)} does not accept SOP class ${missing.SOPClassUID} (no accepted presentation context); it cannot store this kind of object.`,
        { file: missing.file },
      );
    }
    throw new MetaKdError(
      ErrorCode.PacsUnreachable,
      `The association with ${where(d)} ended after ${stored.length} of ${files.length} instances were confirmed; the rest were not stored.`,
    );
  }
  return stored;
}
