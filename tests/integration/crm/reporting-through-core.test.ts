// Call reporting through the whole core, over real sockets: the AMI test server
// is the PBX, the amoCRM and Bitrix24 test servers are the CRMs, the outbox is
// the real file journal in a temp folder, and sign-in goes through a stand-in
// for the system browser that fetches the authorize page and follows its
// redirect to the core's loopback listener. What must hold: a call that rings,
// is answered with a recording and hung up reaches the CRM exactly once with its
// link, duration, direction and id, and History says "sent"; an access token
// that expires in the middle of a burst costs exactly one refresh and the
// rotated refresh token is the one in the keychain; a revoked refresh token
// turns into "sign in again" with every call kept, and all of them go once
// after signing in again; Bitrix24 gets register -> finish -> attachRecord once
// per call, also across a restart of the core between register and finish.
//
// The keychain is the real one (keytar over the Secret Service) when this
// process can reach it (CI runs the tests inside a D-Bus session with an
// unlocked gnome-keyring); otherwise an in-memory SecretStore, and the test
// output says which.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallsView, HistoryItem } from '../../../src-shared/domain/calls-view';
import { AmoCrmSettingsSchema, Bitrix24SettingsSchema, CRM_SECRET_ACCOUNTS } from '../../../src-shared/domain/crm-settings';
import type { CrmStatus, OutboxStatusView } from '../../../src-shared/domain/crm-status';
import type { RequestChannel, ResponseOf } from '../../../src-shared/ipc/contract';
import { AMI_SECRET_ACCOUNT } from '../../../src-main/core/app';
import { CRM_BACKENDS } from '../../../src-main/core/crm/backends';
import { StoredTokensSchema } from '../../../src-main/core/crm/oauth/token-vault';
import { KeytarSecretStore } from '../../../src-main/adapters/secrets/keytar-secret-store';
import type { ExternalBrowser, SecretStore } from '../../../src-main/ports';
import { fileOutbox } from '../../support/core-calls';
import { LAB_USERS, simulateInbound, startAmiServer, type AmiServer } from '../../support/ami-server';
import { createCoreFixture, tempDir, type CoreFixture } from '../../support/core-fixture';
import { startAmoCrmServer, type AmoCrmServer } from '../../support/crm-servers/amocrm-server';
import { startBitrix24Server, type Bitrix24TestServer } from '../../support/crm-servers/bitrix24-server';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { freePort } from '../../support/loopback';

const EXTENSION = '101';
const LINK_TEMPLATE = 'https://pbx.example.com/rec/{yyyy}/{mm}/{dd}/{file}';
const POLL = { timeout: 20_000, interval: 10 } as const;

// ---- small helpers ----------------------------------------------------------------

/** A port nothing listens on now (for the loopback redirect the CRM test server must know in advance). */

/** The keychain: the real one where this process reaches a Secret Service, else in memory. */
async function keychain(): Promise<{ readonly store: SecretStore; readonly real: boolean }> {
  const store = await KeytarSecretStore.open(`Sidecall-test-reporting-${process.pid}`);
  if (store.status().available) return { store, real: true };
  return { store: new MemorySecretStore(), real: false };
}

async function forgetSecrets(store: SecretStore): Promise<void> {
  const accounts = [AMI_SECRET_ACCOUNT, ...(['amocrm', 'bitrix24'] as const).flatMap((k) => [CRM_SECRET_ACCOUNTS.tokens(k), CRM_SECRET_ACCOUNTS.clientSecret(k), CRM_SECRET_ACCOUNTS.credential(k)])];
  for (const a of accounts) await store.delete(a).catch(() => false);
}

/**
 * Stands in for the operator's system browser: loads the authorize page and follows
 * its redirect to the core's loopback listener, as a browser does after "Allow".
 */
function systemBrowser(visits: { url: string; landedOn: string; status: number }[]): ExternalBrowser {
  return {
    async open(url) {
      const res = await fetch(url, { redirect: 'follow' });
      await res.text();
      visits.push({ url, landedOn: res.url, status: res.status });
    },
  };
}

/** Polls `check` until it holds (hooks cannot use expect.poll); rejects naming `what` after 20 s. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + POLL.timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL.interval));
  }
}

async function request<C extends RequestChannel>(fx: CoreFixture, channel: C, payload: unknown): Promise<ResponseOf<C>> {
  const reply = await fx.core.dispatch(channel, payload);
  if (!reply.ok) throw new Error(`${channel} refused: ${reply.error.message}`);
  return reply.result as ResponseOf<C>;
}

/** Every crm.status and outbox.changed the core published, newest last. */
interface Events {
  readonly crm: CrmStatus[];
  readonly outbox: OutboxStatusView[];
}

function record(fx: CoreFixture): Events {
  const events: Events = { crm: [], outbox: [] };
  fx.core.subscribe((channel, payload) => {
    if (channel === 'crm.status') events.crm.push(payload as CrmStatus);
    if (channel === 'outbox.changed') events.outbox.push(payload as OutboxStatusView);
  });
  return events;
}

async function pbxSettings(fx: CoreFixture, srv: AmiServer): Promise<void> {
  await request(fx, 'settings.update', {
    patch: {
      pbx: { host: '127.0.0.1', port: srv.port, amiUser: 'op101', extension: EXTENSION },
      reporting: { which: 'external', recordingLink: { urlTemplate: LINK_TEMPLATE, signed: false, expiresHours: 0 } },
    },
    amiSecret: 'op101secret',
  });
  await waitUntil(async () => (await request(fx, 'connection.get', {})).state === 'ready', 'the AMI connection');
}

/** The AMI test server as the PBX; the operator's phone answers by hand, and their AMI user may start MixMonitor (`system`). */
async function startPbx(): Promise<AmiServer> {
  const users = { ...LAB_USERS, op101: { secret: 'op101secret', read: 'call,cdr,reporting,agent,dialplan', write: 'call,originate,reporting,system' } };
  const srv = await startAmiServer({ loginFailureDelayMs: 0, config: { rtcpIntervalMs: 0 }, users });
  srv.pbx.setPhone(EXTENSION, { answer: 'manual' });
  return srv;
}

async function callsView(fx: CoreFixture): Promise<CallsView> {
  return request(fx, 'calls.get', {});
}

/**
 * An outside caller rings the operator through the trunk; the phone answers,
 * the operator starts recording (MixMonitor on their channel, through
 * `calls.record`) when `record`, talks `talkMs`, and hangs up. Resolves with the
 * call id once the core has it ended (History filed it).
 */
async function takeCall(fx: CoreFixture, srv: AmiServer, from: string, opts: { readonly talkMs?: number; readonly record?: boolean } = {}): Promise<string> {
  const talkMs = opts.talkMs ?? 0;
  simulateInbound(srv.pbx, { from, to: EXTENSION, via: 'trunk', answer: false, talkMs: 600_000 });
  let id = '';
  await expect
    .poll(async () => {
      const c = (await callsView(fx)).live.find((l) => l.call.state === 'ringing' && l.call.remoteNumber === from);
      id = c?.call.id ?? '';
      return id !== '';
    }, POLL)
    .toBe(true);
  expect(srv.pbx.answerPhone(EXTENSION)).toBe(true);
  await expect.poll(async () => (await callsView(fx)).live.some((l) => l.call.id === id && l.call.state === 'connected'), POLL).toBe(true);
  if (opts.record) {
    await request(fx, 'calls.record', { callId: id, action: 'start' });
    await expect.poll(async () => (await callsView(fx)).live.find((l) => l.call.id === id)?.call.recording.file ?? '', POLL).toMatch(/\.wav$/);
  }
  if (talkMs > 0) await new Promise((r) => setTimeout(r, talkMs));
  expect(srv.pbx.hangupPhone(EXTENSION)).toBe(true);
  await expect.poll(async () => (await history(fx)).some((h) => h.call.id === id), POLL).toBe(true);
  return id;
}

async function history(fx: CoreFixture): Promise<readonly HistoryItem[]> {
  return (await request(fx, 'history.list', {})).items;
}

async function marks(fx: CoreFixture, ids: readonly string[]): Promise<string[]> {
  const items = await history(fx);
  return ids.map((id) => items.find((h) => h.call.id === id)?.report ?? 'none');
}

function expectedLink(item: HistoryItem): string {
  const file = item.call.recording.files[0] ?? '';
  const d = new Date(item.call.startedAt);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `https://pbx.example.com/rec/${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())}/${encodeURIComponent(path.basename(file))}`;
}

/** How many times each value occurs. */
function tally(values: readonly unknown[]): Map<unknown, number> {
  const m = new Map<unknown, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

const amoNumber = (i: number): string => `7916555${String(1000 + i).padStart(4, '0')}`;

// ---- amoCRM ---------------------------------------------------------------------------

describe('reporting to amoCRM through the core', () => {
  let srv: AmiServer;
  let amo: AmoCrmServer;
  let fx: CoreFixture;
  let events: Events;
  let secrets: SecretStore;
  const visits: { url: string; landedOn: string; status: number }[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const kc = await keychain();
    secrets = kc.store;
    console.log(`reporting-through-core (amoCRM): keychain = ${kc.real ? 'real (keytar, Secret Service)' : 'in-memory SecretStore (no Secret Service reachable from this process)'}`);
    cleanups.push(() => forgetSecrets(secrets));
    const redirectPort = await freePort();
    // No rate limit on the server: the client still spaces its requests as it would for amoCRM.
    amo = await startAmoCrmServer({ redirectUri: `http://127.0.0.1:${redirectPort}/amocrm/callback`, rateLimit: false });
    cleanups.push(() => amo.close());
    amo.addContact({ name: 'Иван Петров', phones: ['+7 916 123-45-67'] });
    for (let i = 0; i < 40; i++) amo.addContact({ name: `Клиент ${i}`, phones: [`+${amoNumber(i)}`] });
    srv = await startPbx();
    cleanups.push(() => srv.close());
    const dir = tempDir('sidecall-reporting-');
    fx = await createCoreFixture({ dir, secrets, crmBackends: CRM_BACKENDS, browser: systemBrowser(visits), outbox: fileOutbox(path.join(dir, 'outbox.journal')) });
    cleanups.push(() => fx.cleanup());
    events = record(fx);
    await pbxSettings(fx, srv);
    await request(fx, 'settings.update', {
      patch: { crm: { kind: 'amocrm', amocrm: AmoCrmSettingsSchema.parse({ accountUrl: amo.url, clientId: amo.clientId, authorizeUrl: `${amo.url}/oauth`, redirectPort }) } },
      crmSecrets: { clientSecret: amo.clientSecret },
    });
  });
  afterAll(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('signs in through the system browser and the loopback redirect: connected as the account', async () => {
    expect((await request(fx, 'crm.status', {})).state).toBe('signedOut');
    const started = await request(fx, 'crm.connect', {});
    expect(started).toMatchObject({ state: 'signingIn', waitingFor: 'redirect' });
    await expect.poll(async () => (await request(fx, 'crm.status', {})).state, POLL).toBe('connected');
    const st = await request(fx, 'crm.status', {});
    expect(st).toMatchObject({ kind: 'amocrm', state: 'connected', account: `${amo.accountName} (${amo.subdomain})`, signIn: 'oauth' });
    expect(events.crm.at(-1)?.state).toBe('connected');
    // The browser saw amoCRM's page and was sent on to the loopback callback.
    expect(visits).toHaveLength(1);
    expect(visits[0]?.url.startsWith(`${amo.url}/oauth?`)).toBe(true);
    expect(visits[0]?.landedOn).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/amocrm\/callback\?/);
    expect(visits[0]?.status).toBe(200);
    expect(amo.counters.codeExchanges).toBe(1);
    // The tokens are in the keychain, never in a status or the settings.
    const stored = StoredTokensSchema.parse(JSON.parse((await secrets.get(CRM_SECRET_ACCOUNTS.tokens('amocrm'))) ?? 'null'));
    expect(amo.validRefreshTokens()).toEqual([stored.tokens.refreshToken]);
    expect(JSON.stringify(events.crm)).not.toContain(stored.tokens.accessToken);
  });

  it('a recorded call that rings, is answered and hung up reaches amoCRM once, with its link, duration, direction and id; History: sent', async () => {
    amo.clearRecords();
    const id = await takeCall(fx, srv, '79161234567', { talkMs: 1100, record: true });
    await expect.poll(async () => (await marks(fx, [id]))[0], POLL).toBe('sent');
    const posts = amo.requestsTo('/api/v4/calls', 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.status).toBe(200);
    const item = (await history(fx)).find((h) => h.call.id === id);
    if (!item) throw new Error('the call is not in History');
    expect(item.call.recording.files).toHaveLength(1);
    const talk = Math.round(((item.call.endedAt ?? 0) - (item.call.answeredAt ?? 0)) / 1000);
    expect(talk).toBeGreaterThanOrEqual(1);
    const body = posts[0]?.body as Record<string, unknown>[];
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ uniq: id, direction: 'inbound', duration: talk, link: expectedLink(item), phone: '+79161234567', call_status: 4 });
    expect(amo.calls.filter((c) => c.body['uniq'] === id)).toHaveLength(1);
    expect(amo.calls.at(-1)?.entityId).toBe(amo.contacts.find((c) => c.name === 'Иван Петров')?.id);
    expect((await request(fx, 'outbox.status', {})).waiting).toBe(0);
  });

  it('an access token that expires in the middle of a burst of 30 calls: one refresh, every call once, the rotated refresh token in the keychain', async () => {
    amo.clearRecords();
    const before = StoredTokensSchema.parse(JSON.parse((await secrets.get(CRM_SECRET_ACCOUNTS.tokens('amocrm'))) ?? 'null'));
    // Every token expires after 12 more answered API requests: about a third into the burst's ~60.
    amo.expireAccessTokensAfter(12);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await takeCall(fx, srv, amoNumber(i)));
    await expect.poll(async () => (await marks(fx, ids)).every((m) => m === 'sent'), { ...POLL, timeout: 60_000 }).toBe(true);

    expect(amo.counters.unauthorized).toBeGreaterThan(0);
    expect(amo.counters.tokenRefreshes).toBe(1);
    const uniqs = tally(amo.calls.map((c) => c.body['uniq']));
    for (const id of ids) expect(uniqs.get(id), id).toBe(1);
    expect(amo.requestsTo('/api/v4/calls', 'POST').filter((r) => r.status === 200)).toHaveLength(30);
    // Rotation: the old refresh token is spent, the new one is the only valid one and it is the one stored.
    const after = StoredTokensSchema.parse(JSON.parse((await secrets.get(CRM_SECRET_ACCOUNTS.tokens('amocrm'))) ?? 'null'));
    expect(after.tokens.refreshToken).not.toBe(before.tokens.refreshToken);
    expect(amo.validRefreshTokens()).toEqual([after.tokens.refreshToken]);
    expect((await request(fx, 'crm.status', {})).state).toBe('connected');
  }, 120_000);

  it('a revoked refresh token: needs sign-in, the outbox pauses and keeps every call; after signing in again each goes once', async () => {
    amo.clearRecords();
    amo.revokeRefreshTokens();
    amo.expireAccessTokens();
    const ids: string[] = [];
    for (let i = 30; i < 35; i++) ids.push(await takeCall(fx, srv, amoNumber(i)));

    await expect.poll(async () => (await request(fx, 'crm.status', {})).state, POLL).toBe('needsSignIn');
    await expect.poll(async () => (await request(fx, 'outbox.status', {})).paused, POLL).toBe('needsSignIn');
    // Calls that end while signed out are queued too.
    ids.push(await takeCall(fx, srv, amoNumber(35)));
    await expect.poll(async () => (await request(fx, 'outbox.status', {})).waiting, POLL).toBe(ids.length);
    const paused = await request(fx, 'outbox.status', {});
    expect(paused.failed).toEqual([]);
    expect(await marks(fx, ids)).toEqual(ids.map(() => 'waiting'));
    expect(events.crm.at(-1)?.message).toMatch(/Sign in to amoCRM again/);
    expect(events.outbox.some((o) => o.paused === 'needsSignIn')).toBe(true);
    expect(amo.calls.filter((c) => ids.includes(String(c.body['uniq'])))).toHaveLength(0);
    // Exactly one refused refresh: the waiting deliveries did not each try the dead token.
    expect(amo.requestsTo('/oauth2/access_token', 'POST').map((r) => r.status)).toEqual([401]);

    const codesBefore = amo.counters.codeExchanges;
    await request(fx, 'crm.connect', {});
    await expect.poll(async () => (await request(fx, 'crm.status', {})).state, POLL).toBe('connected');
    expect(amo.counters.codeExchanges).toBe(codesBefore + 1);
    await expect.poll(async () => (await marks(fx, ids)).every((m) => m === 'sent'), { ...POLL, timeout: 30_000 }).toBe(true);
    const uniqs = tally(amo.calls.map((c) => c.body['uniq']));
    for (const id of ids) expect(uniqs.get(id), id).toBe(1);
    const st = await request(fx, 'outbox.status', {});
    expect(st.waiting).toBe(0);
    expect(st.paused).toBeUndefined();
    const stored = StoredTokensSchema.parse(JSON.parse((await secrets.get(CRM_SECRET_ACCOUNTS.tokens('amocrm'))) ?? 'null'));
    expect(stored.needsSignIn).toBe(false);
    expect(amo.validRefreshTokens()).toEqual([stored.tokens.refreshToken]);
  }, 90_000);
});

// ---- Bitrix24 -------------------------------------------------------------------------------

describe('reporting to Bitrix24 through the core', () => {
  let srv: AmiServer;
  let b24: Bitrix24TestServer;
  let secrets: SecretStore;
  let dir: string;
  let journal: string;
  const fixtures: CoreFixture[] = [];
  const visits: { url: string; landedOn: string; status: number }[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  const open = async (): Promise<CoreFixture> => {
    const fx = await createCoreFixture({ dir, secrets, crmBackends: CRM_BACKENDS, browser: systemBrowser(visits), outbox: fileOutbox(journal) });
    fixtures.push(fx);
    return fx;
  };
  const current = (): CoreFixture => {
    const fx = fixtures.at(-1);
    if (!fx) throw new Error('no core');
    return fx;
  };
  const registersOf = (id: string) => b24.requestsFor('telephony.externalCall.register').filter((r) => r.params['EXTERNAL_CALL_ID'] === id);

  beforeAll(async () => {
    const kc = await keychain();
    secrets = kc.store;
    console.log(`reporting-through-core (Bitrix24): keychain = ${kc.real ? 'real (keytar, Secret Service)' : 'in-memory SecretStore (no Secret Service reachable from this process)'}`);
    cleanups.push(() => forgetSecrets(secrets));
    const redirectPort = await freePort();
    b24 = await startBitrix24Server({ redirectUri: `http://127.0.0.1:${redirectPort}/bitrix24/callback`, rateLimit: false });
    cleanups.push(() => b24.close());
    b24.addEntity('CONTACT', { name: 'Пётр Сидоров', phones: ['+7 903 555-01-01'] });
    b24.addEntity('CONTACT', { name: 'Ольга Новикова', phones: ['+7 903 555-01-02'] });
    b24.addEntity('CONTACT', { name: 'Сергей Волков', phones: ['+7 903 555-01-03'] });
    srv = await startPbx();
    cleanups.push(() => srv.close());
    dir = tempDir('sidecall-reporting-b24-');
    journal = path.join(dir, 'outbox.journal');
    cleanups.push(async () => {
      const last = fixtures.at(-1);
      if (last) await last.cleanup();
    });
    const fx = await open();
    await pbxSettings(fx, srv);
    await request(fx, 'settings.update', {
      patch: { crm: { kind: 'bitrix24', bitrix24: Bitrix24SettingsSchema.parse({ portalUrl: b24.portalUrl, clientId: b24.clientId, oauthServerUrl: b24.oauthUrl, redirectPort }) } },
      crmSecrets: { clientSecret: b24.clientSecret },
    });
    await request(fx, 'crm.connect', {});
    await waitUntil(async () => (await request(fx, 'crm.status', {})).state === 'connected', 'Bitrix24 sign-in');
  });
  afterAll(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('each call is registered, finished and its recording attached once, under EXTERNAL_CALL_ID = the call id; History: sent', async () => {
    const fx = current();
    expect(visits[0]?.landedOn).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bitrix24\/callback\?/);
    b24.clearRecords();
    const ids = [await takeCall(fx, srv, '79035550101', { talkMs: 1100, record: true }), await takeCall(fx, srv, '79035550102', { record: true })];
    await expect.poll(async () => (await marks(fx, ids)).every((m) => m === 'sent'), POLL).toBe(true);
    const items = await history(fx);
    for (const id of ids) {
      const item = items.find((h) => h.call.id === id);
      if (!item) throw new Error(`call ${id} is not in History`);
      const regs = registersOf(id);
      expect(regs, id).toHaveLength(1);
      const calls = b24.callByExternalId(id);
      expect(calls, id).toHaveLength(1);
      const state = calls[0];
      expect(state?.registerCount).toBe(1);
      expect(state?.finished).toBeDefined();
      expect(state?.records.map((r) => r.url)).toEqual([expectedLink(item)]);
      const callId = state?.callId;
      expect(b24.requestsFor('telephony.externalCall.finish').filter((r) => r.params['CALL_ID'] === callId && r.status === 200)).toHaveLength(1);
      expect(b24.requestsFor('telephony.externalCall.attachRecord').filter((r) => r.params['CALL_ID'] === callId && r.status === 200)).toHaveLength(1);
    }
    const first = b24.callByExternalId(ids[0] ?? '')[0];
    const talk = items.find((h) => h.call.id === ids[0]);
    expect(Number(first?.finished?.params['DURATION'])).toBe(Math.round(((talk?.call.endedAt ?? 0) - (talk?.call.answeredAt ?? 0)) / 1000));
    expect(first?.crmEntityType).toBe('CONTACT');
  });

  it('a restart of the core between register and finish resumes after the saved register: still once each', async () => {
    const fx = current();
    b24.clearRecords();
    // finish fails once (a server error, retried later); the register before it is saved in the journal.
    b24.failNext('telephony.externalCall.finish', { status: 500, error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' }, 1);
    const id = await takeCall(fx, srv, '79035550103', { talkMs: 1100, record: true });
    await expect.poll(() => b24.requestsFor('telephony.externalCall.finish').map((r) => r.status), POLL).toEqual([500]);
    expect(registersOf(id)).toHaveLength(1);
    expect(await marks(fx, [id])).toEqual(['waiting']);

    // Restart: the same folder (settings, History), the same journal and keychain.
    const restartAt = Date.now();
    await fx.core.dispose();
    const again = await open();
    await expect.poll(async () => (await request(again, 'crm.status', {})).state, POLL).toBe('connected');
    await expect.poll(async () => (await marks(again, [id]))[0], POLL).toBe('sent');

    expect(registersOf(id)).toHaveLength(1);
    const calls = b24.callByExternalId(id);
    expect(calls).toHaveLength(1);
    const callId = calls[0]?.callId;
    const finishes = b24.requestsFor('telephony.externalCall.finish').filter((r) => r.params['CALL_ID'] === callId);
    expect(finishes.map((r) => r.status)).toEqual([500, 200]);
    // The retry came from the new core, resuming at finish.
    expect(finishes[1]?.at).toBeGreaterThanOrEqual(restartAt);
    expect(b24.requestsFor('telephony.externalCall.attachRecord').filter((r) => r.params['CALL_ID'] === callId && r.status === 200)).toHaveLength(1);
    expect(calls[0]?.records).toHaveLength(1);
    // The new core signed in from the keychain: no second browser sign-in, no second code exchange.
    expect(visits).toHaveLength(1);
    expect(b24.counters.codeExchanges).toBe(0);
    // Calls delivered before the restart are still marked sent, and were not sent again.
    const items = await history(again);
    expect(items.filter((h) => h.report === 'sent')).toHaveLength(3);
    expect(b24.requestsFor('telephony.externalCall.register')).toHaveLength(1);
  }, 60_000);
});
