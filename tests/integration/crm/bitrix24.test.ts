// The Bitrix24 connector against the Bitrix24 test server over real HTTP, with
// the real CRM HTTP client, token manager, token client and authorization flow:
// the screen-pop search, the register -> finish -> attachRecord life cycle as
// the server received it, resuming after a crash at each step without a second
// registration, CRM_CREATE and missed-call to-dos, the leaky bucket under a
// burst with the access token expiring in the middle, revocation, webhooks, and
// what each refusal tells the user.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src-main/core/clock';
import { createBitrix24Connector, type Bitrix24Connector } from '../../../src-main/core/crm/bitrix24/connector';
import { bitrix24HttpOptions, type Bitrix24HttpOverrides } from '../../../src-main/core/crm/bitrix24/http-options';
import { bitrix24OAuthConfig, bitrix24RedirectUri } from '../../../src-main/core/crm/bitrix24/oauth-config';
import { CrmError } from '../../../src-main/core/crm/errors';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import { startAuthorization } from '../../../src-main/core/crm/oauth/authorization';
import { createTokenClient } from '../../../src-main/core/crm/oauth/token-client';
import { createTokenManager, type TokenManager } from '../../../src-main/core/crm/oauth/token-manager';
import { createTokenVault, StoredTokensSchema } from '../../../src-main/core/crm/oauth/token-vault';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import type { CallLog } from '../../../src-shared/domain/call-log';
import { Bitrix24SettingsSchema, CRM_SECRET_ACCOUNTS, type Bitrix24Settings } from '../../../src-shared/domain/crm-settings';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { answeredCallLog, journalDelivery, phoneQuery, type CallLogOverrides } from '../../support/crm-servers/sample-call-log';
import { startBitrix24Server, type Bitrix24ServerOptions, type Bitrix24TestServer } from '../../support/crm-servers/bitrix24-server';
import { crmFailure } from '../../support/crm-failure';
import { freePort } from '../../support/loopback';

const logs = createLoggerFactory(memorySink(20_000), 'debug');
const T0 = Date.UTC(2026, 2, 7, 7, 20, 30);

let server: Bitrix24TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Rig {
  readonly server: Bitrix24TestServer;
  readonly settings: Bitrix24Settings;
  readonly secrets: MemorySecretStore;
  readonly tokens: TokenManager;
  readonly connector: Bitrix24Connector;
  /** Signs in through the portal's authorize page and the token endpoint (code exchange). */
  signIn(): Promise<void>;
}

async function rig(opts: Bitrix24ServerOptions & { userMap?: Record<string, string>; portalBucket?: Bitrix24HttpOverrides['portalBucket']; redirectPort?: number } = {}): Promise<Rig> {
  const redirectPort = opts.redirectPort ?? 17_346;
  server = await startBitrix24Server({ redirectUri: `http://127.0.0.1:${redirectPort}/bitrix24/callback`, rateLimit: false, ...opts });
  const s = server;
  const settings = Bitrix24SettingsSchema.parse({ portalUrl: s.portalUrl, clientId: s.clientId, oauthServerUrl: s.oauthUrl, redirectPort, lineNumber: '3' });
  const secrets = new MemorySecretStore();
  const oauth = bitrix24OAuthConfig(settings, s.clientSecret);
  const tokenClient = createTokenClient(oauth.token, { clock: systemClock, log: logs('oauth') });
  const tokens = createTokenManager({
    crmName: 'Bitrix24',
    vault: createTokenVault(secrets, 'bitrix24', logs('vault')),
    refresh: (rt) => tokenClient.refresh(rt),
    clock: systemClock,
    log: logs('tokens'),
  });
  const crmHttp = createCrmHttp({
    ...bitrix24HttpOptions(settings, { kind: 'oauth', tokens }, opts.portalBucket ? { portalBucket: opts.portalBucket } : {}),
    clock: systemClock,
    log: logs('http'),
  });
  const connector = createBitrix24Connector({ settings, http: crmHttp, users: opts.userMap ?? {}, clock: systemClock, log: logs('bitrix24'), offsetMinutes: () => 180 });
  return {
    server: s,
    settings,
    secrets,
    tokens,
    connector,
    async signIn() {
      const page = await fetch(`${s.portalUrl}/oauth/authorize/?client_id=${s.clientId}&state=t`, { redirect: 'manual' });
      const code = new URL(page.headers.get('location') ?? '').searchParams.get('code') ?? '';
      await tokens.signIn(await tokenClient.exchangeCode(code));
    },
  };
}

const callLog = (over: CallLogOverrides = {}): CallLog =>
  answeredCallLog(
    {
      id: 'pbx-1710140185.18441',
      linkedid: '1710140185.18441',
      startedAt: T0,
      waitSeconds: 5,
      talkSeconds: 42,
      recording: { url: 'https://pbx.example.com/rec/2026/03/07/a.mp3', files: ['a.mp3'] },
      createUnknown: true,
    },
    over,
  );

const signal = (): AbortSignal => new AbortController().signal;

describe('screen pop', () => {
  it('finds a contact by phone with its company, responsible manager and card link; nothing -> null', async () => {
    const r = await rig();
    await r.signIn();
    r.server.addEntity('LEAD', { name: 'Old lead', phones: ['+7 916 123-45-67'], assignedById: 1 });
    r.server.addEntity('COMPANY', { name: 'Daisy LLC', phones: ['8 (916) 123-45-67'], assignedById: 9 });
    const contact = r.server.addEntity('CONTACT', { name: 'Ivan Petrov', phones: ['79161234567'], assignedById: 9 });

    const found = await r.connector.findContact(phoneQuery('+79161234567'), { signal: signal() });
    expect(found).toEqual({
      id: `C_${contact.id}`,
      name: 'Ivan Petrov',
      company: 'Daisy LLC',
      responsible: { name: 'Maria Manager', extension: '102' },
      url: `${r.server.portalUrl}/crm/contact/details/${contact.id}/`,
      phones: ['+79161234567'],
    });
    expect(r.connector.contactUrl?.({ id: 'L_5', name: 'x', phones: [] })).toBe(`${r.server.portalUrl}/crm/lead/details/5/`);
    expect(r.server.requestsFor('telephony.externalCall.searchCrmEntities')[0]).toMatchObject({ authKind: 'oauth', params: { PHONE_NUMBER: '+79161234567' } });
    expect(await r.connector.findContact(phoneQuery('+74950000000'), { signal: signal() })).toBeNull();
    expect(await r.connector.connectedAs({ signal: signal() })).toBe('Anna Admin');
  });

  it('lists users with their internal numbers across pages', async () => {
    const r = await rig();
    await r.signIn();
    for (let i = 0; i < 60; i += 1) r.server.addUser({ ID: String(100 + i), NAME: `User${i}`, LAST_NAME: 'Test', UF_PHONE_INNER: i % 2 ? String(200 + i) : '', ACTIVE: true });
    r.server.addUser({ ID: '999', NAME: 'Gone', LAST_NAME: 'Away', UF_PHONE_INNER: '299', ACTIVE: false });
    const users = await r.connector.listUsers?.({ signal: signal() });
    expect(users).toHaveLength(63);
    expect(users?.[1]).toEqual({ id: '7', name: 'Oleg Operator', email: 'oleg@example.test', extension: '101' });
    expect(users?.find((u) => u.id === '100')).not.toHaveProperty('extension');
    expect(users?.find((u) => u.id === '999')).toBeUndefined();
    expect(r.server.requestsFor('user.get').map((q) => q.params['start'])).toEqual([0, 50]);
  });
});

describe('call reporting', () => {
  it('register -> finish -> attachRecord with the documented fields, each step saved before the next', async () => {
    const r = await rig({ userMap: { '101': '7' } });
    await r.signIn();
    const contact = r.server.addEntity('CONTACT', { name: 'Ivan Petrov', phones: ['+79161234567'], assignedById: 9 });
    const d = journalDelivery();
    await r.connector.logCall?.(callLog({ contactId: `C_${contact.id}` }), d.ctx);

    const [call] = r.server.calls();
    expect(r.server.calls()).toHaveLength(1);
    expect(call?.registerParams).toMatchObject({
      USER_ID: 7,
      PHONE_NUMBER: '+79161234567',
      TYPE: 2,
      CALL_START_DATE: '2026-03-07T10:20:30+03:00',
      CRM_CREATE: 1,
      SHOW: 0,
      LINE_NUMBER: '3',
      EXTERNAL_CALL_ID: 'pbx-1710140185.18441',
      CRM_ENTITY_TYPE: 'CONTACT',
      CRM_ENTITY_ID: contact.id,
    });
    expect(call?.finished?.params).toMatchObject({ CALL_ID: call?.callId, USER_ID: 7, DURATION: 42, STATUS_CODE: '200' });
    expect(call?.finished?.result).toMatchObject({ CALL_STATUS: 1, CRM_ENTITY_TYPE: 'CONTACT', CRM_ENTITY_ID: contact.id });
    expect(call?.records.map((x) => x.url)).toEqual(['https://pbx.example.com/rec/2026/03/07/a.mp3']);
    expect(d.order).toEqual(['register', 'finish', 'attach']);
    expect(d.saved['register']).toEqual({ callId: call?.callId, entityType: 'CONTACT', entityId: contact.id });
    expect(r.server.requests.filter((q) => q.path.startsWith('/rest/')).map((q) => [q.methodKey, q.authKind])).toEqual([
      ['telephony.externalcall.register', 'oauth'],
      ['telephony.externalcall.finish', 'oauth'],
      ['telephony.externalcall.attachrecord', 'oauth'],
    ]);
  });

  it('a missed call without a recording: 304, no attach; internal calls and calls a colleague took send nothing', async () => {
    const r = await rig();
    await r.signIn();
    await r.connector.logCall?.(callLog({ result: 'missed', talkSeconds: 0, answeredAt: undefined, recording: { files: [] } }), journalDelivery().ctx);
    expect(r.server.calls()[0]?.finished?.params).toMatchObject({ USER_PHONE_INNER: '101', DURATION: 0, STATUS_CODE: '304' });
    expect(r.server.calls()[0]?.finished?.result).toMatchObject({ CALL_STATUS: 0, CALL_FAILED_CODE: '304' });
    expect(r.server.requestsFor('telephony.externalCall.attachRecord')).toHaveLength(0);
    const before = r.server.requests.length;
    await r.connector.logCall?.(callLog({ id: 'internal-1', direction: 'internal' }), journalDelivery().ctx);
    await r.connector.logCall?.(callLog({ id: 'elsewhere-1', result: 'answeredElsewhere', answeredBy: '102' }), journalDelivery().ctx);
    expect(r.server.requests.length).toBe(before);
  });

  it('an unknown caller becomes a lead (CRM_CREATE) and a missed call a to-do for the lead; with the rule off, no lead and no to-do', async () => {
    const r = await rig();
    await r.signIn();
    const d = journalDelivery();
    await r.connector.logCall?.(
      callLog({ number: { raw: '84950000000', e164: '+74950000000', digits: '74950000000' }, result: 'missed', talkSeconds: 0, recording: { files: [] }, rules: { createUnknown: true, missedCallTask: true } }),
      d.ctx,
    );
    const lead = r.server.allEntities('LEAD')[0];
    expect(lead).toMatchObject({ source: 'crmCreate', assignedById: 7 });
    expect(d.saved['register']).toMatchObject({ entityType: 'LEAD', entityId: lead?.id });
    expect(r.server.todos()).toHaveLength(1);
    expect(r.server.todos()[0]?.params).toMatchObject({ ownerTypeId: 1, ownerId: lead?.id, responsibleId: 7, deadline: '2026-03-07T11:21:17+03:00' });
    expect(d.order).toEqual(['register', 'finish', 'task']);

    const d2 = journalDelivery();
    await r.connector.logCall?.(
      callLog({ id: 'pbx-2', number: { raw: '84951111111', e164: '+74951111111', digits: '74951111111' }, result: 'missed', talkSeconds: 0, recording: { files: [] }, rules: { createUnknown: false, missedCallTask: true } }),
      d2.ctx,
    );
    expect(r.server.allEntities('LEAD')).toHaveLength(1);
    expect(r.server.todos()).toHaveLength(1);
    expect(d2.saved['task']).toEqual({ skipped: 'noEntity' });
  });

  it('a missed call from a known contact: the to-do goes to the contact\'s responsible manager', async () => {
    const r = await rig();
    await r.signIn();
    const contact = r.server.addEntity('CONTACT', { name: 'Ivan Petrov', phones: ['+79161234567'], assignedById: 9 });
    await r.connector.logCall?.(callLog({ result: 'missed', talkSeconds: 0, rules: { createUnknown: true, missedCallTask: true } }), journalDelivery().ctx);
    expect(r.server.todos()[0]?.params).toMatchObject({ ownerTypeId: 3, ownerId: contact.id, responsibleId: 9 });
  });
});

describe('resuming after a crash', () => {
  it('between register and finish: the resumed delivery finishes the saved CALL_ID and never registers again', async () => {
    const r = await rig();
    await r.signIn();
    // The process dies right after the register step reached the disk.
    const crashAfterRegister = journalDelivery({}, { at: 'register', persist: true });
    await expect(r.connector.logCall?.(callLog(), crashAfterRegister.ctx)).rejects.toThrow('crash while saving register');
    expect(r.server.calls()[0]?.finished).toBeUndefined();
    const resumed = journalDelivery(crashAfterRegister.saved);
    await r.connector.logCall?.(callLog(), resumed.ctx);
    expect(r.server.requestsFor('telephony.externalCall.register')).toHaveLength(1);
    expect(r.server.calls()).toHaveLength(1);
    expect(r.server.calls()[0]?.finished).toBeDefined();
    expect(r.server.calls()[0]?.records).toHaveLength(1);
    expect(resumed.order).toEqual(['finish', 'attach']);
  });

  it('after register answered but before its save: the repeat gets the same CALL_ID (EXTERNAL_CALL_ID within 30 min)', async () => {
    const r = await rig();
    await r.signIn();
    const lost = journalDelivery({}, { at: 'register', persist: false });
    await expect(r.connector.logCall?.(callLog(), lost.ctx)).rejects.toThrow();
    const again = journalDelivery(lost.saved);
    await r.connector.logCall?.(callLog(), again.ctx);
    expect(r.server.requestsFor('telephony.externalCall.register')).toHaveLength(2);
    expect(r.server.calls()).toHaveLength(1);
    expect(r.server.calls()[0]?.registerCount).toBe(2);
    expect(r.server.requestsFor('telephony.externalCall.finish')).toHaveLength(1);
  });

  it('after finish answered but before its save: "Call is not found" on the repeat counts as finished, the record is attached', async () => {
    const r = await rig();
    await r.signIn();
    const lost = journalDelivery({}, { at: 'finish', persist: false });
    await expect(r.connector.logCall?.(callLog(), lost.ctx)).rejects.toThrow('crash while saving finish');
    const again = journalDelivery(lost.saved);
    await r.connector.logCall?.(callLog(), again.ctx);
    expect(r.server.requestsFor('telephony.externalCall.register')).toHaveLength(1);
    expect(r.server.requestsFor('telephony.externalCall.finish').map((q) => q.status)).toEqual([200, 400]);
    expect(again.saved['finish']).toEqual({ alreadyFinished: true });
    expect(r.server.calls()[0]?.records).toHaveLength(1);
  });

  it('a refused recording link fails the delivery with the reason; after the fix it resumes at attach only', async () => {
    const r = await rig({ blockPrivateRecordUrls: true });
    await r.signIn();
    const log = callLog({ recording: { url: 'http://192.168.1.10/rec/a.mp3', files: ['a.mp3'] } });
    const d = journalDelivery();
    const err = await crmFailure(r.connector.logCall?.(log, d.ctx) ?? Promise.resolve());
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('Bitrix24 logged the call but refused its recording link (Record URL resolves to a non-public address and was blocked.)');
    r.server.setBlockPrivateRecordUrls(false);
    const resumed = journalDelivery(d.saved);
    await r.connector.logCall?.(log, resumed.ctx);
    expect(resumed.order).toEqual(['attach']);
    expect(r.server.requestsFor('telephony.externalCall.register')).toHaveLength(1);
    expect(r.server.calls()[0]?.records.map((x) => x.url)).toEqual(['http://192.168.1.10/rec/a.mp3']);
  });
});

describe('limits and tokens', () => {
  it('a burst of 200 through the client bucket: never two limit errors in a row; the token expiring mid-burst costs one refresh, rotated into the keychain', async () => {
    // The portal's bucket, scaled so the test takes seconds, not minutes; the client keeps its usual reserve below it.
    const bucket = { capacity: 100, drainPerSecond: 20 };
    const r = await rig({ rateLimit: bucket, portalBucket: { kind: 'bucket', ...bucket } });
    await r.signIn();
    r.server.addEntity('CONTACT', { name: 'Ivan Petrov', phones: ['+79161234567'], assignedById: 9 });
    // A first pop caches the manager's name, so the burst is searches only.
    await r.connector.findContact(phoneQuery('+79161234567'), { signal: signal() });
    const firstRefresh = StoredTokensSchema.parse(JSON.parse((await r.secrets.get(CRM_SECRET_ACCOUNTS.tokens('bitrix24'))) ?? '')).tokens.refreshToken;
    r.server.clearRecords();

    let done = 0;
    let limited = 0;
    const one = async (): Promise<void> => {
      for (;;) {
        try {
          await r.connector.findContact(phoneQuery('+79161234567'), { signal: signal() });
          done += 1;
          if (done === 60) r.server.expireAccessTokens();
          return;
        } catch (e) {
          // The outbox's answer to a limit: try again later (the client's limiter already paused).
          if (e instanceof CrmError && e.kind === 'rateLimited') {
            limited += 1;
            continue;
          }
          throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: 200 }, () => one()));

    expect(done).toBe(200);
    const statuses = r.server.requests.filter((q) => q.path.startsWith('/rest/')).map((q) => q.error ?? 'ok');
    for (let i = 1; i < statuses.length; i += 1) {
      if (statuses[i] === 'QUERY_LIMIT_EXCEEDED') expect(statuses[i - 1], `limit errors in a row at ${i}`).not.toBe('QUERY_LIMIT_EXCEEDED');
    }
    // findContact saw some of them (the manager-name lookups absorb theirs); the server counted every one.
    expect(limited).toBeLessThanOrEqual(r.server.counters.limitErrors);
    expect(statuses.filter((x) => x === 'ok').length).toBeGreaterThanOrEqual(200);
    expect(r.server.counters.tokenRejections).toBeGreaterThan(0);
    expect(r.server.counters.refreshes).toBe(1);
    const stored = StoredTokensSchema.parse(JSON.parse((await r.secrets.get(CRM_SECRET_ACCOUNTS.tokens('bitrix24'))) ?? ''));
    expect(stored.tokens.refreshToken).not.toBe(firstRefresh);
    expect(r.server.liveRefreshTokens()).toEqual([stored.tokens.refreshToken]);
    expect(r.tokens.status()).toBe('connected');
  });

  it('limit errors map to rateLimited with a retry time; scope errors name the permission', async () => {
    const r = await rig({ scope: ['telephony', 'crm'] });
    await r.signIn();
    r.server.failNext('telephony.externalcall.searchcrmentities', { status: 503, error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    const limit = await crmFailure(r.connector.findContact(phoneQuery('+79161234567'), { signal: signal() }));
    expect(limit).toMatchObject({ kind: 'rateLimited', retryAfterMs: 500, status: 503 });
    const scope = await crmFailure(r.connector.listUsers?.({ signal: signal() }) ?? Promise.resolve());
    expect(scope.kind).toBe('config');
    expect(scope.message).toContain('lacks the "user" permission');
    r.server.failNext('telephony.externalcall.register', { status: 400, error: 'ERROR_CORE', error_description: 'Unsupported phone number format' });
    expect(await crmFailure(r.connector.logCall?.(callLog(), journalDelivery().ctx) ?? Promise.resolve())).toMatchObject({ kind: 'rejected', crmMessage: 'Unsupported phone number format' });
    // Last: the client then holds every request for the longer limit pause.
    r.server.failNext('*', { status: 429, error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit' });
    expect(await crmFailure(r.connector.findContact(phoneQuery('+79161234567'), { signal: signal() }))).toMatchObject({ kind: 'rateLimited', status: 429, retryAfterMs: 10_000 });
  });

  it('revoked: "sign in to Bitrix24 again", the delivery waits; after signing in it is delivered once', async () => {
    const r = await rig();
    await r.signIn();
    r.server.revoke();
    const d = journalDelivery();
    const err = await crmFailure(r.connector.logCall?.(callLog(), d.ctx) ?? Promise.resolve());
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/^Sign in to Bitrix24 again/);
    expect(r.tokens.status()).toBe('needsSignIn');
    expect(r.server.calls()).toHaveLength(0);
    await r.signIn();
    await r.connector.logCall?.(callLog(), journalDelivery(d.saved).ctx);
    expect(r.server.calls()).toHaveLength(1);
    expect(r.server.calls()[0]?.finished).toBeDefined();
  });

  it('a portal that is down is "unavailable" (retry later)', async () => {
    const r = await rig();
    await r.signIn();
    await r.server.down('portal');
    expect((await crmFailure(r.connector.findContact(phoneQuery('+79161234567'), { signal: signal() }))).kind).toBe('unavailable');
    await r.server.up();
    expect(await r.connector.findContact(phoneQuery('+79161234567'), { signal: signal() })).toBeNull();
  });
});

describe('sign-in', () => {
  it('authorization code flow through the loopback redirect: no redirect_uri sent, GET token request, then the API works', async () => {
    const port = await freePort();
    const r = await rig({ redirectPort: port });
    const oauth = bitrix24OAuthConfig(r.settings, r.server.clientSecret);
    expect(bitrix24RedirectUri(r.settings)).toBe(`http://127.0.0.1:${port}/bitrix24/callback`);
    const browser = {
      async open(url: string): Promise<void> {
        const page = await fetch(url, { redirect: 'manual' });
        await fetch(page.headers.get('location') ?? '');
      },
    };
    const pending = await startAuthorization(oauth.authorization, { browser, clock: systemClock, log: logs('auth') });
    const result = await pending.result;
    expect(result.params).toMatchObject({ domain: new URL(r.server.portalUrl).host, member_id: r.server.memberId });
    const authorize = r.server.requestsFor('oauth/authorize')[0];
    expect(authorize?.params).toMatchObject({ client_id: r.server.clientId });
    expect(authorize?.params).not.toHaveProperty('redirect_uri');
    const tokenClient = createTokenClient(oauth.token, { clock: systemClock, log: logs('oauth') });
    await r.tokens.signIn(await tokenClient.exchangeCode(result.code, { redirectUri: result.redirectUri }));
    expect(r.server.requestsFor('oauth/token')[0]).toMatchObject({ httpMethod: 'GET', status: 200, params: { grant_type: 'authorization_code', client_id: r.server.clientId } });
    expect(await r.connector.connectedAs({ signal: signal() })).toBe('Anna Admin');
  });

  it('paste-the-code mode: the portal shows the code, nothing listens', async () => {
    const r = await rig({ redirectUri: null });
    const oauth = bitrix24OAuthConfig({ ...r.settings, pasteCode: true }, r.server.clientSecret);
    let shown = '';
    const browser = {
      async open(url: string): Promise<void> {
        shown = await (await fetch(url)).text();
      },
    };
    const pending = await startAuthorization(oauth.authorization, { browser, clock: systemClock, log: logs('auth') });
    await expect.poll(() => shown).toContain('<code id="code">');
    pending.submitPastedCode(/<code id="code">([^<]+)<\/code>/.exec(shown)?.[1] ?? '');
    const result = await pending.result;
    const tokenClient = createTokenClient(oauth.token, { clock: systemClock, log: logs('oauth') });
    await r.tokens.signIn(await tokenClient.exchangeCode(result.code));
    expect(await r.connector.connectedAs({ signal: signal() })).toBe('Anna Admin');
  });
});

describe('incoming webhook', () => {
  async function webhookRig(mode: 'refuse' | 'allow') {
    server = await startBitrix24Server({ rateLimit: false, webhookTelephony: mode });
    const s = server;
    const hook = s.addWebhook('7');
    const settings = Bitrix24SettingsSchema.parse({ portalUrl: s.portalUrl, auth: 'webhook' });
    const crmHttp = createCrmHttp({
      // As the portal shows it, with an example method at the end.
      ...bitrix24HttpOptions(settings, { kind: 'webhook', webhookUrl: `${s.webhookUrl(hook)}profile/` }),
      clock: systemClock,
      log: logs('http'),
    });
    const connector = createBitrix24Connector({ settings, http: crmHttp, clock: systemClock, log: logs('bitrix24') });
    return { s, connector };
  }

  it('reports calls through the webhook where the portal allows it', async () => {
    const { s, connector } = await webhookRig('allow');
    s.addEntity('CONTACT', { name: 'Ivan Petrov', phones: ['+79161234567'], assignedById: 9 });
    expect(await connector.findContact(phoneQuery('+79161234567'), { signal: signal() })).toMatchObject({ name: 'Ivan Petrov' });
    await connector.logCall?.(callLog(), journalDelivery().ctx);
    expect(s.calls()[0]?.finished).toBeDefined();
    expect(s.requests.every((q) => q.authKind === 'webhook')).toBe(true);
    expect(await connector.connectedAs({ signal: signal() })).toBe('Oleg Operator');
  });

  it('where register is application-only (WRONG_AUTH_TYPE), says to switch to the application sign-in', async () => {
    const { s, connector } = await webhookRig('refuse');
    const err = await crmFailure(connector.logCall?.(callLog(), journalDelivery().ctx) ?? Promise.resolve());
    expect(err.kind).toBe('config');
    expect(err.message).toContain('only from an application, not from an incoming webhook');
    expect(s.calls()).toHaveLength(0);
  });
});
