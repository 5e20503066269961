/**
 * The main window's options (pure): context isolation, sandbox, no Node in the page, web security,
 * no DevTools in a packaged build, no spell checker (it would send words to a service).
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** Options of the one app window; `preload` is the bundled preload.cjs. */
export function windowOptions(p: {
  preload: string;
  packaged: boolean;
}): BrowserWindowConstructorOptions {
  return {
    width: 1600,
    height: 960,
    backgroundColor: '#0b0d10',
    title: 'MetaKD Review',
    show: false,
    webPreferences: {
      preload: p.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !p.packaged,
    },
  };
}
