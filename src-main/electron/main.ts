/**
 * Electron main process (a thin transport, STYLE.md §1): one window on the built renderer, menus,
 * the native open dialog, and IPC as a generic loop over the api contract — every payload is
 * validated by the service. Hardened: context isolation, sandbox, no Node in the page, a strict
 * Content-Security-Policy, no remote content, navigation and new windows blocked, no permissions.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  Menu,
  dialog,
  ipcMain,
  session,
  type IpcMainInvokeEvent,
} from 'electron';
import { createApiService, defaultServiceOptions, toApiErrorDto } from '../api/service.ts';
import { apiMethods, type ApiEvent } from '../api/contract.ts';
import { IPC } from './channels.ts';
import { APP_CSP } from '../api/contentSecurityPolicy.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** out/electron → out/renderer (the same layout in the checkout and inside the asar). */
const RENDERER_INDEX = path.join(here, '..', 'renderer', 'index.html');
const PRELOAD = path.join(here, 'preload.cjs');

/** Models unpacked from the asar when packaged (electron-builder.yml asarUnpack), else the checkout's. */
function serviceOptions() {
  const base = defaultServiceOptions();
  if (!app.isPackaged) return base;
  return {
    ...base,
    dataDir: process.env.METAKD_HOME ?? app.getPath('userData'),
    modelsDir:
      process.env.METAKD_MODELS ?? path.join(process.resourcesPath, 'app.asar.unpacked', 'models'),
  };
}

const api = createApiService(serviceOptions());
const rendererUrl = pathToFileURL(RENDERER_INDEX).href;

/** Only our own page may call the api. */
function fromOurPage(e: IpcMainInvokeEvent): boolean {
  return e.senderFrame?.url.split('#')[0] === rendererUrl;
}

function registerIpc(): void {
  ipcMain.on(IPC.methods, (e) => {
    e.returnValue = Object.keys(apiMethods);
  });
  ipcMain.handle(IPC.invoke, async (e, name: unknown, params: unknown) => {
    if (!fromOurPage(e))
      return { ok: false, error: { code: 'FORBIDDEN', message: 'Not our page.' } };
    if (typeof name !== 'string' || !api.has(name)) {
      return {
        ok: false,
        error: { code: 'NOT_FOUND', message: `No api method "${String(name)}".` },
      };
    }
    try {
      const result = await api.invoke(name, params, {
        emit: (ev: ApiEvent) => {
          if (!e.sender.isDestroyed()) e.sender.send(IPC.event, ev);
        },
      });
      return { ok: true, result };
    } catch (err) {
      return { ok: false, error: toApiErrorDto(err) };
    }
  });
  ipcMain.handle(IPC.openPath, async (e, kind: unknown) => {
    const win = BrowserWindow.fromWebContents(e.sender);
    if (!win || !fromOurPage(e)) return null;
    const r = await dialog.showOpenDialog(win, {
      title: 'Open study',
      properties: kind === 'file' ? ['openFile'] : ['openDirectory'],
      filters:
        kind === 'file' ? [{ name: 'DICOM or NIfTI', extensions: ['dcm', 'nii', 'gz', '*'] }] : [],
    });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1600,
    height: 960,
    backgroundColor: '#0b0d10',
    title: 'MetaKD Review',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(RENDERER_INDEX);
  return win;
}

function buildMenu(): void {
  const open = (kind: 'folder' | 'file') => () => {
    BrowserWindow.getFocusedWindow()?.webContents.send(IPC.menuOpen, kind);
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: open('folder') },
          { label: 'Open File…', accelerator: 'CmdOrCtrl+Shift+O', click: open('file') },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { label: 'View', submenu: [{ role: 'resetZoom' }, { role: 'togglefullscreen' }] },
    ]),
  );
}

/** Blocks navigation, new windows, webviews and permission requests for every web contents. */
function harden(): void {
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault());
    contents.on('will-redirect', (ev) => ev.preventDefault());
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.webRequest.onBeforeRequest((details, cb) => {
    // No remote content: only our files and in-page data/blob URLs load.
    cb({ cancel: !/^(file|data|blob|devtools):/.test(details.url) });
  });
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
}

app.enableSandbox();
void app.whenReady().then(() => {
  harden();
  registerIpc();
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
