/** IPC registration over the contract, with a fake ipcMain: every channel checks its sender. */
import { describe, expect, it } from 'vitest';
import { IPC } from '../../../src-main/electron/channels.ts';
import {
  registerApiIpc,
  type IpcEventLike,
  type IpcMainLike,
} from '../../../src-main/electron/ipc.ts';
import { apiMethods } from '../../../src-main/api/contract.ts';

type Listener = (e: IpcEventLike & { returnValue: unknown }, ...a: unknown[]) => unknown;

function setup() {
  const on = new Map<string, Listener>();
  const handle = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    on: (c, l) => on.set(c, l as Listener),
    handle: (c, l) => handle.set(c, l as Listener),
  };
  const sent: unknown[] = [];
  const calls: [string, unknown][] = [];
  registerApiIpc({
    ipcMain,
    api: {
      has: (n) => n in apiMethods,
      invoke: async (name: never, params, ctx) => {
        calls.push([name, params]);
        ctx.emit({ type: 'job-progress' } as never);
        if (name === 'ping') return { version: '9.9.9' };
        throw new Error('boom');
      },
    },
    methodNames: Object.keys(apiMethods),
    toErrorDto: (e) => ({ code: 'INTERNAL', message: (e as Error).message }),
    openPath: async () => '/picked',
  });
  const event = (url: string | undefined) => ({
    senderFrame: url === undefined ? null : { url },
    sender: { isDestroyed: () => false, send: (_c: string, p: unknown) => sent.push(p) },
    returnValue: undefined as unknown,
  });
  return { on, handle, sent, calls, event };
}

const OURS = 'app://metakd/index.html#/';
const THEIRS = 'https://evil.example/';

describe('registerApiIpc', () => {
  it('registers exactly the channels of channels.ts', () => {
    const { on, handle } = setup();
    expect([...on.keys()]).toEqual([IPC.methods]);
    expect([...handle.keys()].sort()).toEqual([IPC.invoke, IPC.openPath].sort());
  });

  it('gives the method names to our page only (the sync handler checks its sender)', () => {
    const { on, event } = setup();
    const ours = event(OURS);
    on.get(IPC.methods)!(ours);
    expect(ours.returnValue).toEqual(Object.keys(apiMethods));
    for (const url of [THEIRS, undefined, 'file:///x/index.html']) {
      const e = event(url);
      on.get(IPC.methods)!(e);
      expect(e.returnValue).toEqual([]);
    }
  });

  it('invokes contract methods for our page, forwarding events and errors', async () => {
    const { handle, event, sent, calls } = setup();
    const inv = handle.get(IPC.invoke)!;
    expect(await inv(event(OURS), 'ping', {})).toEqual({ ok: true, result: { version: '9.9.9' } });
    expect(sent).toHaveLength(1);
    expect(await inv(event(OURS), 'listSessions', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'boom' },
    });
    expect(await inv(event(OURS), 'rm -rf', {})).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await inv(event(OURS), 42, {})).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(calls.map((c) => c[0])).toEqual(['ping', 'listSessions']);
  });

  it('refuses every other sender before touching the api or a dialog', async () => {
    const { handle, event, calls } = setup();
    expect(await handle.get(IPC.invoke)!(event(THEIRS), 'ping', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await handle.get(IPC.openPath)!(event(THEIRS), 'folder')).toBeNull();
    expect(await handle.get(IPC.openPath)!(event(OURS), 'folder')).toBe('/picked');
    expect(calls).toEqual([]);
  });
});
