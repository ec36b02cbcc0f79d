// The amoCRM test server itself, over real HTTP with plain fetch: what other
// tests rely on it for (status codes, bodies, token rotation, limits, switches).
import { afterEach, describe, expect, it } from 'vitest';
import { startAmoCrmServer, type AmoCrmServer, type AmoCrmServerOptions } from '../../support/crm-servers/amocrm-server';

let server: AmoCrmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(opts: AmoCrmServerOptions = {}): Promise<AmoCrmServer> {
  server = await startAmoCrmServer({
    contacts: [{ id: 101, name: 'Иван Петров', phones: ['+7 (916) 123-45-67'], responsibleUserId: 5002, company: { id: 900, name: 'ООО Ромашка' } }],
    ...opts,
  });
  return server;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

async function call(s: AmoCrmServer, method: string, path: string, opts: { token?: string; body?: unknown; form?: boolean } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers['Authorization'] = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = opts.form ? 'application/x-www-form-urlencoded' : 'application/json';
    body = opts.form ? new URLSearchParams(opts.body as Record<string, string>).toString() : JSON.stringify(opts.body);
  }
  const res = await fetch(`${s.url}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const token = (s: AmoCrmServer): string => s.issueTokens().access_token;

describe('amoCRM test server: contacts', () => {
  it('finds a contact by the last 10 digits in any prefix form, with PHONE values and the company id only', async () => {
    const s = await start();
    const t = token(s);
    for (const q of ['79161234567', '89161234567', '9161234567', '+79161234567']) {
      const res = await call(s, 'GET', `/api/v4/contacts?query=${encodeURIComponent(q)}`, { token: t });
      expect(res.status, q).toBe(200);
      expect(res.body).toMatchObject({
        _embedded: {
          contacts: [
            {
              id: 101,
              name: 'Иван Петров',
              responsible_user_id: 5002,
              custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+7 (916) 123-45-67', enum_code: 'WORK' }] }],
              _embedded: { companies: [{ id: 900 }] },
            },
          ],
        },
      });
    }
    expect((await call(s, 'GET', '/api/v4/companies/900', { token: t })).body).toMatchObject({ id: 900, name: 'ООО Ромашка' });
  });

  it('answers 204 with no body when nothing matches', async () => {
    const s = await start();
    const res = await call(s, 'GET', '/api/v4/contacts?query=79990000000', { token: token(s) });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
  });

  it('in substring mode finds a number only in the form it was stored in (or by its last 10 digits)', async () => {
    const s = await start({ contactQuery: 'substring', contacts: [{ id: 7, name: 'Stored with 8', phones: ['8 916 123-45-67'] }] });
    const t = token(s);
    expect((await call(s, 'GET', '/api/v4/contacts?query=79161234567', { token: t })).status).toBe(204);
    expect((await call(s, 'GET', '/api/v4/contacts?query=89161234567', { token: t })).status).toBe(200);
    expect((await call(s, 'GET', '/api/v4/contacts?query=9161234567', { token: t })).status).toBe(200);
  });
});

describe('amoCRM test server: auth', () => {
  it('requires a valid Bearer on /api: none, unknown, expired and revoked get 401; a long-lived token works until revoked', async () => {
    const s = await start({ longLivedToken: 'llt-private-integration' });
    expect((await call(s, 'GET', '/api/v4/account')).status).toBe(401);
    expect((await call(s, 'GET', '/api/v4/account', { token: 'nope' })).status).toBe(401);
    const t = token(s);
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).body).toMatchObject({ name: s.accountName, subdomain: s.subdomain });
    s.expireAccessTokens();
    const expired = await call(s, 'GET', '/api/v4/account', { token: t });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ title: 'Unauthorized', status: 401 });
    expect((await call(s, 'GET', '/api/v4/account', { token: 'llt-private-integration' })).status).toBe(200);
    s.revokeAll();
    expect((await call(s, 'GET', '/api/v4/account', { token: 'llt-private-integration' })).status).toBe(401);
    expect(s.counters.unauthorized).toBe(4);
  });

  it('authorize page redirects to the registered URI with code, referer and state; the code works once', async () => {
    const s = await start();
    const res = await call(s, 'GET', `/oauth?client_id=${s.clientId}&state=st-123&mode=post_message`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(s.redirectUri);
    expect(location.searchParams.get('state')).toBe('st-123');
    expect(location.searchParams.get('referer')).toBe(s.host);
    const code = location.searchParams.get('code') ?? '';
    const exchange = { client_id: s.clientId, client_secret: s.clientSecret, grant_type: 'authorization_code', code, redirect_uri: s.redirectUri };
    const first = await call(s, 'POST', '/oauth2/access_token', { body: exchange });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), refresh_token: expect.any(String) });
    const again = await call(s, 'POST', '/oauth2/access_token', { body: exchange });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ title: expect.any(String), detail: expect.any(String), hint: expect.any(String) });
    expect(s.counters.codeExchanges).toBe(1);
  });

  it('authorize page can show the code instead, or deny; unknown client ids get 400', async () => {
    const s = await start({ authorize: 'showCode' });
    const shown = await call(s, 'GET', `/oauth?client_id=${s.clientId}&state=x`);
    expect(shown.status).toBe(200);
    expect(String(shown.body)).toMatch(/<code id="code">def50200[0-9a-f]+<\/code>/);
    s.configure({ authorize: 'deny' });
    const denied = new URL((await call(s, 'GET', `/oauth?client_id=${s.clientId}&state=x`)).headers.get('location') ?? '');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect((await call(s, 'GET', '/oauth?client_id=other&state=x')).status).toBe(400);
  });

  it('rotates refresh tokens: the old one is refused, the new one works; wrong secret, redirect_uri or a form body are refused', async () => {
    const s = await start();
    const first = s.issueTokens();
    const refresh = (rt: string, extra: Record<string, string> = {}) =>
      call(s, 'POST', '/oauth2/access_token', { body: { client_id: s.clientId, client_secret: s.clientSecret, grant_type: 'refresh_token', refresh_token: rt, redirect_uri: s.redirectUri, ...extra } });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    const rotated = (second.body as { refresh_token: string }).refresh_token;
    expect(rotated).not.toBe(first.refresh_token);
    expect(s.validRefreshTokens()).toEqual([rotated]);
    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ hint: 'Token has been revoked' });
    expect((await refresh(rotated, { client_secret: 'wrong' })).status).toBe(401);
    expect((await refresh(rotated, { redirect_uri: 'http://127.0.0.1:1/other' })).status).toBe(400);
    const form = await call(s, 'POST', '/oauth2/access_token', { form: true, body: { client_id: s.clientId, client_secret: s.clientSecret, grant_type: 'refresh_token', refresh_token: rotated, redirect_uri: s.redirectUri } });
    expect(form.status).toBe(400);
    expect(s.validRefreshTokens()).toEqual([rotated]);
    s.configure({ invalidGrantStatus: 400 });
    s.revokeRefreshTokens();
    expect((await refresh(rotated)).status).toBe(400);
    expect(s.counters.tokenRefreshes).toBe(1);
  });
});

describe('amoCRM test server: calls, unsorted, tasks, users', () => {
  it('validates calls with the documented validation-errors body and places valid ones on the contact', async () => {
    const s = await start();
    const t = token(s);
    const bad = await call(s, 'POST', '/api/v4/calls', { token: t, body: [{ direction: 'sideways', phone: '+79161234567', source: 'Sidecall' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      status: 400,
      title: 'Bad Request',
      'validation-errors': [
        {
          request_id: '0',
          errors: [
            { code: 'NotSupportedChoice', path: 'direction', detail: expect.any(String) },
            { code: 'FieldMissing', path: 'duration', detail: expect.any(String) },
          ],
        },
      ],
    });
    const ok = await call(s, 'POST', '/api/v4/calls', { token: t, body: [{ direction: 'inbound', phone: '89161234567', source: 'Sidecall', duration: 30, uniq: 'u1', request_id: 'r1' }] });
    expect(ok.body).toMatchObject({ _embedded: { calls: [{ entity_id: 101, entity_type: 'contact', request_id: 'r1' }] } });
    expect(s.calls).toHaveLength(1);
  });

  it('a call for a number with no entity is not added (skip) or refused with 400 (reject)', async () => {
    const s = await start();
    const t = token(s);
    const item = { direction: 'inbound', phone: '+79990000000', source: 'Sidecall', duration: 0 };
    const skipped = await call(s, 'POST', '/api/v4/calls', { token: t, body: [item] });
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ _embedded: { calls: [] } });
    expect(s.counters.callsNotAdded).toBe(1);
    s.configure({ callsWithoutEntity: 'reject' });
    expect((await call(s, 'POST', '/api/v4/calls', { token: t, body: [item] })).status).toBe(400);
    expect(s.calls).toHaveLength(0);
  });

  it('refuses a second unsorted lead with the same source_uid, and the first one makes a findable contact', async () => {
    const s = await start();
    const t = token(s);
    const item = {
      source_uid: 'call-1',
      source_name: 'Sidecall',
      created_at: 1_700_000_000,
      metadata: { uniq: 'call-1', from: '+79990000000', phone: '+79990000000', called_at: 1_700_000_000, duration: 0, is_call_event_needed: true },
      _embedded: { contacts: [{ name: '+79990000000', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+79990000000', enum_code: 'WORK' }] }] }] },
    };
    const first = await call(s, 'POST', '/api/v4/leads/unsorted/sip', { token: t, body: [item] });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ _embedded: { unsorted: [{ uid: expect.any(String), _embedded: { leads: [{ id: expect.any(Number) }], contacts: [{ id: expect.any(Number) }] } }] } });
    const dup = await call(s, 'POST', '/api/v4/leads/unsorted/sip', { token: t, body: [item] });
    expect(dup.status).toBe(400);
    expect(dup.body).toMatchObject({ 'validation-errors': [{ errors: [{ path: 'source_uid' }] }] });
    expect(s.unsorted).toHaveLength(1);
    expect((await call(s, 'GET', '/api/v4/contacts?query=9990000000', { token: t })).status).toBe(200);
  });

  it('creates tasks on existing entities for existing users only', async () => {
    const s = await start();
    const t = token(s);
    const task = { task_type_id: 1, text: 'Call back', complete_till: 1_700_003_600, entity_id: 101, entity_type: 'contacts', responsible_user_id: 5002 };
    expect((await call(s, 'POST', '/api/v4/tasks', { token: t, body: [task] })).status).toBe(200);
    expect((await call(s, 'POST', '/api/v4/tasks', { token: t, body: [{ ...task, entity_id: 5 }] })).status).toBe(400);
    expect((await call(s, 'POST', '/api/v4/tasks', { token: t, body: [{ ...task, responsible_user_id: 1 }] })).status).toBe(400);
    expect(s.tasks).toHaveLength(1);
  });

  it('pages users with _links.next', async () => {
    const s = await start();
    const t = token(s);
    const p1 = await call(s, 'GET', '/api/v4/users?limit=2', { token: t });
    expect(p1.body).toMatchObject({ _page: 1, _page_count: 2, _links: { next: { href: expect.stringContaining('page=2') } }, _embedded: { users: [{ id: 5001 }, { id: 5002 }] } });
    const p2 = await call(s, 'GET', '/api/v4/users?limit=2&page=2', { token: t });
    expect((p2.body as { _links: Record<string, unknown> })._links['next']).toBeUndefined();
    expect(p2.body).toMatchObject({ _embedded: { users: [{ id: 5003, email: 'maria@example.com' }] } });
  });
});

describe('amoCRM test server: limits and switches', () => {
  it('answers 429 to the 8th request within one second and lets requests through once the window moved', async () => {
    let now = 1_700_000_000_000;
    const s = await start({ now: () => now });
    const t = token(s);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(s, 'GET', '/api/v4/account', { token: t })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
    now += 1000;
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(200);
    expect(s.counters.rateLimited).toBe(1);
    s.configure({ rateLimit: false });
    for (let i = 0; i < 10; i++) expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(200);
  });

  it('goes down (refused, then 503) and comes back on the same port; forced errors and 402/403 switches', async () => {
    const s = await start();
    const t = token(s);
    await s.down();
    await expect(fetch(`${s.url}/api/v4/account`)).rejects.toThrow();
    await s.up();
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(200);
    await s.down('unavailable');
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(503);
    await s.up();
    s.failNext(1, { status: 504, body: { title: 'Gateway Timeout' } });
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(504);
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(200);
    s.configure({ accountBlocked: 402 });
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(402);
    s.configure({ accountBlocked: 403 });
    expect((await call(s, 'GET', '/api/v4/account', { token: t })).status).toBe(403);
    expect(s.requestsTo('/api/v4/account').map((r) => r.status)).toEqual([200, 503, 504, 200, 402, 403]);
  });
});
