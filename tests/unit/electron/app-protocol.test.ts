// The app:// URL -> file mapping: everything inside dist/renderer is served,
// nothing outside it, however the path is spelled.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, contentTypeOf, isAppUrl, resolveAppAsset } from '../../../src-main/hosts/electron/app-protocol';

const ROOT = '/opt/sidecall/dist/renderer';

describe('resolveAppAsset', () => {
  it('maps the entry page and assets under the renderer folder', () => {
    expect(resolveAppAsset(ROOT, APP_ENTRY_URL)).toEqual({ ok: true, file: `${ROOT}/index.html` });
    expect(resolveAppAsset(ROOT, 'app://sidecall/')).toEqual({ ok: true, file: `${ROOT}/index.html` });
    expect(resolveAppAsset(ROOT, 'app://sidecall/assets/index-abc.js?v=1#x')).toEqual({ ok: true, file: `${ROOT}/assets/index-abc.js` });
    expect(resolveAppAsset(ROOT, 'app://sidecall/assets/a%20b.css')).toEqual({ ok: true, file: `${ROOT}/assets/a b.css` });
  });

  it.each([
    'app://sidecall/../../etc/passwd',
    'app://sidecall/%2e%2e/%2e%2e/etc/passwd',
    'app://sidecall/assets/%2e%2e%2f%2e%2e%2f..%2fetc%2fpasswd',
    'app://sidecall/..%2f..%2fsecrets.json',
    'app://sidecall/%2F%2Fetc/passwd',
  ])('never leaves the renderer folder: %s', (url) => {
    const r = resolveAppAsset(ROOT, url);
    if (r.ok) expect(r.file.startsWith(`${ROOT}/`)).toBe(true);
    else expect([400, 403]).toContain(r.status);
  });

  it('refuses encoded parent segments that would escape', () => {
    expect(resolveAppAsset(ROOT, 'app://sidecall/assets/..%2f..%2f..%2fsecrets.json')).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses NUL bytes, bad escapes, other hosts and schemes', () => {
    expect(resolveAppAsset(ROOT, 'app://sidecall/index.html%00.png')).toMatchObject({ ok: false, status: 400 });
    expect(resolveAppAsset(ROOT, 'app://sidecall/%E0%A4%A')).toMatchObject({ ok: false, status: 400 });
    expect(resolveAppAsset(ROOT, 'app://evil/index.html')).toMatchObject({ ok: false, status: 404 });
    expect(resolveAppAsset(ROOT, 'file:///etc/passwd')).toMatchObject({ ok: false, status: 404 });
    expect(resolveAppAsset(ROOT, 'not a url')).toMatchObject({ ok: false, status: 400 });
  });

  it('follows Windows path rules: backslashes and drive letters cannot escape', () => {
    const winRoot = 'C:\\Program Files\\Sidecall\\resources\\app.asar\\dist\\renderer';
    expect(resolveAppAsset(winRoot, 'app://sidecall/assets/x.js', path.win32)).toEqual({ ok: true, file: `${winRoot}\\assets\\x.js` });
    expect(resolveAppAsset(winRoot, 'app://sidecall/..%5c..%5c..%5cWindows%5cwin.ini', path.win32)).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppAsset(winRoot, 'app://sidecall/C:%5cWindows%5cwin.ini', path.win32)).toMatchObject({ ok: false, status: 403 });
    // A UNC-looking path loses its leading slashes and stays a relative name inside the folder.
    expect(resolveAppAsset(winRoot, 'app://sidecall/%5c%5cserver%5cshare%5cx', path.win32)).toEqual({ ok: true, file: `${winRoot}\\server\\share\\x` });
  });
});

describe('isAppUrl / contentTypeOf', () => {
  it('recognises only our origin', () => {
    expect(isAppUrl('app://sidecall/index.html')).toBe(true);
    expect(isAppUrl('app://sidecall.evil/index.html')).toBe(false);
    expect(isAppUrl('https://sidecall/')).toBe(false);
    expect(isAppUrl('')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });

  it('types the files Vite emits and sends the rest as bytes', () => {
    expect(contentTypeOf('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('/x/a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('/x/a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('/x/a.woff2')).toBe('font/woff2');
    expect(contentTypeOf('/x/a.exe')).toBe('application/octet-stream');
  });
});
