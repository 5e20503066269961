/**
 * Electron main process (a thin transport, STYLE.md §1): one window on the built renderer served
 * from app:// (appProtocol.ts), menus, the native open dialog, and IPC as a generic loop over the
 * api contract (ipc.ts) — every payload is validated by the service. Hardened: context isolation,
 * sandbox, no Node in the page, a strict Content-Security-Policy, no remote content, navigation
 * and new windows blocked, every permission denied, DevTools off when packaged; fuses are set at
 * packaging (electron-builder.yml electronFuses). The pure parts are unit-tested in
 * test/unit/electron; this file needs the Electron binary and is not run on CI (README).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, Menu, dialog, ipcMain, net, protocol, session } from 'electron';
import {
  createApiService,
  defaultServiceOptions,
  toApiErrorDto,
  type ApiService,
} from '../api/service.ts';
import { createSecretStore } from './secretStore.ts';
import { apiMethods } from '../api/contract.ts';
import { IPC } from './channels.ts';
import { APP_CSP } from '../api/contentSecurityPolicy.ts';
import {
  APP_INDEX_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  isAllowedRequestUrl,
  resolveAppPath,
} from './appProtocol.ts';
import { registerApiIpc, type IpcEventLike, type IpcMainLike } from './ipc.ts';
import { windowOptions } from './windowOptions.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** out/main → out/renderer (the same layout in the checkout and inside the asar). */
const RENDERER_DIR = path.join(here, '..', 'renderer');
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

/** Created once the app is ready: the OS key store (safeStorage) needs a ready app. */
let api: ApiService | undefined;

/** The native open dialog: a study folder or file, or (ExportPanel) an output folder. */
async function openPath(e: IpcEventLike, kind: unknown): Promise<string | null> {
  const win = BrowserWindow.fromWebContents(e.sender as Electron.WebContents);
  if (!win) return null;
  if (kind === 'outputFolder') {
    // Where an export is written (ExportPanel): a folder, which the dialog may create.
    const out = await dialog.showOpenDialog(win, {
      title: 'Choose output folder',
      buttonLabel: 'Export here',
      properties: ['openDirectory', 'createDirectory'],
    });
    return out.canceled ? null : (out.filePaths[0] ?? null);
  }
  const r = await dialog.showOpenDialog(win, {
    title: 'Open study',
    properties: kind === 'file' ? ['openFile'] : ['openDirectory'],
    filters:
      kind === 'file' ? [{ name: 'DICOM or NIfTI', extensions: ['dcm', 'nii', 'gz', '*'] }] : [],
  });
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(windowOptions({ preload: PRELOAD, packaged: app.isPackaged }));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_INDEX_URL);
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

/**
 * Serves out/renderer on app://metakd; anything outside that folder is a 404. Each response
 * carries the CSP itself (webRequest hooks are not guaranteed to see custom-protocol responses).
 */
function serveApp(): void {
  protocol.handle(APP_SCHEME, async (req) => {
    const file = resolveAppPath(req.url, RENDERER_DIR);
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', APP_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

/** Blocks navigation, new windows, webviews, permissions and remote content. */
function harden(): void {
  const devTools = !app.isPackaged;
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault());
    contents.on('will-redirect', (ev) => ev.preventDefault());
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
  s.webRequest.onBeforeRequest((details, cb) => {
    cb({ cancel: !isAllowedRequestUrl(details.url, devTools) });
  });
  s.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
}

// Must happen before `ready` (Electron protocol API).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();
void app.whenReady().then(() => {
  harden();
  serveApp();
  const options = serviceOptions();
  api = createApiService({ ...options, secrets: createSecretStore(options.dataDir) });
  registerApiIpc({
    ipcMain: ipcMain as unknown as IpcMainLike,
    api,
    methodNames: Object.keys(apiMethods),
    toErrorDto: toApiErrorDto,
    openPath,
  });
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
// Stop the outbox loop and the inference worker before the process ends (issue 12).
let closing = false;
app.on('will-quit', (e) => {
  if (!api || closing) return;
  closing = true;
  e.preventDefault();
  void Promise.resolve(api.close?.()).finally(() => app.quit());
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
