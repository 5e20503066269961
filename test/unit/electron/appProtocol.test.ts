/** app:// → file mapping stays inside the renderer folder; only our page counts as ours. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import {
  APP_INDEX_URL,
  isAllowedRequestUrl,
  isAppPageUrl,
  resolveAppPath,
} from '../../../src-main/electron/appProtocol.ts';

const DIR = path.resolve('/opt/app/out/renderer');

describe('resolveAppPath', () => {
  it('maps our URLs to files in the renderer folder', () => {
    expect(resolveAppPath(APP_INDEX_URL, DIR)).toBe(path.join(DIR, 'index.html'));
    expect(resolveAppPath('app://metakd/', DIR)).toBe(path.join(DIR, 'index.html'));
    expect(resolveAppPath('app://metakd/assets/index-1.js?x=1#y', DIR)).toBe(
      path.join(DIR, 'assets', 'index-1.js'),
    );
    expect(resolveAppPath('app://metakd/assets/a%20b.css', DIR)).toBe(
      path.join(DIR, 'assets', 'a b.css'),
    );
  });

  it('keeps dot segments inside the folder (the URL parser removes them first)', () => {
    for (const url of ['app://metakd/../../etc/passwd', 'app://metakd/%2e%2e/%2e%2e/etc/passwd']) {
      expect(resolveAppPath(url, DIR), url).toBe(path.join(DIR, 'etc', 'passwd'));
    }
  });

  it('refuses anything that would leave the folder or is not ours', () => {
    for (const url of [
      'app://metakd/assets/..%2f..%2f..%2fetc%2fpasswd',
      'app://metakd/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      'app://metakd/..%5c..%5cwindows',
      'app://metakd/a%00.html',
      'app://metakd/%E0%A4%A',
      'app://other/index.html',
      'file:///opt/app/out/renderer/index.html',
      'https://metakd/index.html',
      'not a url',
    ]) {
      expect(resolveAppPath(url, DIR), url).toBeNull();
    }
  });
});

describe('isAppPageUrl / isAllowedRequestUrl', () => {
  it('accepts our origin only', () => {
    expect(isAppPageUrl(`${APP_INDEX_URL}#/study`)).toBe(true);
    expect(isAppPageUrl('file:///opt/app/out/renderer/index.html')).toBe(false);
    expect(isAppPageUrl('app://metakd.evil/index.html')).toBe(false);
    expect(isAppPageUrl(undefined)).toBe(false);
    expect(isAppPageUrl('')).toBe(false);
  });

  it('lets the window load our files and in-page data only', () => {
    expect(isAllowedRequestUrl('app://metakd/assets/x.wasm', false)).toBe(true);
    expect(isAllowedRequestUrl('blob:app://metakd/1234', false)).toBe(true);
    expect(isAllowedRequestUrl('data:image/png;base64,AA', false)).toBe(true);
    expect(isAllowedRequestUrl('https://example.org/x.js', false)).toBe(false);
    expect(isAllowedRequestUrl('file:///etc/passwd', false)).toBe(false);
    expect(isAllowedRequestUrl('devtools://devtools/bundled/x', false)).toBe(false);
    expect(isAllowedRequestUrl('devtools://devtools/bundled/x', true)).toBe(true);
  });
});
