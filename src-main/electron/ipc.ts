/**
 * IPC over the api contract (a generic loop, STYLE.md §4): the sync method-name list, `invoke`
 * and the native open dialog, each answering only our own page (a frame on app://metakd). The
 * Electron objects come in as small interfaces, so the registration is unit-tested without the
 * Electron binary (test/unit/electron/ipc.test.ts).
 */
import type { ApiEvent } from '../api/contract.ts';
import { IPC } from './channels.ts';
import { isAppPageUrl } from './appProtocol.ts';

/** The parts of an IPC event used here. */
export interface IpcEventLike {
  readonly senderFrame?: { readonly url: string } | null;
  readonly sender: { isDestroyed(): boolean; send(channel: string, payload: unknown): void };
}

/** The parts of ipcMain used here. */
export interface IpcMainLike {
  on(channel: string, listener: (e: IpcEventLike & { returnValue: unknown }) => void): void;
  handle(channel: string, listener: (e: IpcEventLike, ...args: unknown[]) => unknown): void;
}

/** The parts of the api service used here. */
export interface ApiLike {
  has(name: string): boolean;
  invoke(name: never, params: unknown, ctx: { emit: (ev: ApiEvent) => void }): Promise<unknown>;
}

/** What a rejected call answers (the shape the preload and renderer bridge expect). */
const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: 'Not our page.' } } as const;

/** True when the event comes from our page. */
export function fromOurPage(e: IpcEventLike): boolean {
  return isAppPageUrl(e.senderFrame?.url);
}

/**
 * Registers the api channels. `methodNames` are the contract's method names; `openPath` shows the
 * native dialog for an event that passed the sender check.
 */
export function registerApiIpc(p: {
  ipcMain: IpcMainLike;
  api: ApiLike;
  methodNames: readonly string[];
  toErrorDto: (e: unknown) => unknown;
  openPath: (e: IpcEventLike, kind: unknown) => Promise<string | null>;
}): void {
  const { ipcMain, api } = p;
  ipcMain.on(IPC.methods, (e) => {
    e.returnValue = fromOurPage(e) ? [...p.methodNames] : [];
  });
  ipcMain.handle(IPC.invoke, async (e, name: unknown, params: unknown) => {
    if (!fromOurPage(e)) return forbidden;
    if (typeof name !== 'string' || !api.has(name)) {
      return {
        ok: false,
        error: { code: 'NOT_FOUND', message: `No api method "${String(name)}".` },
      };
    }
    try {
      const result = await api.invoke(name as never, params, {
        emit: (ev: ApiEvent) => {
          if (!e.sender.isDestroyed()) e.sender.send(IPC.event, ev);
        },
      });
      return { ok: true, result };
    } catch (err) {
      return { ok: false, error: p.toErrorDto(err) };
    }
  });
  ipcMain.handle(IPC.openPath, (e, kind: unknown) =>
    fromOurPage(e) ? p.openPath(e, kind) : Promise.resolve(null),
  );
}
