// The loopback half of the desktop sign-in on real sockets, without an
// authorization server: the URL it builds (Bitrix24 without redirect_uri, extra
// parameters kept), a refusal from the CRM, other paths, a browser that does not
// open, and that the server is closed after a timeout (fake clock) or a cancel.
import { describe, expect, it } from 'vitest';
import { startAuthorization, type AuthorizationConfig } from '../../../src-main/core/crm/oauth/authorization';
import { systemClock } from '../../../src-main/core/clock';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import type { Clock, ExternalBrowser } from '../../../src-main/ports';
import { FakeClock } from '../../support/fake-clock';
import { crmFailure } from '../../support/crm-failure';

const log = createLoggerFactory(memorySink())('oauth/authorization');

function recordingBrowser(fail = false): ExternalBrowser & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    async open(url) {
      urls.push(url);
      if (fail) throw new Error('no browser on this desk');
    },
  };
}

const cfg: AuthorizationConfig = { crmName: 'Bitrix24', authorizeUrl: 'https://portal.bitrix24.ru/oauth/authorize/?lang=ru', clientId: 'local.123', redirectPort: 0 };

async function start(over: Partial<AuthorizationConfig> = {}, browser = recordingBrowser(), clock: Clock = systemClock) {
  const pending = await startAuthorization({ ...cfg, ...over }, { browser, clock, log });
  return { pending, browser };
}

describe('authorization URL', () => {
  it('Bitrix24 style: no redirect_uri, no PKCE, the URL’s own parameters and extra ones kept', async () => {
    const { pending, browser } = await start({ sendRedirectUri: false });
    const u = new URL(browser.urls[0] ?? '');
    expect(pending.url).toBe(browser.urls[0]);
    expect(u.origin + u.pathname).toBe('https://portal.bitrix24.ru/oauth/authorize/');
    expect(u.searchParams.get('lang')).toBe('ru');
    expect(u.searchParams.get('client_id')).toBe('local.123');
    expect(u.searchParams.get('response_type')).toBe('code');
    expect(u.searchParams.has('redirect_uri')).toBe(false);
    expect(u.searchParams.has('code_challenge')).toBe(false);
    expect(u.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    pending.cancel();
  });

  it('amoCRM style: redirect_uri, mode=post_message; the redirect returns every parameter (referer)', async () => {
    const { pending, browser } = await start({ crmName: 'amoCRM', authorizeUrl: 'https://www.amocrm.ru/oauth', extraParams: { mode: 'post_message' } });
    const u = new URL(browser.urls[0] ?? '');
    expect(u.searchParams.get('mode')).toBe('post_message');
    expect(u.searchParams.get('redirect_uri')).toBe(pending.redirectUri);
    const state = u.searchParams.get('state') ?? '';
    const res = await fetch(`${pending.redirectUri}?code=def502&state=${state}&referer=example.amocrm.ru&platform=1`);
    expect(res.status).toBe(200);
    expect(await pending.result).toEqual({ code: 'def502', params: { code: 'def502', state, referer: 'example.amocrm.ru', platform: '1' }, redirectUri: pending.redirectUri, via: 'redirect' });
  });
});

describe('outcomes', () => {
  it('a refusal on the CRM page (error=access_denied) rejects with auth and shows an error page', async () => {
    const { pending, browser } = await start();
    const state = new URL(browser.urls[0] ?? '').searchParams.get('state') ?? '';
    const res = await fetch(`${pending.redirectUri}?error=access_denied&error_description=The+user+denied+access&state=${state}`);
    expect(await res.text()).toContain('did not complete');
    const err = await crmFailure(pending.result);
    expect(err.kind).toBe('auth');
    expect(err.crmMessage).toBe('The user denied access');
    await expect(fetch(pending.redirectUri)).rejects.toThrow();
  });

  it('other paths get 404 and do not end the attempt; a code pasted later still does', async () => {
    const { pending } = await start();
    const origin = new URL(pending.redirectUri).origin;
    expect((await fetch(`${origin}/favicon.ico`)).status).toBe(404);
    expect((await fetch(pending.redirectUri, { method: 'POST', body: 'code=x' })).status).toBe(404);
    pending.submitPastedCode('pasted-code-123');
    expect(await pending.result).toMatchObject({ code: 'pasted-code-123', via: 'paste' });
    expect(() => pending.submitPastedCode('another-code')).toThrow(/already ended/);
    await expect(fetch(pending.redirectUri)).rejects.toThrow();
  });

  it('a browser that does not open leaves the attempt waiting (the UI shows the link)', async () => {
    const browser = recordingBrowser(true);
    const { pending } = await start({}, browser);
    const state = new URL(pending.url).searchParams.get('state') ?? '';
    await fetch(`${pending.redirectUri}?code=c1&state=${state}`);
    expect((await pending.result).code).toBe('c1');
  });

  it('times out on the clock and closes the server', async () => {
    const clock = new FakeClock();
    const { pending } = await start({ timeoutMs: 120_000 }, recordingBrowser(), clock);
    expect((await fetch(`${new URL(pending.redirectUri).origin}/nothing`)).status).toBe(404);
    clock.advance(119_999);
    clock.advance(1);
    const err = await crmFailure(pending.result);
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('Sign-in to Bitrix24 was not completed within 2 min: start it again');
    await expect(fetch(pending.redirectUri)).rejects.toThrow();
    expect(clock.pending).toBe(0);
  });

  it('cancel rejects, closes the server and clears the timer', async () => {
    const clock = new FakeClock();
    const { pending } = await start({}, recordingBrowser(), clock);
    pending.cancel();
    expect((await crmFailure(pending.result)).message).toBe('Sign-in to Bitrix24 was cancelled');
    await expect(fetch(pending.redirectUri)).rejects.toThrow();
    expect(clock.pending).toBe(0);
  });
});
