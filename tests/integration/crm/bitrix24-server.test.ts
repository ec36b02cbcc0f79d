// The Bitrix24 test server itself, over plain fetch: the behaviours the
// connector tests rely on (documented error bodies and statuses, the bucket,
// the 30-second code, rotation, the register/finish/attach life cycle).
import { afterEach, describe, expect, it } from 'vitest';
import { startBitrix24Server, type Bitrix24ServerOptions, type Bitrix24TestServer } from '../../support/crm-servers/bitrix24-server';

let server: Bitrix24TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(opts: Bitrix24ServerOptions = {}): Promise<Bitrix24TestServer> {
  server = await startBitrix24Server(opts);
  return server;
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function rest(base: string, method: string, params: Record<string, unknown>, auth?: string): Promise<Reply> {
  const url = `${base}${method}.json${auth ? `?auth=${auth}` : ''}`;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function token(s: Bitrix24TestServer, query: Record<string, string>): Promise<Reply> {
  const res = await fetch(`${s.oauthUrl}/oauth/token/?${new URLSearchParams(query).toString()}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function result<T>(r: Reply): T {
  return r.body['result'] as T;
}

describe('Bitrix24 test server', () => {
  it('runs the authorization code flow: redirect to the registered URI, 30-second code, rotating refresh tokens', async () => {
    const s = await start({ redirectUri: 'http://127.0.0.1:17346/bitrix24/callback', rateLimit: false });
    const auth = await fetch(`${s.portalUrl}/oauth/authorize/?client_id=${s.clientId}&state=xyz`, { redirect: 'manual' });
    expect(auth.status).toBe(302);
    const back = new URL(auth.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:17346/bitrix24/callback');
    expect(back.searchParams.get('state')).toBe('xyz');
    expect(back.searchParams.get('domain')).toBe(new URL(s.portalUrl).host);
    expect(back.searchParams.get('server_domain')).toBe(new URL(s.oauthUrl).host);
    expect(back.searchParams.get('member_id')).toBe(s.memberId);
    expect(back.searchParams.get('scope')).toBe('crm,telephony,user,task');
    const code = back.searchParams.get('code') ?? '';

    const base = { client_id: s.clientId, client_secret: s.clientSecret };
    const first = await token(s, { ...base, grant_type: 'authorization_code', code });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ expires_in: 3600, client_endpoint: `${s.portalUrl}/rest/`, member_id: s.memberId, user_id: 1, status: 'L' });
    expect(await token(s, { ...base, grant_type: 'authorization_code', code })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const refresh1 = String(first.body['refresh_token']);
    const second = await token(s, { ...base, grant_type: 'refresh_token', refresh_token: refresh1 });
    expect(second.status).toBe(200);
    // The previous pair is dead: the old refresh token and the old access token.
    expect(await token(s, { ...base, grant_type: 'refresh_token', refresh_token: refresh1 })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await rest(`${s.portalUrl}/rest/`, 'profile', {}, String(first.body['access_token']))).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(await rest(`${s.portalUrl}/rest/`, 'profile', {}, String(second.body['access_token']))).toMatchObject({ status: 200, body: { result: { ID: '1', NAME: 'Anna' } } });
    expect(s.counters).toMatchObject({ codeExchanges: 1, refreshes: 1 });

    // A code older than 30 s is refused.
    const late = await fetch(`${s.portalUrl}/oauth/authorize/?client_id=${s.clientId}&state=a`, { redirect: 'manual' });
    const lateCode = new URL(late.headers.get('location') ?? '').searchParams.get('code') ?? '';
    s.advanceTime(31_000);
    expect(await token(s, { ...base, grant_type: 'authorization_code', code: lateCode })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token(s, { client_id: s.clientId, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: 'x' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('shows the code on the page when the application has no redirect URI', async () => {
    const s = await start({ redirectUri: null });
    const page = await fetch(`${s.portalUrl}/oauth/authorize/?client_id=${s.clientId}&state=q`, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<code id="code">${s.lastCode ?? 'none'}</code>`);
  });

  it('answers the documented auth errors: NO_AUTH_FOUND, expired_token, insufficient_scope, INVALID_CREDENTIALS, unknown method', async () => {
    const s = await start({ scope: ['telephony'], rateLimit: false });
    const base = `${s.portalUrl}/rest/`;
    expect(await rest(base, 'profile', {})).toEqual({ status: 401, body: { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' } });
    const t = s.issueTokens();
    expect(await rest(base, 'user.get', {}, t.access_token)).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    expect(await rest(base, 'no.such.method', {}, t.access_token)).toMatchObject({ status: 404, body: { error: 'ERROR_METHOD_NOT_FOUND' } });
    s.expireAccessTokens();
    expect(await rest(base, 'profile', {}, t.access_token)).toEqual({ status: 401, body: { error: 'expired_token', error_description: 'The access token provided has expired.' } });
    expect(await rest(`${s.portalUrl}/rest/1/nope/`, 'profile', {})).toMatchObject({ status: 401, body: { error: 'INVALID_CREDENTIALS' } });
    expect(s.counters.tokenRejections).toBe(1);
  });

  it('refuses with QUERY_LIMIT_EXCEEDED (503) once the leaky bucket is full, and drains', async () => {
    const s = await start({ rateLimit: { capacity: 5, drainPerSecond: 2 } });
    s.freezeTime();
    const t = s.issueTokens();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await rest(`${s.portalUrl}/rest/`, 'profile', {}, t.access_token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503, 503]);
    expect(s.counters.limitErrors).toBe(2);
    expect(s.requests.at(-1)).toMatchObject({ status: 503, error: 'QUERY_LIMIT_EXCEEDED' });
    s.advanceTime(1000); // two drained
    expect((await rest(`${s.portalUrl}/rest/`, 'profile', {}, t.access_token)).status).toBe(200);
  });

  it('register -> finish -> attachRecord: same CALL_ID on re-register within 30 min, finish once, attach only after finish', async () => {
    const s = await start({ rateLimit: false });
    const contact = s.addEntity('CONTACT', { name: 'Ivan Petrov', phones: ['+7 916 123-45-67'], assignedById: 9 });
    const t = s.issueTokens();
    const base = `${s.portalUrl}/rest/`;
    const reg = { USER_PHONE_INNER: '101', PHONE_NUMBER: '+79161234567', TYPE: 2, CALL_START_DATE: '2026-03-07T10:20:30+03:00', EXTERNAL_CALL_ID: 'L1', SHOW: 0 };
    // Method names are case-insensitive.
    const r1 = await rest(base, 'telephony.externalcall.register', reg, t.access_token);
    const r2 = await rest(base, 'TELEPHONY.EXTERNALCALL.REGISTER', reg, t.access_token);
    expect(r1.status).toBe(200);
    expect(result<{ CALL_ID: string }>(r2).CALL_ID).toBe(result<{ CALL_ID: string }>(r1).CALL_ID);
    expect(result<Record<string, unknown>>(r1)).toMatchObject({ CRM_ENTITY_TYPE: 'CONTACT', CRM_ENTITY_ID: contact.id, CRM_CREATED_LEAD: null, CRM_CREATED_ENTITIES: [] });
    const callId = result<{ CALL_ID: string }>(r1).CALL_ID;
    expect(s.calls()).toHaveLength(1);
    expect(s.call(callId)?.registerCount).toBe(2);

    expect(await rest(base, 'telephony.externalCall.attachRecord', { CALL_ID: callId, RECORD_URL: 'https://pbx.example.com/r.mp3' }, t.access_token)).toMatchObject({
      status: 400,
      body: { error: '', error_description: 'Call is not found in the statistic table. It looks like it is not finished yet.' },
    });
    const fin = await rest(base, 'telephony.externalCall.finish', { CALL_ID: callId, USER_PHONE_INNER: '101', DURATION: 42, STATUS_CODE: '200' }, t.access_token);
    expect(fin.status).toBe(200);
    expect(result<Record<string, unknown>>(fin)).toMatchObject({ CALL_ID: callId, EXTERNAL_CALL_ID: 'L1', PORTAL_USER_ID: 7, CALL_DURATION: 42, CALL_STATUS: 1, CALL_FAILED_CODE: '200', CRM_ENTITY_TYPE: 'CONTACT' });
    expect(await rest(base, 'telephony.externalCall.finish', { CALL_ID: callId, USER_PHONE_INNER: '101' }, t.access_token)).toMatchObject({
      status: 400,
      body: { error: 'ERROR_CORE', error_description: 'Call is not found (call should be registered prior to finishing)' },
    });
    expect(await rest(base, 'telephony.externalCall.attachRecord', { CALL_ID: callId, RECORD_URL: 'https://pbx.example.com/r.mp3' }, t.access_token)).toMatchObject({ status: 200, body: { result: { FILE_ID: 9000 } } });
    expect(s.call(callId)?.records).toEqual([{ url: 'https://pbx.example.com/r.mp3', fileId: 9000 }]);

    // After 30 minutes the same keys make a new registration.
    s.advanceTime(31 * 60_000);
    const r3 = await rest(base, 'telephony.externalCall.register', reg, t.access_token);
    expect(result<{ CALL_ID: string }>(r3).CALL_ID).not.toBe(callId);
  });

  it('CRM_CREATE makes a lead for an unknown number; register validates its fields', async () => {
    const s = await start({ rateLimit: false });
    const t = s.issueTokens();
    const base = `${s.portalUrl}/rest/`;
    const r = await rest(base, 'telephony.externalCall.register', { USER_ID: 7, PHONE_NUMBER: '+74950000000', TYPE: 2, CRM_CREATE: 1 }, t.access_token);
    const lead = s.allEntities('LEAD')[0];
    expect(lead).toMatchObject({ source: 'crmCreate', assignedById: 7 });
    expect(result<Record<string, unknown>>(r)).toMatchObject({ CRM_CREATED_LEAD: lead?.id, CRM_CREATED_ENTITIES: [{ ENTITY_TYPE: 'LEAD', ENTITY_ID: lead?.id }], CRM_ENTITY_TYPE: 'LEAD' });
    expect(await rest(base, 'telephony.externalCall.register', { PHONE_NUMBER: '1', TYPE: 2 }, t.access_token)).toMatchObject({ status: 400, body: { error: 'ERROR_CORE', error_description: 'USER_ID or USER_PHONE_INNER should be set' } });
    expect(await rest(base, 'telephony.externalCall.register', { USER_ID: 7, PHONE_NUMBER: '1', TYPE: 9 }, t.access_token)).toMatchObject({ status: 400, body: { error_description: 'Unknown TYPE' } });
    expect(await rest(base, 'telephony.externalCall.register', { USER_ID: 7, PHONE_NUMBER: '1', TYPE: 2, CALL_START_DATE: '2026-03-07 10:20' }, t.access_token)).toMatchObject({ status: 400 });
    expect(await rest(base, 'telephony.externalCall.register', { USER_ID: 77, PHONE_NUMBER: '1', TYPE: 2 }, t.access_token)).toMatchObject({ status: 400, body: { error_description: 'User is not found or is not active' } });
  });

  it('webhooks: register refused with WRONG_AUTH_TYPE unless allowed; user.get filters by UF_PHONE_INNER from a form body', async () => {
    const s = await start({ rateLimit: false });
    const hook = s.addWebhook('7');
    const base = s.webhookUrl(hook);
    expect(await rest(base, 'telephony.externalCall.register', { USER_ID: 7, PHONE_NUMBER: '1', TYPE: 2 })).toMatchObject({ status: 403, body: { error: 'WRONG_AUTH_TYPE' } });
    s.setWebhookTelephony('allow');
    expect((await rest(base, 'telephony.externalCall.register', { USER_ID: 7, PHONE_NUMBER: '1', TYPE: 2 })).status).toBe(200);
    expect(s.requests.at(-1)?.authKind).toBe('webhook');
    const res = await fetch(`${base}user.get`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'filter[UF_PHONE_INNER]=102' });
    expect(await res.json()).toMatchObject({ result: [{ ID: '9', NAME: 'Maria', UF_PHONE_INNER: '102' }], total: 1 });
  });

  it('goes down and comes back on the same port; forced errors', async () => {
    const s = await start({ rateLimit: false });
    const t = s.issueTokens();
    const url = s.portalUrl;
    await s.down('portal');
    await expect(fetch(`${url}/rest/profile?auth=${t.access_token}`)).rejects.toThrow();
    await s.up();
    expect(s.portalUrl).toBe(url);
    s.failNext('PROFILE', { status: 429, error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit' });
    expect(await rest(`${url}/rest/`, 'profile', {}, t.access_token)).toMatchObject({ status: 429, body: { error: 'OPERATION_TIME_LIMIT' } });
    expect((await rest(`${url}/rest/`, 'profile', {}, t.access_token)).status).toBe(200);
  });
});
