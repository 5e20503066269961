/** The window's webPreferences: isolated, sandboxed, no Node, DevTools only when not packaged. */
import { describe, expect, it } from 'vitest';
import { windowOptions } from '../../../src-main/electron/windowOptions.ts';
import { APP_CSP } from '../../../src-main/api/contentSecurityPolicy.ts';

describe('windowOptions', () => {
  it('is hardened', () => {
    const w = windowOptions({ preload: '/x/preload.cjs', packaged: true }).webPreferences!;
    expect(w).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
    });
  });

  it('has DevTools in development only', () => {
    expect(windowOptions({ preload: 'p', packaged: false }).webPreferences!.devTools).toBe(true);
  });
});

describe('the Content-Security-Policy the window gets', () => {
  it('allows only our own origin and no inline or eval script', () => {
    const d = Object.fromEntries(
      APP_CSP.split(';').map((p) => {
        const [k, ...v] = p.trim().split(/\s+/);
        return [k, v];
      }),
    );
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['script-src']).not.toContain("'unsafe-inline'");
    expect(d['script-src']).not.toContain("'unsafe-eval'");
    expect(d['connect-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
  });
});
