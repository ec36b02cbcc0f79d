// The token endpoint client in its three request styles against a real
// node:http server that answers like amoCRM (JSON body), Bitrix24's OAuth server
// (GET with query) and a standard AS (form, client_secret_basic): what is sent,
// what becomes of the answer, and how refusals map.
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenClient, type TokenClientConfig } from '../../../src-main/core/crm/oauth/token-client';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { FakeClock } from '../../support/fake-clock';
import { crmFailure } from '../../support/crm-failure';
import { closeServer, listenOnLoopback } from '../../support/loopback';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
let server: http.Server;
let base = '';
const seen: Seen[] = [];
let answer: (r: Seen) => { status: number; body: unknown; type?: string } = () => ({ status: 200, body: {} });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'Content-Type': a.type ?? 'application/json' });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
  });
  base = `http://127.0.0.1:${await listenOnLoopback(server)}`;
});
beforeEach(() => {
  seen.length = 0;
});
afterAll(() => closeServer(server));

const clock = new FakeClock(1_800_000_000_000);
const sink = memorySink();
function client(cfg: Partial<TokenClientConfig> & Pick<TokenClientConfig, 'style' | 'tokenUrl'>) {
  return createTokenClient({ crmName: 'CRM', clientId: 'app id', clientSecret: 's3cr:et', ...cfg }, { clock, log: createLoggerFactory(sink, 'debug')('oauth/token') });
}

describe("'json' style (amoCRM)", () => {
  it('posts JSON with the client, grant and redirect_uri, also on refresh', async () => {
    answer = () => ({ status: 200, body: { token_type: 'Bearer', expires_in: 86400, access_token: 'AT', refresh_token: 'RT', server_time: 1 } });
    const c = client({ style: 'json', tokenUrl: `${base}/oauth2/access_token`, redirectUri: 'http://127.0.0.1:17345/callback' });
    const t = await c.exchangeCode('CODE');
    expect(t).toEqual({ accessToken: 'AT', refreshToken: 'RT', expiresAt: clock.now() + 86_400_000, extra: {} });
    await c.refresh('RT');
    expect(seen.map((s) => [s.method, s.url, s.headers['content-type']?.split(';')[0]])).toEqual([
      ['POST', '/oauth2/access_token', 'application/json'],
      ['POST', '/oauth2/access_token', 'application/json'],
    ]);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ client_id: 'app id', client_secret: 's3cr:et', grant_type: 'authorization_code', code: 'CODE', redirect_uri: 'http://127.0.0.1:17345/callback' });
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({ client_id: 'app id', client_secret: 's3cr:et', grant_type: 'refresh_token', refresh_token: 'RT', redirect_uri: 'http://127.0.0.1:17345/callback' });
  });

  it('a refused refresh (amoCRM 400 with title/detail/hint) asks to sign in again', async () => {
    answer = () => ({ status: 400, body: { hint: 'Token has been revoked', title: 'Некорректный запрос', type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson', status: 400, detail: 'В запросе отсутствует ряд параметров или параметры невалидны' } });
    const err = await crmFailure(client({ style: 'json', tokenUrl: `${base}/oauth2/access_token` }).refresh('RT'));
    expect(err.kind).toBe('auth');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^Sign in to CRM again: CRM no longer accepts the saved sign-in \(В запросе/);
  });
});

describe("'query' style (Bitrix24)", () => {
  it('GETs the token with everything in the query, no redirect_uri, and keeps client_endpoint, domain, member_id, user_id', async () => {
    answer = () => ({
      status: 200,
      body: {
        access_token: 'B-AT',
        expires: 1_800_003_600,
        expires_in: 3600,
        scope: 'app',
        domain: 'portal.bitrix24.ru',
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        status: 'L',
        client_endpoint: 'https://portal.bitrix24.ru/rest/',
        member_id: 'abc123',
        user_id: 7,
        refresh_token: 'B-RT',
        application_token: 'must-not-be-kept',
      },
    });
    const c = client({ style: 'query', tokenUrl: `${base}/oauth/token/`, redirectUri: 'http://127.0.0.1:17346/callback' });
    const t = await c.exchangeCode('B-CODE');
    expect(t).toEqual({
      accessToken: 'B-AT',
      refreshToken: 'B-RT',
      expiresAt: clock.now() + 3_600_000,
      scope: 'app',
      extra: { domain: 'portal.bitrix24.ru', server_endpoint: 'https://oauth.bitrix.info/rest/', status: 'L', client_endpoint: 'https://portal.bitrix24.ru/rest/', member_id: 'abc123', user_id: '7' },
    });
    await c.refresh('B-RT');
    const q0 = new URL(seen[0]?.url ?? '', base);
    expect(seen[0]?.method).toBe('GET');
    expect(q0.pathname).toBe('/oauth/token/');
    expect(Object.fromEntries(q0.searchParams)).toEqual({ grant_type: 'authorization_code', code: 'B-CODE', client_id: 'app id', client_secret: 's3cr:et' });
    expect(Object.fromEntries(new URL(seen[1]?.url ?? '', base).searchParams)).toEqual({ grant_type: 'refresh_token', refresh_token: 'B-RT', client_id: 'app id', client_secret: 's3cr:et' });
  });

  it('invalid_grant on refresh -> auth; invalid_client on the code exchange -> config; 5xx -> unavailable; HTML -> config', async () => {
    const c = client({ style: 'query', tokenUrl: `${base}/oauth/token/` });
    answer = () => ({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid grant' } });
    expect(await crmFailure(c.refresh('B-RT'))).toMatchObject({ kind: 'auth', crmMessage: 'Invalid grant' });
    answer = () => ({ status: 401, body: { error: 'invalid_client', error_description: 'Invalid client' } });
    const cfg = await crmFailure(c.exchangeCode('B-CODE'));
    expect(cfg.kind).toBe('config');
    expect(cfg.message).toContain('Settings -> CRM');
    answer = () => ({ status: 200, body: { error: 'expired_token' } });
    expect((await crmFailure(c.exchangeCode('B-CODE'))).kind).toBe('auth');
    answer = () => ({ status: 503, body: { message: 'maintenance' } });
    expect((await crmFailure(c.refresh('B-RT'))).kind).toBe('unavailable');
    answer = () => ({ status: 200, body: '<html>portal login</html>', type: 'text/html' });
    expect((await crmFailure(c.refresh('B-RT'))).kind).toBe('config');
  });
});

describe("'form' style (RFC 6749)", () => {
  it('sends a form, with client_secret_basic when asked, and no secret for a public client', async () => {
    answer = () => ({ status: 200, body: { access_token: 'F-AT', token_type: 'Bearer', expires_in: '120', scope: ['a', 'b'] } });
    const basic = client({ style: 'form', tokenUrl: `${base}/token`, clientAuth: 'basic', redirectUri: 'http://127.0.0.1:1/cb' });
    expect(await basic.exchangeCode('F-CODE', { codeVerifier: 'v'.repeat(43) })).toEqual({ accessToken: 'F-AT', expiresAt: clock.now() + 120_000, scope: 'a b', extra: {} });
    expect(seen[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('app+id:s3cr%3Aet').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(seen[0]?.body))).toEqual({ grant_type: 'authorization_code', code: 'F-CODE', redirect_uri: 'http://127.0.0.1:1/cb', code_verifier: 'v'.repeat(43) });

    const pub = createTokenClient({ crmName: 'CRM', style: 'form', tokenUrl: `${base}/token`, clientId: 'pub' }, { clock, log: createLoggerFactory(sink)('t') });
    await pub.refresh('R');
    expect(Object.fromEntries(new URLSearchParams(seen[1]?.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'R', client_id: 'pub' });
    expect(seen[1]?.headers['authorization']).toBeUndefined();
  });

  it('logs neither codes, tokens nor secrets', () => {
    const text = JSON.stringify(sink.records);
    expect(sink.records.length).toBeGreaterThan(3);
    for (const s of ['s3cr', 'AT', 'RT', 'CODE', 'F-AT', 'B-AT', 'B-RT', 'must-not-be-kept']) expect(text).not.toContain(`"${s}`);
    for (const s of ['s3cr', 'B-CODE', 'B-RT', 'F-CODE', 'must-not-be-kept']) expect(text).not.toContain(s);
  });
});
