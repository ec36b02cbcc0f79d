// The generic OAuth client against a real authorization server: oidc-provider on
// 127.0.0.1 with a native (RFC 8252) public client, PKCE required, refresh-token
// rotation on and a short access-token lifetime. A plain HTTP client plays the
// system browser (follows the authorization URL, completes the login/consent
// interaction through oidc-provider's interaction API, lands on Sidecall's
// loopback redirect). A small API server in front of the AS's token store plays
// the CRM's API, so requests really succeed or get 401.
import http from 'node:http';
import { Provider } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError } from '../../../src-main/core/crm/errors';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import type { CrmHttp } from '../../../src-main/core/crm/http/types';
import { startAuthorization, type PendingAuthorization } from '../../../src-main/core/crm/oauth/authorization';
import { createTokenClient, type TokenClient } from '../../../src-main/core/crm/oauth/token-client';
import { createTokenManager, type TokenManager } from '../../../src-main/core/crm/oauth/token-manager';
import { createTokenVault, StoredTokensSchema, type StoredTokens } from '../../../src-main/core/crm/oauth/token-vault';
import { systemClock } from '../../../src-main/core/clock';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { CRM_SECRET_ACCOUNTS } from '../../../src-shared/domain/crm-settings';
import type { Clock, ExternalBrowser } from '../../../src-main/ports';
import { FakeClock } from '../../support/fake-clock';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { closeServer, listenOnLoopback } from '../../support/loopback';

const CLIENT_ID = 'sidecall-desktop';
const ACCESS_TTL_S = 60;
const TOKENS_ACCOUNT = CRM_SECRET_ACCOUNTS.tokens('generic');

/** What happened, in order, across the keychain, the AS and the API: for "saved before used". */
type Event = { readonly kind: 'keychain'; readonly record: StoredTokens } | { readonly kind: 'api'; readonly token: string; readonly ok: boolean };
const events: Event[] = [];

let provider: Provider;
let issuer = '';
let asServer: http.Server;
let apiServer: http.Server;
let apiUrl = '';
let tokenRequests = 0;
let interactions = 0;
const sink = memorySink(5000);
const logs = createLoggerFactory(sink, 'debug');

beforeAll(async () => {
  let handle: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, r) => r.end();
  asServer = http.createServer((req, res) => handle(req, res));
  const asPort = await listenOnLoopback(asServer);
  issuer = `http://127.0.0.1:${asPort}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // RFC 8252 7.3: for a native client the AS accepts any port of a loopback redirect.
        redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1:9/shown-code'],
      },
    ],
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: ACCESS_TTL_S, AuthorizationCode: 60, RefreshToken: 86_400, Grant: 86_400, Session: 3600, Interaction: 600 },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: ['sidecall-test-cookie-key'] },
  });
  const callback = provider.callback();
  handle = (req, res) => {
    if (req.url === '/token' && req.method === 'POST') tokenRequests++;
    if (req.url?.startsWith('/interaction/')) {
      // The operator logs in and consents: finished through oidc-provider's interaction API.
      interactions++;
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: 'op101', clientId: String(details.params['client_id']) });
        grant.addOIDCScope(String(details.params['scope']));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: 'op101' }, consent: { grantId } }, { mergeWithLastSubmission: false });
      })().catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
      return;
    }
    callback(req, res);
  };

  // The "CRM API": accepts exactly the access tokens the AS considers valid now.
  apiServer = http.createServer((req, res) => {
    void (async () => {
      const token = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')?.[1] ?? '';
      const at = token ? await provider.AccessToken.find(token) : undefined;
      events.push({ kind: 'api', token, ok: at !== undefined });
      res.writeHead(at ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(at ? { account: at.accountId } : { error: 'invalid_token' }));
    })();
  });
  apiUrl = `http://127.0.0.1:${await listenOnLoopback(apiServer)}`;
});

afterAll(async () => {
  await closeServer(asServer);
  await closeServer(apiServer);
});

/** Cookies of the AS, by name (enough for oidc-provider's interaction and session cookies). */
class CookieJar {
  private readonly jar = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
  header(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

interface BrowserVisit {
  /** The last address the browser loaded (the loopback callback, or where it stopped). */
  readonly finalUrl: string;
  readonly status: number;
  readonly contentType: string;
  readonly csp: string;
  readonly body: string;
}

/**
 * The "system browser": follows redirects like a browser would, keeps the AS's
 * cookies, and stops at an address starting with `stopAt` (a page that only shows
 * the code) without loading it.
 */
function testBrowser(options: { stopAt?: string; rewrite?: (url: string) => string } = {}): ExternalBrowser & { visit: Promise<BrowserVisit>; opened: string[] } {
  const opened: string[] = [];
  let resolveVisit!: (v: BrowserVisit) => void;
  let rejectVisit!: (e: unknown) => void;
  const visit = new Promise<BrowserVisit>((resolve, reject) => {
    resolveVisit = resolve;
    rejectVisit = reject;
  });
  visit.catch(() => undefined);
  const jar = new CookieJar();
  const browse = async (start: string): Promise<BrowserVisit> => {
    let url = start;
    for (let hop = 0; hop < 20; hop++) {
      if (options.stopAt && url.startsWith(options.stopAt)) return { finalUrl: url, status: 0, contentType: '', csp: '', body: '' };
      const toAs = url.startsWith(issuer);
      const res = await fetch(url, { redirect: 'manual', headers: toAs ? { cookie: jar.header() } : {} });
      if (toAs) jar.take(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, url).toString();
        url = options.rewrite ? options.rewrite(next) : next;
        continue;
      }
      return { finalUrl: url, status: res.status, contentType: res.headers.get('content-type') ?? '', csp: res.headers.get('content-security-policy') ?? '', body: await res.text() };
    }
    throw new Error('too many redirects');
  };
  return {
    opened,
    visit,
    async open(url) {
      opened.push(url);
      browse(url).then(resolveVisit, rejectVisit);
    },
  };
}

function tokenClient(redirectUri?: string, clock: Clock = systemClock): TokenClient {
  return createTokenClient({ crmName: 'TestAS', style: 'form', tokenUrl: `${issuer}/token`, clientId: CLIENT_ID, redirectUri }, { clock, log: logs('oauth/token') });
}

/** A keychain that records every write and takes a moment to write (so "saved before used" is not luck). */
class RecordingSecretStore extends MemorySecretStore {
  failWrites = false;
  override async set(account: string, secret: string): Promise<void> {
    await new Promise((r) => setTimeout(r, 20));
    if (this.failWrites) throw new Error('keychain locked');
    await super.set(account, secret);
    if (account === TOKENS_ACCOUNT) events.push({ kind: 'keychain', record: StoredTokensSchema.parse(JSON.parse(secret)) });
  }
}

interface Session {
  readonly secrets: RecordingSecretStore;
  readonly manager: TokenManager;
  readonly api: CrmHttp;
  readonly clock: FakeClock;
}

/** A full sign-in through the browser (free loopback port, PKCE), then a token manager and an API client on it. */
async function signIn(): Promise<Session> {
  const browser = testBrowser();
  const pending = await startAuthorization(
    { crmName: 'TestAS', authorizeUrl: `${issuer}/auth`, clientId: CLIENT_ID, redirectPort: 0, pkce: true, scope: 'openid offline_access', extraParams: { prompt: 'consent' } },
    { browser, clock: systemClock, log: logs('oauth/authorization') },
  );
  const result = await pending.result;
  const clock = new FakeClock(Date.now());
  const client = tokenClient(result.redirectUri, clock);
  const tokens = await client.exchangeCode(result.code, { codeVerifier: result.codeVerifier });
  const secrets = new RecordingSecretStore();
  const manager = createTokenManager({ crmName: 'TestAS', vault: createTokenVault(secrets, 'generic', logs('oauth/vault')), refresh: (rt) => client.refresh(rt), clock, log: logs('oauth/tokens') });
  await manager.signIn(tokens, 'op101@test-as');
  const api = createCrmHttp({ baseUrl: apiUrl, crmName: 'TestAS', auth: { kind: 'bearer', tokens: manager }, clock: systemClock, log: logs('crm/http') });
  return { secrets, manager, api, clock };
}

async function stored(secrets: MemorySecretStore): Promise<StoredTokens> {
  return StoredTokensSchema.parse(JSON.parse((await secrets.get(TOKENS_ACCOUNT)) ?? 'null'));
}

async function revokeAtAs(refreshToken: string): Promise<void> {
  const res = await fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID }),
  });
  expect(res.status).toBe(200);
}

describe('sign-in through the system browser', () => {
  it('gets a code over the loopback redirect, exchanges it with PKCE and keeps the tokens in the keychain', async () => {
    const browser = testBrowser();
    const interactionsBefore = interactions;
    const pending = await startAuthorization(
      { crmName: 'TestAS', authorizeUrl: `${issuer}/auth`, clientId: CLIENT_ID, redirectPort: 0, pkce: true, scope: 'openid offline_access', extraParams: { prompt: 'consent' } },
      { browser, clock: systemClock, log: logs('oauth/authorization') },
    );
    expect(pending.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const authUrl = new URL(browser.opened[0] ?? '');
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authUrl.searchParams.get('redirect_uri')).toBe(pending.redirectUri);

    const result = await pending.result;
    expect(result.via).toBe('redirect');
    expect(result.params['state']).toBe(authUrl.searchParams.get('state'));
    expect(result.params['iss']).toBe(issuer);
    expect(interactions).toBeGreaterThan(interactionsBefore);

    const page = await browser.visit;
    expect(page.finalUrl.startsWith(pending.redirectUri)).toBe(true);
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.csp).toContain("default-src 'none'");
    expect(page.body).toContain('You can close this tab and return to Sidecall');
    expect(page.body).toContain('Эту вкладку можно закрыть');
    expect(page.body).not.toMatch(/<script|https?:\/\//);

    const requestsBefore = tokenRequests;
    const tokens = await tokenClient().exchangeCode(result.code, { codeVerifier: result.codeVerifier, redirectUri: result.redirectUri });
    expect(tokenRequests - requestsBefore).toBe(1);
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());

    const secrets = new MemorySecretStore();
    const manager = createTokenManager({ crmName: 'TestAS', vault: createTokenVault(secrets, 'generic', logs('v')), refresh: (rt) => tokenClient().refresh(rt), clock: systemClock, log: logs('t') });
    const statuses: string[] = [];
    manager.onStatus((s) => statuses.push(s));
    await manager.load();
    expect(manager.status()).toBe('signedOut');
    await manager.signIn(tokens, 'op101@test-as');
    expect(statuses).toEqual(['connected']);
    expect(manager.account()).toBe('op101@test-as');
    const kept = await stored(secrets);
    expect(kept.tokens.accessToken).toBe(tokens.accessToken);
    expect(kept.tokens.refreshToken).toBe(tokens.refreshToken);

    const api = createCrmHttp({ baseUrl: apiUrl, crmName: 'TestAS', auth: { kind: 'bearer', tokens: manager }, clock: systemClock, log: logs('crm/http') });
    expect((await api.request({ method: 'GET', url: '/me' })).data).toEqual({ account: 'op101' });

    // The loopback server is gone once the code arrived.
    await expect(fetch(pending.redirectUri)).rejects.toThrow();
  });

  it('the AS refuses the code without the right PKCE verifier, which maps to a sign-in error', async () => {
    const browser = testBrowser();
    const pending = await startAuthorization(
      { crmName: 'TestAS', authorizeUrl: `${issuer}/auth`, clientId: CLIENT_ID, redirectPort: 0, pkce: true, scope: 'openid' },
      { browser, clock: systemClock, log: logs('oauth/authorization') },
    );
    const result = await pending.result;
    const err = await tokenClient(result.redirectUri)
      .exchangeCode(result.code, { codeVerifier: 'x'.repeat(43) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'auth', status: 400 });
    expect((err as CrmError).message).toContain('invalid_grant');
    // The same code with the verifier of this attempt is accepted: the verifier was the difference.
    const tokens = await tokenClient(result.redirectUri).exchangeCode(result.code, { codeVerifier: result.codeVerifier });
    expect(tokens.accessToken).toBeTruthy();
  });

  it('refuses a redirect whose state does not match, with an error page, and closes the loopback server', async () => {
    // The "browser" comes back with a forged state (a CSRF attempt or a stale tab).
    const browser = testBrowser({ rewrite: (url) => (url.includes('/callback?') ? url.replace(/state=[^&]+/, 'state=forged') : url) });
    const pending: PendingAuthorization = await startAuthorization(
      { crmName: 'TestAS', authorizeUrl: `${issuer}/auth`, clientId: CLIENT_ID, redirectPort: 0, pkce: true, scope: 'openid' },
      { browser, clock: systemClock, log: logs('oauth/authorization') },
    );
    const err = await pending.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrmError);
    expect((err as CrmError).kind).toBe('auth');
    expect((err as CrmError).message).toContain('state mismatch');
    const page = await browser.visit;
    expect(page.status).toBe(400);
    expect(page.body).toContain('did not complete');
    await expect(fetch(pending.redirectUri)).rejects.toThrow();
  });

  it('takes a pasted redirect address when the CRM only shows the code, and the fixed redirect port of the settings', async () => {
    // Paste mode: the AS redirects to a page that is not ours; the operator copies the address.
    const browser = testBrowser({ stopAt: 'http://127.0.0.1:9/shown-code' });
    const pending = await startAuthorization(
      { crmName: 'TestAS', authorizeUrl: `${issuer}/auth`, clientId: CLIENT_ID, redirectPort: 0, fixedRedirectUri: 'http://127.0.0.1:9/shown-code', pkce: true, scope: 'openid' },
      { browser, clock: systemClock, log: logs('oauth/authorization') },
    );
    const shown = await browser.visit;
    expect(() => pending.submitPastedCode('not a code at all')).toThrow(/not an authorization code/);
    expect(() => pending.submitPastedCode(shown.finalUrl.replace(/state=[^&]+/, 'state=old'))).toThrow(/state mismatch/);
    pending.submitPastedCode(`  ${shown.finalUrl}  `);
    const result = await pending.result;
    expect(result.via).toBe('paste');
    const tokens = await tokenClient().exchangeCode(result.code, { codeVerifier: result.codeVerifier, redirectUri: result.redirectUri });
    expect(tokens.accessToken).toBeTruthy();

    // A fixed port (amoCRM/Bitrix24 register the redirect exactly): used as given, and a taken one says what to do.
    const probe = http.createServer();
    const port = await listenOnLoopback(probe);
    const taken = await startAuthorization(
      { crmName: 'TestAS', authorizeUrl: `${issuer}/auth`, clientId: CLIENT_ID, redirectPort: port, pkce: true },
      { browser: testBrowser(), clock: systemClock, log: logs('oauth/authorization') },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(taken).toBeInstanceOf(CrmError);
    expect((taken as CrmError).kind).toBe('config');
    expect((taken as CrmError).message).toBe(
      `Port ${port} is in use: close the other program or change the redirect port in Settings -> CRM; the TestAS app's redirect URL must match`,
    );
    await closeServer(probe);
    const fixedBrowser = testBrowser();
    const fixed = await startAuthorization(
      { crmName: 'TestAS', authorizeUrl: `${issuer}/auth`, clientId: CLIENT_ID, redirectPort: port, pkce: true, scope: 'openid' },
      { browser: fixedBrowser, clock: systemClock, log: logs('oauth/authorization') },
    );
    expect(fixed.redirectUri).toBe(`http://127.0.0.1:${port}/callback`);
    expect((await fixed.result).redirectUri).toBe(`http://127.0.0.1:${port}/callback`);
  });
});

describe('refresh', () => {
  it('expiry in the middle of a burst of 20: one refresh, rotated refresh token saved before the new access token is used', async () => {
    const s = await signIn();
    const first = await stored(s.secrets);
    const before = tokenRequests;
    const eventsBefore = events.length;

    const burst: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) burst.push(s.api.request({ method: 'GET', url: `/r${i}` }));
    // Once the API has seen the first ten, the access token expires; ten more follow.
    while (events.length - eventsBefore < 10) await new Promise((r) => setImmediate(r));
    s.clock.advance(ACCESS_TTL_S * 1000);
    for (let i = 10; i < 20; i++) burst.push(s.api.request({ method: 'GET', url: `/r${i}` }));
    const results = await Promise.all(burst);
    expect(results.every((r) => (r as { status: number }).status === 200)).toBe(true);
    expect(tokenRequests - before).toBe(1);

    const second = await stored(s.secrets);
    expect(second.tokens.refreshToken).toBeTruthy();
    expect(second.tokens.refreshToken).not.toBe(first.tokens.refreshToken); // rotated
    expect(second.tokens.accessToken).not.toBe(first.tokens.accessToken);
    const mine = events.slice(eventsBefore);
    const saved = mine.findIndex((e) => e.kind === 'keychain' && e.record.tokens.accessToken === second.tokens.accessToken);
    const firstUse = mine.findIndex((e) => e.kind === 'api' && e.token === second.tokens.accessToken);
    expect(saved).toBeGreaterThanOrEqual(0);
    expect(firstUse).toBeGreaterThan(saved);
    expect(mine.filter((e) => e.kind === 'api' && e.token === second.tokens.accessToken)).toHaveLength(10);
    expect(mine.filter((e) => e.kind === 'api' && e.token === first.tokens.accessToken)).toHaveLength(10);

    // The old refresh token is spent at the AS: rotation is real, so losing the new one would mean signing in again.
    await expect(tokenClient().refresh(first.tokens.refreshToken ?? '')).rejects.toMatchObject({ kind: 'auth' });
  });

  it('an access token the API refuses (401) before its time: 20 waiting requests share one refresh and all succeed', async () => {
    const s = await signIn();
    const first = await stored(s.secrets);
    await (await provider.AccessToken.find(first.tokens.accessToken))?.destroy();
    const before = tokenRequests;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.api.request({ method: 'GET', url: `/x${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(tokenRequests - before).toBe(1);
    const second = await stored(s.secrets);
    expect(second.tokens.refreshToken).not.toBe(first.tokens.refreshToken);
    expect(s.manager.status()).toBe('connected');
  });

  it('a refresh token revoked at the AS: one refresh attempt, needs sign-in, every waiting request rejects with auth', async () => {
    const s = await signIn();
    const statuses: string[] = [];
    s.manager.onStatus((st) => statuses.push(st));
    const first = await stored(s.secrets);
    await revokeAtAs(first.tokens.refreshToken ?? '');
    // Revoking the grant also retired its access token, so the API refuses it now.
    const before = tokenRequests;
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.api.request({ method: 'GET', url: `/y${i}` })));
    expect(tokenRequests - before).toBe(1);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      const reason = (o as PromiseRejectedResult).reason as CrmError;
      expect(reason).toBeInstanceOf(CrmError);
      expect(reason.kind).toBe('auth');
      expect(reason.message).toMatch(/^Sign in to TestAS again: /);
    }
    expect(s.manager.status()).toBe('needsSignIn');
    expect(statuses).toEqual(['needsSignIn']);
    // Kept across a restart: a new manager on the same keychain still says so, without asking the AS.
    const again = createTokenManager({ crmName: 'TestAS', vault: createTokenVault(s.secrets, 'generic', logs('v')), refresh: (rt) => tokenClient().refresh(rt), clock: systemClock, log: logs('t') });
    await again.load();
    expect(again.status()).toBe('needsSignIn');
    await expect(again.current()).rejects.toMatchObject({ kind: 'auth' });
    expect(tokenRequests - before).toBe(1);
    expect((await stored(s.secrets)).tokens.refreshToken).toBeUndefined();
  });

  it('a refresh whose rotated token cannot be saved is not used: needs sign-in, the unsaved access token never reaches the API', async () => {
    const s = await signIn();
    const eventsBefore = events.length;
    s.secrets.failWrites = true;
    s.clock.advance(ACCESS_TTL_S * 1000);
    const err = await s.api.request({ method: 'GET', url: '/z' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'auth' });
    expect((err as CrmError).message).toContain('could not be saved in the keychain');
    expect(s.manager.status()).toBe('needsSignIn');
    expect(events.slice(eventsBefore).filter((e) => e.kind === 'api')).toHaveLength(0);
  });
});

describe('logs', () => {
  it('hold no token of any of the sign-ins above', async () => {
    const s = await signIn();
    const kept = await stored(s.secrets);
    const text = JSON.stringify(sink.records);
    expect(sink.records.length).toBeGreaterThan(10);
    expect(text).not.toContain(kept.tokens.accessToken);
    expect(text).not.toContain(kept.tokens.refreshToken ?? '<none>');
    for (const e of events) {
      if (e.kind === 'api' && e.token) expect(text).not.toContain(e.token);
      if (e.kind === 'keychain') expect(text).not.toContain(e.record.tokens.accessToken);
    }
  });
});
