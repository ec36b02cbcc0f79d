// The amoCRM connector through the real CRM HTTP client, token manager and token
// client against the amoCRM test server (real HTTP on 127.0.0.1): what amoCRM
// receives is asserted from the server's record.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallLog } from '../../../src-shared/domain/call-log';
import { AmoCrmSettingsSchema, CRM_SECRET_ACCOUNTS, type AmoCrmSettings } from '../../../src-shared/domain/crm-settings';
import { systemClock } from '../../../src-main/core/clock';
import { createAmoCrmConnector, type AmoCrmConnector } from '../../../src-main/core/crm/amocrm/amocrm-connector';
import { amoCrmHttpOptions } from '../../../src-main/core/crm/amocrm/http-options';
import { amoCrmOAuthConfig } from '../../../src-main/core/crm/amocrm/oauth-config';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import type { CrmAuth } from '../../../src-main/core/crm/http/types';
import { startAuthorization } from '../../../src-main/core/crm/oauth/authorization';
import { createTokenClient, tokenSetFromResponse } from '../../../src-main/core/crm/oauth/token-client';
import { createTokenManager, type TokenManager } from '../../../src-main/core/crm/oauth/token-manager';
import { createTokenVault } from '../../../src-main/core/crm/oauth/token-vault';
import type { Logger } from '../../../src-main/ports';
import { startAmoCrmServer, type AmoCrmServer, type AmoCrmServerOptions } from '../../support/crm-servers/amocrm-server';
import { answeredCallLog, journalDelivery, phoneQuery, type CallLogOverrides } from '../../support/crm-servers/sample-call-log';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { crmFailure } from '../../support/crm-failure';
import { freePort } from '../../support/loopback';

const log: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const USER_MAP = { '101': '5001', '102': '5002' };
const T0 = Date.parse('2026-11-22T08:00:00.000Z');

interface Rig {
  readonly server: AmoCrmServer;
  readonly settings: AmoCrmSettings;
  readonly secrets: MemorySecretStore;
  readonly tokens: TokenManager;
  readonly crm: AmoCrmConnector;
}

let server: AmoCrmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rig(opts: AmoCrmServerOptions = {}, authOverride?: CrmAuth): Promise<Rig> {
  server = await startAmoCrmServer({
    contacts: [
      { id: 101, name: 'Иван Петров', phones: ['+7 (916) 123-45-67'], responsibleUserId: 5002, company: { id: 900, name: 'ООО Ромашка' } },
      { id: 102, name: 'Ольга Соколова', phones: ['8 903 555 44 33'], responsibleUserId: 5003 },
    ],
    ...opts,
  });
  const s = server;
  const settings = AmoCrmSettingsSchema.parse({ accountUrl: s.url, clientId: s.clientId, redirectPort: Number(new URL(s.redirectUri).port) });
  const secrets = new MemorySecretStore();
  const tokenClient = createTokenClient(amoCrmOAuthConfig(settings, s.clientSecret).token, { clock: systemClock, log });
  const tokens = createTokenManager({ crmName: 'amoCRM', vault: createTokenVault(secrets, 'amocrm', log), refresh: (rt) => tokenClient.refresh(rt), clock: systemClock, log });
  await tokens.signIn(tokenSetFromResponse(s.issueTokens(), Date.now()) ?? fail('no token set'), s.host);
  const http = createCrmHttp({ ...amoCrmHttpOptions(settings, authOverride ?? { kind: 'bearer', tokens }), clock: systemClock, log });
  const crm = createAmoCrmConnector({ settings, http, users: USER_MAP, clock: systemClock, log });
  return { server: s, settings, secrets, tokens, crm };
}

function fail(message: string): never {
  throw new Error(message);
}

const opts = () => ({ signal: new AbortController().signal });
const callLog = (patch: CallLogOverrides = {}): CallLog =>
  answeredCallLog(
    {
      id: '1763798400.42',
      crmUserId: '5001',
      startedAt: T0,
      waitSeconds: 8,
      talkSeconds: 95,
      recording: { url: 'https://pbx.example.com/rec/2026/11/22/in-101-1763798400.42.wav?md5=Xy_z&expires=1766390400', files: ['in-101-1763798400.42.wav'] },
      createUnknown: true,
    },
    patch,
  );

describe('amoCRM connector: contacts', () => {
  it('finds a contact by number: name, phones, company, responsible manager with extension, card URL', async () => {
    const { crm, server: s } = await rig();
    const contact = await crm.findContact({ e164: '+79161234567', digits: '79161234567', raw: '89161234567' }, opts());
    expect(contact).toEqual({
      id: '101',
      name: 'Иван Петров',
      company: 'ООО Ромашка',
      responsible: { name: 'Олег Кузнецов', extension: '102' },
      url: `${s.url}/contacts/detail/101`,
      phones: ['+7 (916) 123-45-67'],
    });
    const search = s.requestsTo('/api/v4/contacts', 'GET');
    expect(search).toHaveLength(1);
    expect(search[0]?.query['query']).toBe('9161234567');
    expect(search[0]?.headers['authorization']).toMatch(/^Bearer /);
    expect(crm.contactUrl(contact ?? fail('not found'))).toBe(`${s.url}/contacts/detail/101`);
  });

  it('finds a contact stored as "8 903..." even when the server matches only the typed form', async () => {
    const { crm } = await rig({ contactQuery: 'substring' });
    expect((await crm.findContact(phoneQuery('+79035554433'), opts()))?.id).toBe('102');
  });

  it('answers null on 204 and asks for users only once while the list is fresh', async () => {
    const { crm, server: s } = await rig();
    expect(await crm.findContact(phoneQuery('+79990000000'), opts())).toBeNull();
    await crm.findContact(phoneQuery('+79161234567'), opts());
    await crm.findContact(phoneQuery('+79161234567'), opts());
    expect(s.requestsTo('/api/v4/users')).toHaveLength(1);
    expect(s.requestsTo('/api/v4/companies/900')).toHaveLength(1);
  });

  it('creates a contact with the number, which the next lookup finds', async () => {
    const { crm, server: s } = await rig();
    const created = await crm.createContact(phoneQuery('+79997776655'), opts());
    expect(created).toMatchObject({ name: '+79997776655', phones: ['+79997776655'], url: `${s.url}/contacts/detail/${created.id}` });
    expect(s.requestsTo('/api/v4/contacts', 'POST')[0]?.body).toEqual([
      { name: '+79997776655', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+79997776655', enum_code: 'WORK' }] }] },
    ]);
    expect((await crm.findContact(phoneQuery('+79997776655'), opts()))?.id).toBe(created.id);
  });

  it('lists users across pages, and reads the account for "connected as"', async () => {
    const { crm, server: s } = await rig({ users: Array.from({ length: 260 }, (_, i) => ({ id: 6000 + i, name: `User ${i}`, email: `u${i}@example.com` })) });
    const users = await crm.listUsers(opts());
    expect(users).toHaveLength(260);
    expect(users[259]).toEqual({ id: '6259', name: 'User 259', email: 'u259@example.com' });
    expect(s.requestsTo('/api/v4/users').map((r) => r.query['page'])).toEqual(['1', '2']);
    expect(await crm.account(opts())).toMatchObject({ name: s.accountName, subdomain: s.subdomain });
  });
});

describe('amoCRM connector: call logs', () => {
  it('logs a known caller\'s call with every field, and a resumed delivery sends nothing again', async () => {
    const { crm, server: s } = await rig();
    const log1 = callLog({ contactId: '101' });
    const first = journalDelivery();
    await crm.logCall(log1, first.ctx);
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]).toMatchObject({ entityId: 101 });
    expect(s.calls[0]?.body).toEqual({
      direction: 'inbound',
      uniq: '1763798400.42',
      duration: 95,
      source: 'Sidecall',
      link: 'https://pbx.example.com/rec/2026/11/22/in-101-1763798400.42.wav?md5=Xy_z&expires=1766390400',
      phone: '+79161234567',
      call_status: 4,
      call_result: 'Answered, ext. 101',
      responsible_user_id: 5001,
      created_by: 5001,
      created_at: T0 / 1000,
      request_id: '1763798400.42',
    });
    expect(first.saved).toMatchObject({ contact: { id: 101 }, call: { placed: true, id: s.calls[0]?.id } });
    const before = s.requests.length;
    await crm.logCall(log1, journalDelivery(first.saved).ctx);
    expect(s.requests.length).toBe(before);
  });

  it('maps outbound busy to call_status 7 with the user from the extension map when the log has none', async () => {
    const { crm, server: s } = await rig();
    await crm.logCall(callLog({ direction: 'outbound', result: 'busy', talkSeconds: 0, answeredAt: undefined, crmUserId: undefined, extension: '102', number: { raw: '89035554433', e164: '+79035554433', digits: '79035554433' }, recording: { files: [] } }), journalDelivery().ctx);
    expect(s.calls[0]?.body).toMatchObject({ direction: 'outbound', call_status: 7, duration: 0, responsible_user_id: 5002, phone: '+79035554433' });
    expect(s.calls[0]?.body).not.toHaveProperty('link');
    expect(s.calls[0]?.entityId).toBe(102);
  });

  it('sends nothing for an internal call', async () => {
    const { crm, server: s } = await rig();
    await crm.logCall(callLog({ direction: 'internal', number: { raw: '102', digits: '102' } }), journalDelivery().ctx);
    expect(s.requests).toHaveLength(0);
  });

  it('turns an unknown caller into one unsorted sip lead, even when the first confirmation was lost', async () => {
    const { crm, server: s } = await rig();
    const unknown = callLog({ id: '1763798500.7', linkedid: '1763798500.7', number: { raw: '+79990001122', e164: '+79990001122', digits: '79990001122' }, remoteName: 'ACME' });
    const crashed = journalDelivery({}, { at: 'unsorted', persist: false });
    await expect(crm.logCall(unknown, crashed.ctx)).rejects.toThrow(/crash/);
    expect(s.unsorted).toHaveLength(1);
    expect(s.unsorted[0]?.body).toMatchObject({
      source_uid: '1763798500.7',
      source_name: 'Sidecall',
      metadata: { uniq: '1763798500.7', phone: '+79990001122', duration: 95, link: unknown.recording.url, is_call_event_needed: true, call_responsible: 5001 },
      _embedded: { contacts: [{ name: 'ACME' }] },
    });
    expect(crashed.saved).toEqual({ contact: { id: null } });
    // The outbox retries with the saved steps: amoCRM refuses the same source_uid, which means done,
    // and the caller (now a contact made by the unsorted lead) does not get a /calls entry as well.
    const retry = journalDelivery(crashed.saved);
    await crm.logCall(unknown, retry.ctx);
    expect(s.unsorted).toHaveLength(1);
    expect(s.counters.unsortedDuplicates).toBe(1);
    expect(retry.saved['unsorted']).toEqual({ duplicate: true });
    expect(s.requestsTo('/api/v4/calls')).toHaveLength(0);
  });

  it('puts unsorted leads in the pipeline from settings', async () => {
    const { server: s, settings } = await rig();
    const http = createCrmHttp({ ...amoCrmHttpOptions(settings, { kind: 'header', name: 'Authorization', value: `Bearer ${s.issueTokens().access_token}` }), clock: systemClock, log });
    const inPipeline = createAmoCrmConnector({ settings: { ...settings, pipelineId: 7_000_002 }, http, users: USER_MAP, clock: systemClock, log });
    await inPipeline.logCall(callLog({ number: { raw: '+79990001122', e164: '+79990001122', digits: '79990001122' } }), journalDelivery().ctx);
    expect(s.unsorted[0]?.body).toMatchObject({ pipeline_id: 7_000_002 });
  });

  it('with createUnknown off, an unknown caller\'s call goes to /calls and "not added" is fine either way amoCRM says it', async () => {
    const { crm, server: s } = await rig();
    const unknown = callLog({ number: { raw: '+79990001122', e164: '+79990001122', digits: '79990001122' }, rules: { createUnknown: false, missedCallTask: false } });
    const skipped = journalDelivery();
    await crm.logCall(unknown, skipped.ctx);
    expect(skipped.saved['call']).toEqual({ placed: false });
    expect(s.counters.callsNotAdded).toBe(1);
    s.configure({ callsWithoutEntity: 'reject' });
    const refused = journalDelivery();
    await crm.logCall(unknown, refused.ctx);
    expect(refused.saved['call']).toEqual({ placed: false });
    expect(s.unsorted).toHaveLength(0);
    expect(s.calls).toHaveLength(0);
  });

  it('a missed call makes a call-back task for the contact\'s responsible manager', async () => {
    const { crm, server: s } = await rig();
    const missed = callLog({ result: 'missed', answeredAt: undefined, talkSeconds: 0, waitSeconds: 25, recording: { files: [] }, contactId: '101', rules: { createUnknown: true, missedCallTask: true } });
    const d = journalDelivery();
    await crm.logCall(missed, d.ctx);
    expect(s.calls[0]?.body).toMatchObject({ call_status: 6, duration: 0, call_result: 'Missed, ext. 101' });
    expect(s.tasks).toHaveLength(1);
    expect(s.tasks[0]?.body).toEqual({
      task_type_id: 1,
      text: 'Missed call from +79161234567 to ext. 101: call back',
      complete_till: Math.floor(missed.endedAt / 1000) + 3600,
      entity_id: 101,
      entity_type: 'contacts',
      responsible_user_id: 5002,
      request_id: missed.id,
    });
    expect(Object.keys(d.saved)).toEqual(['contact', 'callPosting', 'call', 'task']);
    await crm.logCall(missed, journalDelivery(d.saved).ctx);
    expect(s.tasks).toHaveLength(1);
  });

  it('a missed call from an unknown number makes the task on the new unsorted lead', async () => {
    const { crm, server: s } = await rig();
    const missed = callLog({ result: 'missed', answeredAt: undefined, talkSeconds: 0, number: { raw: '+79990001122', e164: '+79990001122', digits: '79990001122' }, recording: { files: [] }, rules: { createUnknown: true, missedCallTask: true } });
    await crm.logCall(missed, journalDelivery().ctx);
    expect(s.tasks[0]?.body).toMatchObject({ entity_type: 'leads', entity_id: s.unsorted[0]?.leadId, responsible_user_id: 5001 });
  });

  it('a validation error is rejected with amoCRM\'s own words and nothing is saved', async () => {
    const { crm } = await rig();
    const d = journalDelivery();
    const err = await crmFailure(crm.logCall(callLog({ contactId: '101', crmUserId: '999' }), d.ctx));
    expect(err.kind).toBe('rejected');
    expect(err.retryable).toBe(false);
    expect(err.crmMessage).toBe('responsible_user_id: User with id 999 not found.; created_by: User with id 999 not found.');
    expect(err.message).toContain('User with id 999 not found.');
    // Only the contact decision and the marker that a post was attempted: no call step.
    expect(Object.keys(d.saved)).toEqual(['contact', 'callPosting']);
    expect(d.saved['contact']).toEqual({ id: 101 });
  });

  it('an unpaid or blocked account is a configuration problem; a CRM that is down is retryable', async () => {
    const { crm, server: s } = await rig();
    s.configure({ accountBlocked: 402 });
    expect(await crmFailure(crm.findContact(phoneQuery('+79161234567'), opts()))).toMatchObject({ kind: 'config', status: 402 });
    s.configure({ accountBlocked: 403 });
    const blocked = await crmFailure(crm.logCall(callLog({ contactId: '101' }), journalDelivery().ctx));
    expect(blocked).toMatchObject({ kind: 'config', status: 403 });
    expect(blocked.message).toMatch(/blocked/);
    s.configure({ accountBlocked: false });
    await s.down('unavailable');
    expect(await crmFailure(crm.findContact(phoneQuery('+79161234567'), opts()))).toMatchObject({ kind: 'unavailable', retryable: true });
    await s.down('refuse');
    expect(await crmFailure(crm.findContact(phoneQuery('+79161234567'), opts()))).toMatchObject({ kind: 'unavailable', retryable: true });
    await s.up();
    expect((await crm.findContact(phoneQuery('+79161234567'), opts()))?.id).toBe('101');
  });
});

describe('amoCRM connector: limits and tokens', () => {
  it('a burst through the client limiter stays under 7 per second as amoCRM counts it; after a 429 the client waits, so never two in a row', async () => {
    const { crm, server: s } = await rig();
    // One 429 as amoCRM sends it (no JSON body) at the start of the burst.
    s.failNext(1, { status: 429, body: 'Too Many Requests', headers: { 'content-type': 'text/plain' } });
    const results = await Promise.allSettled(Array.from({ length: 22 }, (_, i) => crm.findContact(phoneQuery(`+7999000${String(1000 + i)}`), opts())));
    const statuses = s.requestsTo('/api/v4/contacts').map((r) => r.status);
    expect(statuses).toHaveLength(22);
    expect(statuses[0]).toBe(429);
    for (let i = 1; i < statuses.length; i++) expect(statuses[i - 1] === 429 && statuses[i] === 429, `429 twice in a row at ${i}: ${statuses.join(',')}`).toBe(false);
    expect(s.counters.rateLimited).toBe(0);
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value).toBeNull();
      else expect(r.reason).toMatchObject({ kind: 'rateLimited', retryable: true });
    }
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(statuses.filter((x) => x === 429).length);
  });

  it('the server does enforce 7 per second: the same burst without the limiter gets 429', async () => {
    // Server time stands still, so all 12 arrive within one second whatever the machine's speed.
    const { server: s } = await rig({ now: () => T0 });
    const token = s.issueTokens().access_token;
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => fetch(`${s.url}/api/v4/account`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status)),
    );
    expect(statuses.filter((x) => x === 200)).toHaveLength(7);
    expect(statuses.filter((x) => x === 429)).toHaveLength(5);
    expect(s.counters.rateLimited).toBe(5);
  });

  it('token expiry in the middle of a burst: one refresh, every request succeeds, the rotated refresh token is stored and is the one accepted next', async () => {
    const { crm, server: s, secrets } = await rig({ rateLimit: false });
    const storedRefresh = async (): Promise<string | undefined> => {
      const raw = await secrets.get(CRM_SECRET_ACCOUNTS.tokens('amocrm'));
      return (JSON.parse(raw ?? '{}') as { tokens?: { refreshToken?: string } }).tokens?.refreshToken;
    };
    const initial = await storedRefresh();
    s.expireAccessTokensAfter(3);
    const burst = await Promise.all(Array.from({ length: 12 }, () => crm.findContact(phoneQuery('+79035554433'), opts())));
    expect(burst.every((c) => c?.id === '102')).toBe(true);
    expect(s.counters.unauthorized).toBeGreaterThan(0);
    expect(s.counters.tokenRefreshes).toBe(1);
    const rotated = await storedRefresh();
    expect(rotated).not.toBe(initial);
    expect(s.validRefreshTokens()).toEqual([rotated]);
    // The next expiry is refreshed with the rotated token (the old one would be refused).
    s.expireAccessTokens();
    expect((await crm.findContact(phoneQuery('+79035554433'), opts()))?.id).toBe('102');
    expect(s.counters.tokenRefreshes).toBe(2);
    expect(s.validRefreshTokens()).toEqual([await storedRefresh()]);
  });

  it('a revoked refresh token means "sign in again" and needsSignIn, nothing is sent meanwhile', async () => {
    const { crm, server: s, tokens } = await rig();
    s.revokeRefreshTokens();
    s.expireAccessTokens();
    const err = await crmFailure(crm.logCall(callLog({ contactId: '101' }), journalDelivery().ctx));
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/Sign in to amoCRM again/);
    expect(tokens.status()).toBe('needsSignIn');
    expect(s.calls).toHaveLength(0);
  });

  it('a long-lived token works as a fixed Bearer and turns into an auth error once revoked', async () => {
    const { crm, server: s } = await rig({ longLivedToken: 'llt-0123456789' }, { kind: 'header', name: 'Authorization', value: 'Bearer llt-0123456789' });
    expect((await crm.account(opts())).name).toBe(s.accountName);
    s.revokeAll();
    expect(await crmFailure(crm.account(opts()))).toMatchObject({ kind: 'auth', status: 401 });
    expect(s.counters.tokenRefreshes).toBe(0);
  });
});

describe('amoCRM sign-in', () => {
  it('authorizes in the "browser", gets the code on the loopback redirect and exchanges it at the account token endpoint', async () => {
    const port = await freePort();
    server = await startAmoCrmServer({ redirectUri: `http://127.0.0.1:${port}/amocrm/callback` });
    const s = server;
    const settings = AmoCrmSettingsSchema.parse({ accountUrl: s.url, clientId: s.clientId, authorizeUrl: `${s.url}/oauth`, redirectPort: port });
    const cfg = amoCrmOAuthConfig(settings, s.clientSecret);
    // The system browser: follows amoCRM's redirect to the loopback listener.
    const browser = {
      async open(url: string) {
        const page = await fetch(url, { redirect: 'manual' });
        await fetch(page.headers.get('location') ?? fail('no redirect'));
      },
    };
    const pending = await startAuthorization(cfg.authorization, { browser, clock: systemClock, log });
    const result = await pending.result;
    expect(result.params['referer']).toBe(s.host);
    expect(result.redirectUri).toBe(s.redirectUri);
    const authorize = s.requestsTo('/oauth')[0];
    expect(authorize?.query).toMatchObject({ client_id: s.clientId, mode: 'post_message', state: expect.any(String) });
    expect(authorize?.query).not.toHaveProperty('redirect_uri');

    const tokenSet = await createTokenClient(cfg.token, { clock: systemClock, log }).exchangeCode(result.code, { redirectUri: result.redirectUri });
    expect(s.counters.codeExchanges).toBe(1);
    expect(s.requestsTo('/oauth2/access_token')[0]?.body).toEqual({
      client_id: s.clientId,
      client_secret: s.clientSecret,
      grant_type: 'authorization_code',
      code: result.code,
      redirect_uri: s.redirectUri,
    });
    expect(tokenSet.refreshToken).toBeDefined();
    const http = createCrmHttp({ ...amoCrmHttpOptions(settings, { kind: 'header', name: 'Authorization', value: `Bearer ${tokenSet.accessToken}` }), clock: systemClock, log });
    const crm = createAmoCrmConnector({ settings, http, users: {}, clock: systemClock, log });
    expect((await crm.account(opts())).subdomain).toBe(s.subdomain);
    // The code is single use.
    await expect(createTokenClient(cfg.token, { clock: systemClock, log }).exchangeCode(result.code)).rejects.toMatchObject({ kind: 'auth' });
  });
});
