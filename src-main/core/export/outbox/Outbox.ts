/**
 * The outbox: every export bound for a PACS is written to disk first (atomically) and stays there
 * until the destination confirms every instance. Delivery is retried with exponential back-off,
 * and the state lives on disk (one folder per item: the DICOM files plus item.json), so a restart
 * picks up where the last run stopped. An export is never lost because the PACS was down.
 *
 * Each instance is marked delivered in item.json as its confirmation arrives (not when the whole
 * send ends), so a resend after a crash or a dropped association sends only what was not
 * confirmed. An item refused permanently (wrong AE title, HTTP 401…) PARK_AFTER times in a row is
 * parked: the background loop leaves it alone until the user retries it (which un-parks it).
 *
 * Every change to one item's folder (item.json saves, a redirect, its removal) runs on that
 * item's own write queue, so a redirect (the destination was renamed) and a delivery in flight
 * cannot overwrite each other, and nothing is written into a folder after it was removed. Across
 * processes (the app and a `metakd send` on the same data folder) an item is sent, and removed,
 * only under its send lock (sendLock.ts).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from '../../zod.ts';
import { ErrorCode, MetaKdError, isMetaKdError } from '../../errors.ts';
import { copyFileAtomic, mkdirPrivate, writeJsonAtomic } from '../../io/atomicWrite.ts';
import { readDicomFile } from '../seg/dcmjsSeg.ts';
import type { Destination } from '../pacs/Destination.ts';
import type { SendOptions, SendProgress, StoredInstance } from '../pacs/dimse.ts';
import { isPermanentRefusal } from '../pacs/refusal.ts';
import { sendToDestination, type OutgoingFile } from '../pacs/sendToDestination.ts';
import { recordDelivered } from './deliveredLog.ts';
import { sendLockHolder, takeSendLock, type LockOwner } from './sendLock.ts';

const ITEM_FILE = 'item.json';

const itemSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  destination: z.string(),
  createdAt: z.string(),
  attempts: z.int().check(z.gte(0)),
  nextAttemptAt: z.string(),
  lastError: z.optional(z.object({ code: z.string(), message: z.string(), at: z.string() })),
  /** Permanent refusals in a row (reset by any other outcome). */
  permanentRefusals: z._default(z.int().check(z.gte(0)), 0),
  /** Parked: not retried on a timer until the user retries it; the reason is lastError. */
  parked: z._default(z.boolean(), false),
  files: z.array(
    z.object({
      name: z.string(),
      SOPInstanceUID: z.string(),
      SOPClassUID: z.string(),
      delivered: z.boolean(),
    }),
  ),
});

/** One queued export as stored in item.json. */
export type OutboxItem = z.output<typeof itemSchema>;

/** Back-off and loop settings. */
export interface OutboxOptions {
  /** Folder of the outbox (e.g. <dataDir>/outbox). */
  readonly dir: string;
  /** Finds a destination by name (the DestinationStore). */
  readonly resolveDestination: (name: string) => Promise<Destination>;
  /** Sends files (default: C-STORE / STOW-RS). Replaceable only to observe, not to fake, delivery. */
  readonly send?: (
    d: Destination,
    files: readonly OutgoingFile[],
    p?: SendProgress,
    opts?: SendOptions,
  ) => Promise<StoredInstance[]>;
  /** First retry delay, ms (default 5 s); doubles per failed attempt. */
  readonly baseDelayMs?: number;
  /** Longest retry delay, ms (default 10 min). */
  readonly maxDelayMs?: number;
  /** Clock (default Date.now). */
  readonly now?: () => number;
  /**
   * Whether start() runs the background retry loop (default true). A one-shot CLI process passes
   * false: it must exit when its command ends, not keep retrying a PACS that is down.
   */
  readonly loop?: boolean;
  /** Aborted when the app shuts down: the loop stops and sends in progress end at once. */
  readonly shutdown?: AbortSignal;
}

/** Result of processing the due items. */
export interface ProcessResult {
  readonly delivered: string[];
  readonly failed: { readonly id: string; readonly code: string; readonly message: string }[];
}

/** The error for an item another process is sending. */
function busyElsewhere(id: string, by: LockOwner): MetaKdError {
  return new MetaKdError(
    ErrorCode.InvalidArgument,
    `Outbox item ${id} is being sent by another MetaKD process (pid ${by.pid} on ${by.host}, since ${by.since}); try again when it has finished.`,
  );
}

/** Permanent refusals in a row after which an item is parked. */
export const PARK_AFTER = 3;
const DEFAULT_BASE_DELAY_MS = 5_000;
const DEFAULT_MAX_DELAY_MS = 10 * 60_000;

/** The delay before retry number `attempts` (1-based): base · 2^(attempts−1), capped. */
export function backoffDelay(
  attempts: number,
  baseMs = DEFAULT_BASE_DELAY_MS,
  maxMs = DEFAULT_MAX_DELAY_MS,
): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** The on-disk outbox. */
export class Outbox {
  readonly dir: string;
  readonly #opts: OutboxOptions;
  readonly #inFlight = new Set<string>();
  /** Per item: the tail of its write queue (see the module comment). */
  readonly #writes = new Map<string, Promise<unknown>>();
  /**
   * Per item: the destination it was redirected to while this process runs. A delivery in flight
   * holds the item in memory; its later saves take the new name from here, not the old one.
   */
  readonly #redirected = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: OutboxOptions) {
    this.dir = opts.dir;
    this.#opts = opts;
    opts.shutdown?.addEventListener('abort', () => this.stop(), { once: true });
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  #itemDir(id: string): string {
    return path.join(this.dir, id);
  }

  /** Runs `fn` after every earlier change to item `id`'s folder (its write queue). */
  #queued<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#writes.get(id) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#writes.set(id, tail);
    void tail.then(() => {
      if (this.#writes.get(id) === tail) this.#writes.delete(id);
    });
    return run;
  }

  /** The item with the destination it was redirected to, if any. */
  #current(item: OutboxItem): OutboxItem {
    const to = this.#redirected.get(item.id);
    return to === undefined ? item : { ...item, destination: to };
  }

  /** Writes item.json (atomically, on the item's queue); a redirect in the meantime wins. */
  async #save(item: OutboxItem): Promise<void> {
    await this.#queued(item.id, () =>
      writeJsonAtomic(path.join(this.#itemDir(item.id), ITEM_FILE), this.#current(item)),
    );
  }

  /** Removes an item's folder (on its queue: no write can land after it). */
  async #removeDir(id: string): Promise<void> {
    await this.#queued(id, () => rm(this.#itemDir(id), { recursive: true, force: true }));
    this.#redirected.delete(id);
  }

  /**
   * Queues DICOM files for `destination`: copies them into the outbox and writes item.json last,
   * so a crash mid-copy leaves no half item (list() ignores folders without item.json).
   */
  async enqueue(files: readonly string[], destination: string): Promise<OutboxItem> {
    if (files.length === 0)
      throw new MetaKdError(ErrorCode.InvalidArgument, 'Nothing to send: no files given.');
    const id = `${new Date(this.#now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    await mkdirPrivate(this.#itemDir(id));
    const entries: OutboxItem['files'] = [];
    for (const [i, file] of files.entries()) {
      let header;
      try {
        header = readDicomFile(file, { headerOnly: true }).dataset;
      } catch (e) {
        throw new MetaKdError(ErrorCode.DicomInvalid, 'is not a DICOM file that can be sent.', {
          file,
          cause: e,
        });
      }
      if (!header.SOPInstanceUID || !header.SOPClassUID) {
        throw new MetaKdError(
          ErrorCode.DicomInvalid,
          'has no SOPInstanceUID/SOPClassUID; cannot send it.',
          { file },
        );
      }
      const name = `${String(i).padStart(4, '0')}.dcm`;
      // A private copy (0600 from creation): outbox copies hold patient names.
      await copyFileAtomic(file, path.join(this.#itemDir(id), name));
      entries.push({
        name,
        SOPInstanceUID: String(header.SOPInstanceUID),
        SOPClassUID: String(header.SOPClassUID),
        delivered: false,
      });
    }
    const item: OutboxItem = {
      version: 1,
      id,
      destination,
      createdAt: new Date(this.#now()).toISOString(),
      attempts: 0,
      nextAttemptAt: new Date(this.#now()).toISOString(),
      permanentRefusals: 0,
      parked: false,
      files: entries,
    };
    await this.#save(item);
    return item;
  }

  /** Every complete item on disk, oldest first. */
  async list(): Promise<OutboxItem[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const items: OutboxItem[] = [];
    for (const n of names.sort()) {
      try {
        const parsed = itemSchema.safeParse(
          JSON.parse(await readFile(path.join(this.dir, n, ITEM_FILE), 'utf8')),
        );
        if (parsed.success) items.push(this.#current(parsed.data));
      } catch {
        // A folder without a readable item.json is an enqueue that never finished: not an item.
      }
    }
    return items;
  }

  /** One item by id, or NotFound. */
  async get(id: string): Promise<OutboxItem> {
    const item = (await this.list()).find((i) => i.id === id);
    if (!item) throw new MetaKdError(ErrorCode.NotFound, `No outbox item "${id}".`);
    return item;
  }

  /**
   * Tries to deliver one item now (un-parking it: an explicit delivery is the user's retry). Each
   * confirmed instance is saved as it arrives. On success the item is removed from disk; on
   * failure its attempt count, next attempt time, last error and parking are saved and the error
   * is rethrown. `opts.signal` ends the send (its sockets destroyed).
   */
  async deliver(
    id: string,
    onProgress?: SendProgress,
    opts: { readonly signal?: AbortSignal } = {},
  ): Promise<{ readonly stored: number }> {
    if (this.#inFlight.has(id))
      throw new MetaKdError(ErrorCode.InvalidArgument, `Outbox item ${id} is already being sent.`);
    await this.get(id); // NotFound for an unknown id, before anything is locked
    this.#inFlight.add(id);
    let lock: Awaited<ReturnType<typeof takeSendLock>>;
    try {
      lock = await takeSendLock(this.#itemDir(id));
    } catch (e) {
      this.#inFlight.delete(id);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new MetaKdError(
        ErrorCode.NotFound,
        `Outbox item "${id}" was sent or removed meanwhile.`,
      );
    }
    if ('heldBy' in lock) {
      this.#inFlight.delete(id);
      throw busyElsewhere(id, lock.heldBy);
    }
    try {
      return await this.#deliverLocked(id, onProgress, opts);
    } finally {
      this.#inFlight.delete(id);
      await lock.release();
    }
  }

  /** deliver() once the item's send lock is held: its item.json is read afresh under the lock. */
  async #deliverLocked(
    id: string,
    onProgress: SendProgress | undefined,
    opts: { readonly signal?: AbortSignal },
  ): Promise<{ readonly stored: number }> {
    let item: OutboxItem = { ...(await this.get(id)), parked: false };
    // Saves coalesce: at most one write in flight, the next one writes the latest state.
    let saving: Promise<void> = Promise.resolve();
    const saveLatest = (): void => {
      saving = saving.then(() => this.#save(item));
    };
    let stored = 0;
    try {
      const destination = await this.#opts.resolveDestination(item.destination);
      const pending = item.files.filter((f) => !f.delivered);
      const onStored = (s: StoredInstance): void => {
        stored++;
        item = {
          ...item,
          files: item.files.map((f) =>
            f.SOPInstanceUID === s.SOPInstanceUID ? { ...f, delivered: true } : f,
          ),
        };
        saveLatest();
      };
      const signals = [opts.signal, this.#opts.shutdown].filter((x) => x !== undefined);
      await (this.#opts.send ?? sendToDestination)(
        destination,
        pending.map((f) => ({
          file: path.join(this.#itemDir(id), f.name),
          SOPInstanceUID: f.SOPInstanceUID,
          SOPClassUID: f.SOPClassUID,
        })),
        onProgress,
        { onStored, signal: signals.length > 0 ? AbortSignal.any(signals) : undefined },
      );
      await saving;
      if (!item.files.every((f) => f.delivered)) {
        throw new MetaKdError(
          ErrorCode.PacsUnreachable,
          `${item.destination} confirmed ${stored} of ${pending.length} instances; the rest stay queued.`,
        );
      }
      // Kept as history for the outbox view ("delivered"); the DICOM copies go.
      await recordDelivered(this.dir, {
        id,
        destination: this.#current(item).destination, // renamed meanwhile: its name now
        createdAt: item.createdAt,
        deliveredAt: new Date(this.#now()).toISOString(),
        attempts: item.attempts + 1,
        instances: item.files.length,
        SOPInstanceUIDs: item.files.map((f) => f.SOPInstanceUID),
      });
      await this.#removeDir(id);
      return { stored };
    } catch (e) {
      await saving.catch(() => undefined); // the failure below is the one to report
      const attempts = item.attempts + 1;
      const permanentRefusals = isPermanentRefusal(e) ? item.permanentRefusals + 1 : 0;
      const delay = backoffDelay(attempts, this.#opts.baseDelayMs, this.#opts.maxDelayMs);
      await this.#save({
        ...item,
        attempts,
        permanentRefusals,
        parked: permanentRefusals >= PARK_AFTER,
        nextAttemptAt: new Date(this.#now() + delay).toISOString(),
        lastError: {
          code: isMetaKdError(e) ? e.code : ErrorCode.Internal,
          message: e instanceof Error ? e.message : String(e),
          at: new Date(this.#now()).toISOString(),
        },
      });
      throw e;
    }
  }

  /** Removes a waiting item (the user gave up on it); refused while it is being sent. */
  async remove(id: string): Promise<void> {
    if (this.#inFlight.has(id))
      throw new MetaKdError(
        ErrorCode.InvalidArgument,
        `Outbox item ${id} is being sent; try again.`,
      );
    await this.get(id); // NotFound for an unknown id
    const lock = await takeSendLock(this.#itemDir(id));
    if ('heldBy' in lock) throw busyElsewhere(id, lock.heldBy);
    try {
      await this.#removeDir(id);
    } finally {
      await lock.release(); // gone with the folder, unless the removal failed
    }
  }

  /** The items waiting (pending, failed or parked) for destination `name`. */
  async waitingFor(name: string): Promise<OutboxItem[]> {
    return (await this.list()).filter((i) => i.destination === name);
  }

  /**
   * Re-points every item waiting for destination `from` to `to` (the destination was renamed),
   * so their retries go to the renamed destination. Each item.json is rewritten atomically on the
   * item's write queue; an item being sent keeps sending to the destination it resolved, and its
   * later saves carry the new name. Returns the ids moved. The caller keeps both destinations
   * configured until this returns, so a crash half-way leaves every item deliverable.
   */
  async redirect(from: string, to: string): Promise<string[]> {
    if (from === to) return [];
    const moved: string[] = [];
    for (const item of await this.waitingFor(from)) {
      this.#redirected.set(item.id, to);
      await this.#queued(item.id, async () => {
        const file = path.join(this.#itemDir(item.id), ITEM_FILE);
        let onDisk: OutboxItem;
        try {
          onDisk = itemSchema.parse(JSON.parse(await readFile(file, 'utf8')));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // delivered or removed
          throw e;
        }
        await writeJsonAtomic(file, { ...onDisk, destination: to });
      });
      moved.push(item.id);
    }
    return moved;
  }

  /**
   * Delivers every item whose next attempt is due, parked ones excepted; with `force` (the user's
   * "retry all") every item now, parked ones included. Never throws for a send.
   */
  async processDue(force = false): Promise<ProcessResult> {
    const result: ProcessResult = { delivered: [], failed: [] };
    for (const item of await this.list()) {
      if (this.#inFlight.has(item.id)) continue;
      if (!force && (item.parked || Date.parse(item.nextAttemptAt) > this.#now())) continue;
      // Another process is sending it: not a failure, and its item.json is not ours to update.
      if (await sendLockHolder(this.#itemDir(item.id))) continue;
      try {
        await this.deliver(item.id);
        result.delivered.push(item.id);
      } catch (e) {
        result.failed.push({
          id: item.id,
          code: isMetaKdError(e) ? e.code : ErrorCode.Internal,
          message: e instanceof Error ? e.message : String(e),
        });
      }
    }
    return result;
  }

  /** Starts a background loop that processes due items every `intervalMs` (does not keep Node alive). */
  start(intervalMs = 2_000): void {
    if (this.#timer || this.#opts.loop === false || this.#opts.shutdown?.aborted) return;
    let busy = false;
    this.#timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void this.processDue().finally(() => {
        busy = false;
      });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the background loop. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
