/**
 * DIMSE client on dcmjs-dimse: C-ECHO ("test connection") and C-STORE, with one readable
 * MetaKdError per failure — refused association (naming the AE title the PACS did not recognise),
 * connection refused, timeout, a SOP class the PACS does not accept, a failure status.
 *
 * A PACS that stops answering mid-association (hung, or SIGSTOPped) must not keep us waiting:
 * dcmjs-dimse reports its association/PDU timeout but then only half-closes the socket
 * (`socket.end()`), which stays open until the peer wakes up — a one-shot `metakd send` lingered
 * 652 s that way. We destroy the socket whenever an association ends without a clean close, and
 * an AbortSignal (the caller's overall deadline) ends it the same way.
 */
import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { ErrorCode, MetaKdError } from '../../errors.ts';
import type { DimseDestination } from './Destination.ts';
import { PermanentPacsRefusal } from './refusal.ts';
import { abortedSendError } from './abortedSend.ts';

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

/** Options of a send beyond progress. */
export interface SendOptions {
  /** Called as each instance is confirmed (C-STORE response, or the STOW-RS answer). */
  readonly onStored?: (instance: StoredInstance) => void;
  /** Ends the send (sockets destroyed): a user cancel, or the caller's overall deadline. */
  readonly signal?: AbortSignal;
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

/** The socket under a dcmjs-dimse Client (`client.network.socket`, set synchronously by send()). */
function clientSocket(client: object): Socket | undefined {
  return (client as { network?: { socket?: Socket } }).network?.socket;
}

/** PS3.8 §9.3.4: A-ASSOCIATE-RJ result 1 is "rejected-permanent", 2 "rejected-transient". */
const REJECTED_PERMANENT = 1;

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
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedSendError(where(d), signal));
  return new Promise((resolve, reject) => {
    const client = new Client();
    for (const r of requests) client.addRequest(r);
    let settled = false;
    /** Set right after send(); finish() destroys it. */
    const conn: { socket?: Socket } = {};
    const onAbort = (): void => finish(abortedSendError(where(d), signal as AbortSignal));
    const finish = (err?: MetaKdError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // Rejected, timed out, network error, aborted: do not wait for the peer to close.
      if (err) conn.socket?.destroy();
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
    client.on(
      'associationRejected',
      (result: { result?: number; source?: number; reason?: number }) =>
        finish(
          result.result === REJECTED_PERMANENT
            ? new PermanentPacsRefusal(ErrorCode.PacsRefused, rejectMessage(d, result))
            : new MetaKdError(ErrorCode.PacsRefused, rejectMessage(d, result)),
        ),
    );
    client.on('networkError', (e: unknown) => finish(networkError(d, e)));
    client.on('closed', () => finish());
    client.send(d.host, d.port, d.callingAeTitle, d.calledAeTitle, {
      connectTimeout: d.timeoutMs,
      associationTimeout: d.timeoutMs,
      pduTimeout: d.timeoutMs,
    });
    conn.socket = clientSocket(client);
    signal?.addEventListener('abort', onAbort, { once: true });
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

/** C-STORE status family "Refused: out of resources" (PS3.4 B.2.3), the transient one. */
const OUT_OF_RESOURCES = 0xa700;

/** Human text for C-STORE failure statuses (PS3.4 B.2.3). */
function storeStatusText(status: number): string {
  if (status === Status.SopClassNotSupported || status === 0x0122)
    return 'SOP class not supported by the PACS';
  if ((status & 0xff00) === OUT_OF_RESOURCES) return 'out of resources on the PACS';
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
  opts: SendOptions = {},
): Promise<StoredInstance[]> {
  const stored: StoredInstance[] = [];
  const outcome: Outcome = {};
  const requests = files.map((f) => {
    const req = new CStoreRequest(f.file);
    req.on('response', (res: { getStatus(): number }) => {
      const status = res.getStatus();
      const warning = (status & 0xf000) === 0xb000;
      if (status === Status.Success || warning) {
        const instance = { file: f.file, SOPInstanceUID: f.SOPInstanceUID };
        stored.push(instance);
        opts.onStored?.(instance);
        onProgress?.({ done: stored.length, total: files.length, unit: 'instances' });
      } else if (!outcome.failure) {
        const message = `C-STORE of ${f.SOPInstanceUID} (SOP class ${f.SOPClassUID}) to ${where(d)} failed: ${storeStatusText(status)} (status 0x${status.toString(16).padStart(4, '0')}).`;
        // "Out of resources" (A7xx) may pass; the other refusals meet this object again.
        outcome.failure =
          (status & 0xff00) === OUT_OF_RESOURCES
            ? new MetaKdError(ErrorCode.PacsRefused, message, { file: f.file })
            : new PermanentPacsRefusal(ErrorCode.PacsRefused, message, { file: f.file });
      }
    });
    return req;
  });
  await runAssociation(d, requests, outcome, opts.signal);
  if (stored.length < files.length) {
    const missing = files.find((f) => !stored.some((s) => s.SOPInstanceUID === f.SOPInstanceUID));
    if (missing && outcome.accepted && !outcome.accepted.has(missing.SOPClassUID)) {
      throw new PermanentPacsRefusal(
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
