// The Electron host's security decisions, checked without Electron.
import { describe, expect, it } from 'vitest';
import { externalUrlToOpen, isNavigationAllowed, isPermissionAllowed, isRequestAllowed, isTrustedSender, urlForLog } from '../../../src-main/hosts/electron/security-policy';

describe('isTrustedSender', () => {
  const ok = { frameUrl: 'app://sidecall/index.html', isMainFrame: true, isOurWindow: true };
  it('trusts only the top frame of our window on our page', () => {
    expect(isTrustedSender(ok)).toBe(true);
    expect(isTrustedSender({ ...ok, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ ...ok, isOurWindow: false })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'https://evil.example/' })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'file:///tmp/x.html' })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'app://other/index.html' })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: null })).toBe(false);
  });
});

describe('navigation and external links', () => {
  it('keeps windows on app://sidecall', () => {
    expect(isNavigationAllowed('app://sidecall/index.html')).toBe(true);
    expect(isNavigationAllowed('https://crm.example.com/')).toBe(false);
    expect(isNavigationAllowed('file:///etc/passwd')).toBe(false);
    expect(isNavigationAllowed('javascript:alert(1)')).toBe(false);
  });

  it('hands only https links to the system browser', () => {
    expect(externalUrlToOpen('https://crm.example.com/contacts/1')).toBe('https://crm.example.com/contacts/1');
    expect(externalUrlToOpen('http://crm.example.com/')).toBeNull();
    expect(externalUrlToOpen('file:///C:/Windows/System32/calc.exe')).toBeNull();
    expect(externalUrlToOpen('smb://server/share')).toBeNull();
    expect(externalUrlToOpen('ms-msdt:/id PCWDiagnostic')).toBeNull();
    expect(externalUrlToOpen('javascript:alert(1)')).toBeNull();
    expect(externalUrlToOpen('nonsense')).toBeNull();
  });
});

describe('permissions', () => {
  it('grants media and notifications to our origin only', () => {
    expect(isPermissionAllowed('media', 'app://sidecall/index.html')).toBe(true);
    expect(isPermissionAllowed('notifications', 'app://sidecall')).toBe(true);
    // "Copy diagnostics" writes to the clipboard; nothing may read it.
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://sidecall/index.html')).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(isPermissionAllowed('media', 'https://evil.example/')).toBe(false);
    expect(isPermissionAllowed('media', undefined)).toBe(false);
    for (const p of ['geolocation', 'clipboard-read', 'openExternal', 'display-capture', 'hid', 'serial', 'usb', 'fullscreen', 'unknown']) {
      expect(isPermissionAllowed(p, 'app://sidecall/')).toBe(false);
    }
  });
});

describe('requests', () => {
  it('allows local schemes and refuses remote content', () => {
    expect(isRequestAllowed('app://sidecall/assets/x.js')).toBe(true);
    expect(isRequestAllowed('data:image/png;base64,AAAA')).toBe(true);
    expect(isRequestAllowed('blob:app://sidecall/123')).toBe(true);
    expect(isRequestAllowed('devtools://devtools/bundled/inspector.html')).toBe(true);
    expect(isRequestAllowed('app://other/x.js')).toBe(false);
    expect(isRequestAllowed('https://cdn.example.com/lib.js')).toBe(false);
    expect(isRequestAllowed('http://127.0.0.1:8088/')).toBe(false);
    expect(isRequestAllowed('wss://pbx.example.com:8089/ws')).toBe(false);
    expect(isRequestAllowed('file:///etc/passwd')).toBe(false);
    expect(isRequestAllowed('::')).toBe(false);
  });

  it('allows an origin added on purpose, and only that origin', () => {
    const extra = ['wss://pbx.example.com:8089'];
    expect(isRequestAllowed('wss://pbx.example.com:8089/ws', extra)).toBe(true);
    expect(isRequestAllowed('wss://pbx.example.com:8090/ws', extra)).toBe(false);
    expect(isRequestAllowed('https://pbx.example.com:8089/ws', extra)).toBe(false);
  });

  it('logs URLs without their query string', () => {
    expect(urlForLog('https://crm.example.com/cb?code=SECRET&state=x')).toBe('https://crm.example.com/cb');
  });
});
