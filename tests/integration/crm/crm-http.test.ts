// The shared CRM HTTP client against a real node:http server on loopback:
// auth kinds, 204, one retry after a rejected token, timeouts, 5xx, 429 with
// Retry-After (and the pause it causes), form bodies, error mapping, and that no
// token ever reaches a log record.
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import type { AccessTokenSource, CrmHttpOptions } from '../../../src-main/core/crm/http/types';
import { CrmError } from '../../../src-main/core/crm/errors';
import { systemClock } from '../../../src-main/core/clock';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import type { Clock } from '../../../src-main/ports';
import { FakeClock } from '../../support/fake-clock';
import { crmFailure } from '../../support/crm-failure';
import { closeServer, freePort, listenOnLoopback } from '../../support/loopback';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
type Handler = (req: Received, res: http.ServerResponse) => void;

let server: http.Server;
let baseUrl = '';
let handler: Handler = (_req, res) => res.end();
const received: Received[] = [];
const hanging = new Set<http.ServerResponse>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      handler(r, res);
    });
  });
  baseUrl = `http://127.0.0.1:${await listenOnLoopback(server)}`;
});

afterEach(() => {
  received.length = 0;
  for (const res of hanging) res.destroy();
  hanging.clear();
});

afterAll(() => closeServer(server));

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A token source that hands out t1, then t2, t3... on each refresh, and counts the refreshes. */
function rotatingTokens(prefix = 'tok'): AccessTokenSource & { refreshes: string[] } {
  let n = 1;
  const refreshes: string[] = [];
  return {
    refreshes,
    current: async () => `${prefix}-${n}`,
    refreshAfterRejection: async (stale) => {
      refreshes.push(stale);
      if (stale === `${prefix}-${n}`) n++;
      return `${prefix}-${n}`;
    },
  };
}

function client(overrides: Partial<CrmHttpOptions> = {}, clock: Clock = systemClock) {
  const sink = memorySink(1000);
  const log = createLoggerFactory(sink, 'debug')('crm/http');
  const http = createCrmHttp({ baseUrl, crmName: 'TestCRM', auth: { kind: 'none' }, clock, log, ...overrides });
  return { http, sink };
}

describe('successful requests', () => {
  it('sends the bearer token and JSON, and resolves 204 with data undefined', async () => {
    handler = (req, res) => {
      if (req.url.startsWith('/api/v4/contacts')) {
        res.writeHead(204);
        res.end();
      } else json(res, 200, { ok: true, echo: JSON.parse(req.body) as unknown });
    };
    const { http } = client({ auth: { kind: 'bearer', tokens: rotatingTokens() } });
    const none = await http.request({ method: 'GET', url: '/api/v4/contacts', params: { query: '+79161234567', skip: undefined } });
    expect(none).toEqual({ status: 204, data: undefined });
    expect(received[0]?.url).toBe('/api/v4/contacts?query=%2B79161234567');
    expect(received[0]?.headers['authorization']).toBe('Bearer tok-1');

    const posted = await http.request<{ ok: boolean; echo: unknown }>({ method: 'POST', url: '/api/v4/calls', data: [{ uniq: 'a', duration: 5 }] });
    expect(posted.data).toEqual({ ok: true, echo: [{ uniq: 'a', duration: 5 }] });
    expect(received[1]?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('puts the token in the query for queryToken auth, a fixed header for header auth, and basic credentials', async () => {
    handler = (_req, res) => json(res, 200, { result: true });
    await client({ auth: { kind: 'queryToken', param: 'auth', tokens: rotatingTokens('b24') } }).http.request({ method: 'POST', url: '/rest/telephony.externalcall.register', data: { A: 1 } });
    expect(received[0]?.url).toBe('/rest/telephony.externalcall.register?auth=b24-1');
    expect(received[0]?.headers['authorization']).toBeUndefined();

    await client({ auth: { kind: 'header', name: 'X-API-KEY', value: 'key-123' } }).http.request({ method: 'GET', url: '/api/v5/telephony/manager' });
    expect(received[1]?.headers['x-api-key']).toBe('key-123');

    await client({ auth: { kind: 'basic', username: 'op', password: 'pw' } }).http.request({ method: 'GET', url: '/x' });
    expect(received[2]?.headers['authorization']).toBe(`Basic ${Buffer.from('op:pw').toString('base64')}`);
  });

  it('encodes form bodies as x-www-form-urlencoded, nested values as JSON text', async () => {
    handler = (_req, res) => json(res, 200, { success: true });
    const { http } = client();
    const calls = [{ date: '2026-01-02 03:04:05', type: 'in', phone: '+79161234567' }];
    await http.request({ method: 'POST', url: '/api/v5/telephony/calls/upload', form: true, data: { calls, site: 'main', n: 5, ok: false, skipped: undefined } });
    const r = received[0] as Received;
    expect(r.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(r.body);
    expect([...form.keys()]).toEqual(['calls', 'site', 'n', 'ok']);
    expect(JSON.parse(form.get('calls') ?? '')).toEqual(calls);
    expect(form.get('n')).toBe('5');
    expect(form.get('ok')).toBe('false');
  });
});

describe('token rejection', () => {
  it('refreshes after a 401 and retries exactly once with the new token', async () => {
    handler = (req, res) => (req.headers['authorization'] === 'Bearer tok-2' ? json(res, 200, { fine: 1 }) : json(res, 401, { title: 'Unauthorized' }));
    const tokens = rotatingTokens();
    const { http } = client({ auth: { kind: 'bearer', tokens } });
    const res = await http.request({ method: 'GET', url: '/api/v4/account' });
    expect(res.data).toEqual({ fine: 1 });
    expect(tokens.refreshes).toEqual(['tok-1']);
    expect(received.map((r) => r.headers['authorization'])).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('gives up with an auth error when the refreshed token is refused too (no third request)', async () => {
    handler = (_req, res) => json(res, 401, { title: 'Unauthorized', detail: 'Account blocked' });
    const tokens = rotatingTokens();
    const err = await crmFailure(client({ auth: { kind: 'bearer', tokens } }).http.request({ method: 'GET', url: '/api/v4/account' }));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('sign in to TestCRM again');
    expect(err.crmMessage).toBe('Account blocked');
    expect(received).toHaveLength(2);
    expect(tokens.refreshes).toEqual(['tok-1']);
  });

  it('uses isTokenRejected (Bitrix24: 401 expired_token) and passes the refresh failure through', async () => {
    handler = (req, res) =>
      req.url.includes('auth=b24-1') ? json(res, 401, { error: 'expired_token', error_description: 'The access token provided has expired.' }) : json(res, 200, { result: 1 });
    const tokens = rotatingTokens('b24');
    const { http } = client({
      auth: { kind: 'queryToken', param: 'auth', tokens },
      isTokenRejected: (r) => r.status === 401 && (r.data as { error?: string } | undefined)?.error === 'expired_token',
    });
    expect((await http.request({ method: 'POST', url: '/rest/user.get' })).data).toEqual({ result: 1 });

    const refused: AccessTokenSource = {
      current: async () => 'b24-1',
      refreshAfterRejection: async () => {
        throw new CrmError('auth', 'Sign in to TestCRM again: the refresh token was revoked');
      },
    };
    const err = await crmFailure(client({ auth: { kind: 'queryToken', param: 'auth', tokens: refused } }).http.request({ method: 'POST', url: '/rest/user.get' }));
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/^Sign in to TestCRM again/);
  });
});

describe('failures', () => {
  it('times out with the CRM name and the limit in seconds', async () => {
    handler = (_req, res) => hanging.add(res);
    const err = await crmFailure(client({ timeoutMs: 300 }).http.request({ method: 'GET', url: '/slow' }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/^TestCRM did not answer within 0\.3 s/);
  });

  it('maps 5xx and a refused connection to unavailable', async () => {
    handler = (_req, res) => json(res, 502, { message: 'Bad gateway upstream' });
    const err = await crmFailure(client().http.request({ method: 'GET', url: '/x' }));
    expect(err).toMatchObject({ kind: 'unavailable', status: 502, crmMessage: 'Bad gateway upstream' });
    expect(err.retryable).toBe(true);

    const port = await freePort();
    const refused = await crmFailure(client({ baseUrl: `http://127.0.0.1:${port}` }).http.request({ method: 'GET', url: '/x' }));
    expect(refused.kind).toBe('unavailable');
    expect(refused.message).toContain('connection was refused');
  });

  it('maps 429 to rateLimited with Retry-After, and holds the next request until it passed', async () => {
    let calls = 0;
    handler = (_req, res) => (++calls === 1 ? json(res, 429, { title: 'Too Many Requests' }, { 'Retry-After': '2' }) : json(res, 200, { n: calls }));
    const clock = new FakeClock(0);
    const { http } = client({ timeoutMs: 20_000 }, clock);
    const err = await crmFailure(http.request({ method: 'GET', url: '/a' }));
    expect(err).toMatchObject({ kind: 'rateLimited', status: 429, retryAfterMs: 2000 });

    let done = false;
    const next = http.request({ method: 'GET', url: '/b' }).then((r) => {
      done = true;
      return r;
    });
    await Promise.resolve();
    expect(clock.scheduled).toContain(2000); // the limiter's wait, on the clock
    clock.advance(1999);
    await Promise.resolve();
    expect(done).toBe(false);
    expect(received).toHaveLength(1);
    clock.advance(1);
    expect((await next).data).toEqual({ n: 2 });
    expect(received.map((r) => r.url)).toEqual(['/a', '/b']);
  });

  it('defaults to 1 s when a 429 has no Retry-After', async () => {
    handler = (_req, res) => json(res, 429, {});
    expect((await crmFailure(client().http.request({ method: 'GET', url: '/x' }))).retryAfterMs).toBe(1000);
  });

  it("maps 400/422 to rejected with the CRM's words, 403 to config", async () => {
    handler = (req, res) => {
      if (req.url === '/amo') {
        json(res, 400, {
          title: 'Bad Request',
          detail: 'Request validation failed',
          'validation-errors': [{ request_id: '0', errors: [{ code: 'NotSupportedChoice', path: 'direction', detail: 'The value you selected is not a valid choice.' }] }],
        });
      } else if (req.url === '/retail') json(res, 422, { success: false, errorMsg: 'Errors in the input parameters', errors: { phone: 'Phone is missing' } });
      else json(res, 403, { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.' });
    };
    const { http } = client();
    const amo = await crmFailure(http.request({ method: 'POST', url: '/amo' }));
    expect(amo).toMatchObject({ kind: 'rejected', status: 400 });
    expect(amo.crmMessage).toBe('Request validation failed; direction: The value you selected is not a valid choice.');
    expect(amo.retryable).toBe(false);
    const retail = await crmFailure(http.request({ method: 'POST', url: '/retail' }));
    expect(retail).toMatchObject({ kind: 'rejected', status: 422, crmMessage: 'Errors in the input parameters; phone: Phone is missing' });
    const forbidden = await crmFailure(http.request({ method: 'POST', url: '/b24' }));
    expect(forbidden).toMatchObject({ kind: 'config', status: 403 });
    expect(forbidden.message).toContain('higher privileges');
  });

  it('lets mapError decide first (a 200 with an error inside, a 503 QUERY_LIMIT_EXCEEDED)', async () => {
    handler = (req, res) =>
      req.url === '/ok-but-not' ? json(res, 200, { success: false, errorMsg: 'Account does not exist.' }) : json(res, 503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    const { http } = client({
      mapError: (r) => {
        const body = r.data as { success?: boolean; error?: string; errorMsg?: string } | undefined;
        if (body?.error === 'QUERY_LIMIT_EXCEEDED') return new CrmError('rateLimited', 'limit', { retryAfterMs: 500 });
        if (body?.success === false) return new CrmError('config', body.errorMsg ?? 'failed');
        return undefined;
      },
    });
    expect(await crmFailure(http.request({ method: 'GET', url: '/ok-but-not' }))).toMatchObject({ kind: 'config', message: 'Account does not exist.' });
    expect(await crmFailure(http.request({ method: 'GET', url: '/limit' }))).toMatchObject({ kind: 'rateLimited', retryAfterMs: 500 });
  });

  it('rejects with the caller’s abort reason', async () => {
    handler = (_req, res) => hanging.add(res);
    const ac = new AbortController();
    const p = client().http.request({ method: 'GET', url: '/slow', signal: ac.signal });
    setTimeout(() => ac.abort(new Error('shutting down')), 50);
    await expect(p).rejects.toThrow('shutting down');
  });
});

describe('logs', () => {
  it('never contain a token, a key, a query string or a body, even at debug level', async () => {
    const secrets = ['b24-1', 'b24-2', 'key-123', 'SECRETBODY'];
    handler = (req, res) =>
      req.url.includes('auth=b24-1')
        ? json(res, 401, { error: 'expired_token' })
        : req.url.startsWith('/fail')
          ? json(res, 400, { error_description: 'bad SECRETBODY' })
          : json(res, 200, { echo: 'SECRETBODY' });
    const a = client({ auth: { kind: 'queryToken', param: 'auth', tokens: rotatingTokens('b24') } });
    await a.http.request({ method: 'POST', url: '/rest/crm.contact.list?x=1', data: { SECRETBODY: 1 } });
    await crmFailure(a.http.request({ method: 'POST', url: '/fail', data: { token: 'SECRETBODY' } }));
    const b = client({ auth: { kind: 'header', name: 'X-API-KEY', value: 'key-123' } });
    await crmFailure(b.http.request({ method: 'GET', url: '/fail?apiKey=key-123' }));
    const records = JSON.stringify([...a.sink.records, ...b.sink.records]);
    expect(a.sink.records.length).toBeGreaterThan(2);
    expect(records).toContain('/rest/crm.contact.list');
    for (const s of secrets) expect(records).not.toContain(s);
  });
});
