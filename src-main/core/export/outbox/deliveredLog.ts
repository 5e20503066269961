/**
 * The outbox's record of what it delivered (pure file I/O, no network): when an item is confirmed
 * in full, its item.json (without the DICOM copies, which are deleted) is kept as
 * `<outbox>/delivered/<id>.json` with the time of delivery, so the outbox view can show
 * "delivered" next to "pending" and "failed". Only the newest MAX_DELIVERED records are kept.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../../io/atomicWrite.ts';

/** Folder (inside the outbox folder) that holds the delivery records. */
export const DELIVERED_DIR = 'delivered';
/** Most delivery records kept (older ones are removed when a new one is written). */
export const MAX_DELIVERED = 50;

/** A delivered item: where it went, how many instances, when. */
export interface DeliveredRecord {
  readonly id: string;
  readonly destination: string;
  readonly createdAt: string;
  /** ISO time the destination confirmed the last instance. */
  readonly deliveredAt: string;
  /** Delivery attempts it took (1: at the first try). */
  readonly attempts: number;
  readonly instances: number;
  readonly SOPInstanceUIDs: readonly string[];
}

function isRecord(x: unknown): x is DeliveredRecord {
  const r = x as Partial<DeliveredRecord> | null;
  return (
    !!r &&
    typeof r.id === 'string' &&
    typeof r.destination === 'string' &&
    typeof r.deliveredAt === 'string' &&
    typeof r.instances === 'number' &&
    Array.isArray(r.SOPInstanceUIDs)
  );
}

/** Writes the delivery record of an item, then trims the log to MAX_DELIVERED records. */
export async function recordDelivered(outboxDir: string, record: DeliveredRecord): Promise<void> {
  const dir = path.join(outboxDir, DELIVERED_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeJsonAtomic(path.join(dir, `${record.id}.json`), record);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  // Item ids start with their ISO creation time, so name order is age order.
  for (const n of names.slice(0, Math.max(0, names.length - MAX_DELIVERED))) {
    await rm(path.join(dir, n), { force: true });
  }
}

/** Delivery records, newest first (empty when nothing was delivered yet). */
export async function listDelivered(outboxDir: string): Promise<DeliveredRecord[]> {
  const dir = path.join(outboxDir, DELIVERED_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: DeliveredRecord[] = [];
  for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
    try {
      const r: unknown = JSON.parse(await readFile(path.join(dir, n), 'utf8'));
      if (isRecord(r)) out.push(r);
    } catch {
      // A record cut short by a crash is only history: skip it.
    }
  }
  return out.sort((a, b) => b.deliveredAt.localeCompare(a.deliveredAt));
}

/** Removes one delivery record (from the view); true when it existed. */
export async function removeDelivered(outboxDir: string, id: string): Promise<boolean> {
  const file = path.join(outboxDir, DELIVERED_DIR, `${path.basename(id)}.json`);
  try {
    await readFile(file);
  } catch {
    return false;
  }
  await rm(file, { force: true });
  return true;
}
