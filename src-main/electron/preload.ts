/**
 * Preload (sandboxed, bundled to CommonJS): exposes `window.metakd` through the contextBridge —
 * api calls by name (only names the contract has), api events, the native open dialog and the
 * path of a dropped file. Never raw ipcRenderer. Shape: src-renderer/lib/bridge.ts PreloadBridge.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC } from './channels.ts';

const methods = new Set<string>(ipcRenderer.sendSync(IPC.methods) as string[]);

contextBridge.exposeInMainWorld('metakd', {
  methods: [...methods],
  invoke(name: string, params: unknown) {
    if (!methods.has(name)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'NOT_FOUND', message: `No api method "${name}".` },
      });
    }
    return ipcRenderer.invoke(IPC.invoke, name, params);
  },
  onEvent(listener: (event: unknown) => void) {
    const h = (_e: IpcRendererEvent, ev: unknown) => listener(ev);
    ipcRenderer.on(IPC.event, h);
    return () => ipcRenderer.removeListener(IPC.event, h);
  },
  openPath(kind: 'folder' | 'file' | 'outputFolder') {
    const k = kind === 'file' || kind === 'outputFolder' ? kind : 'folder';
    return ipcRenderer.invoke(IPC.openPath, k);
  },
  onMenuOpen(listener: (kind: 'folder' | 'file') => void) {
    const h = (_e: IpcRendererEvent, kind: 'folder' | 'file') => listener(kind);
    ipcRenderer.on(IPC.menuOpen, h);
    return () => ipcRenderer.removeListener(IPC.menuOpen, h);
  },
  pathForFile(file: File) {
    return webUtils.getPathForFile(file) || null;
  },
});
