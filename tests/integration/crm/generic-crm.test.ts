// The generic REST CRM connector through the real CRM HTTP client against the
// generic CRM test server (real HTTP on loopback): lookups in three answer
// shapes through the JSON path mapping, the card link, the documented call log
// body and a template, Idempotency-Key and 409, the auth kinds, the CRM's own
// error words, and an outage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GenericCrmSettingsSchema, type GenericCrmSettings } from '../../../src-shared/domain/crm-settings';
import { systemClock } from '../../../src-main/core/clock';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import type { AccessTokenSource } from '../../../src-main/core/crm/http/types';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createGenericCrmConnector } from '../../../src-main/core/crm/generic/generic-connector';
import { genericCrmHttpOptions, type GenericCrmCredential } from '../../../src-main/core/crm/generic/http-options';
import { startGenericCrmServer, type GenericCrmServer } from '../../support/crm-servers/generic-crm-server';
import { memoryDelivery, sampleCallLog } from '../../support/crm-servers/sample-call-log';
import { crmFailure } from '../../support/crm-failure';

const IVAN = { id: 17, name: 'Ivan Petrov', company: 'Azure Interior', responsible: 'Olga Smirnova', responsibleExt: '102', phones: ['+7 916 123-45-67'] };
const q = { e164: '+79161234567', digits: '79161234567', raw: '89161234567' };
const signal = () => new AbortController().signal;
const NESTED = { contactPath: 'data[0]', mapping: { id: 'contact_id', name: 'full_name', company: 'org.title', responsible: 'owner', link: 'links.web' } };

let server: GenericCrmServer;
beforeAll(async () => {
  server = await startGenericCrmServer({ contacts: [IVAN, { id: 'c-9', name: 'Anna', phones: ['+79035550000'], url: '/app/contacts/c-9' }], auth: { kind: 'bearer', tokens: ['static-token'] } });
});
afterEach(() => {
  server.set({ shape: 'flat', notFound: undefined, auth: { kind: 'bearer', tokens: ['static-token'] }, duplicates: 409, strictBody: false, rejectCalls: undefined, overloaded: false, rateLimitedSeconds: undefined });
  server.setDown(false);
});
afterAll(async () => {
  await server.close();
});

function connector(patch: Record<string, unknown> = {}, credential: GenericCrmCredential = { kind: 'secret', secret: 'static-token' }) {
  const settings: GenericCrmSettings = GenericCrmSettingsSchema.parse({ baseUrl: server.baseUrl, name: 'AcmeCRM', contactUrlTemplate: '{base}/../app/contacts/{id}', ...patch });
  const log = createLoggerFactory(memorySink(200), 'debug');
  const http = createCrmHttp({ ...genericCrmHttpOptions(settings, credential), clock: systemClock, log: log('crm/http'), timeoutMs: 5_000 });
  return createGenericCrmConnector({ settings, http, log: log('crm/generic') });
}

describe('generic CRM lookup', () => {
  it('reads a flat answer with the default mapping; the card link comes from the contact URL template', async () => {
    const crm = connector();
    const c = await crm.findContact(q, { signal: signal() });
    expect(c).toEqual({ id: '17', name: 'Ivan Petrov', company: 'Azure Interior', responsible: { name: 'Olga Smirnova' }, url: `${server.url}/app/contacts/17`, phones: ['+79161234567'] });
    expect(c && crm.contactUrl(c)).toBe(`${server.url}/app/contacts/17`);
    const req = server.requests().at(-1);
    expect([req?.path, req?.query['phone'], req?.headers['authorization']]).toEqual(['/api/contacts', '+79161234567', 'Bearer static-token']);
  });

  it('reads a nested answer through JSON paths, with the responsible extension and a relative link', async () => {
    server.set({ shape: 'nested', contacts: [{ ...IVAN, url: '/app/people/17' }] });
    const crm = connector(NESTED);
    expect(await crm.findContact(q, { signal: signal() })).toEqual({
      id: '17',
      name: 'Ivan Petrov',
      company: 'Azure Interior',
      responsible: { name: 'Olga Smirnova', extension: '102' },
      url: `${server.url}/app/people/17`,
      phones: ['+79161234567'],
    });
    server.set({ contacts: [IVAN, { id: 'c-9', name: 'Anna', phones: ['+79035550000'], url: '/app/contacts/c-9' }] });
  });

  it('uses {digits} and {raw} placeholders, URL-encoded', async () => {
    const crm = connector({ lookupUrl: '{base}/contacts?phone={digits}&as_dialled={raw}' });
    await crm.findContact({ ...q, raw: '8 (916) 123-45-67' }, { signal: signal() });
    expect(server.requests().at(-1)?.query).toEqual({ phone: '79161234567', as_dialled: '8 (916) 123-45-67' });
  });

  it('no contact: a 404, a 204, an empty list and an empty data array are all "not found"', async () => {
    const unknown = { e164: '+79990000000', digits: '79990000000', raw: '+79990000000' };
    expect(await connector().findContact(unknown, { signal: signal() })).toBeNull();
    server.set({ notFound: 204 });
    expect(await connector().findContact(unknown, { signal: signal() })).toBeNull();
    server.set({ shape: 'list', notFound: 'empty' });
    expect(await connector({ contactPath: '' }).findContact(unknown, { signal: signal() })).toBeNull();
    expect((await connector().findContact(q, { signal: signal() }))?.id).toBe('17');
    server.set({ shape: 'nested' });
    expect(await connector(NESTED).findContact(unknown, { signal: signal() })).toBeNull();
  });

  it('refuses a lookup URL on another host (the token would go there) before any request', async () => {
    const crm = connector({ lookupUrl: 'https://collector.example.net/x?phone={e164}' });
    const before = server.requests().length;
    const e = await crmFailure(crm.findContact(q, { signal: signal() }));
    expect([e.kind, server.requests().length]).toEqual(['config', before]);
  });
});

describe('generic CRM call log', () => {
  it('POSTs the documented body with Idempotency-Key = the call log id', async () => {
    server.set({ strictBody: true });
    const crm = connector();
    const ctx = memoryDelivery();
    await crm.logCall(sampleCallLog({ id: 'g-1', crmUserId: '9', contactId: '17' }), ctx);
    expect(server.calls().at(-1)).toEqual({
      id: 'g-1',
      linkedid: '1714987815.42',
      direction: 'inbound',
      phone: '+79161234567',
      phoneRaw: '89161234567',
      extension: '101',
      userId: '9',
      contactId: '17',
      remoteName: null,
      startedAt: '2024-05-06T09:30:15.000Z',
      answeredAt: '2024-05-06T09:30:27.000Z',
      endedAt: '2024-05-06T09:32:32.000Z',
      talkSeconds: 125,
      waitSeconds: 12,
      result: 'answered',
      answeredBy: null,
      transferredTo: [],
      recordingUrl: 'https://pbx.example.com/rec/2024/05/06/1714987815.42.mp3',
    });
    expect(server.requests().at(-1)?.headers['idempotency-key']).toBe('g-1');
    expect(ctx.order).toEqual(['post']);
  });

  it('fills a body template with JSON-escaped values (a name cannot add fields)', async () => {
    const template = '{"call_id":"{id}","from":"{phone}","who":"{remoteName}","secs":{talkSeconds},"rec":"{recordingUrl}","status":"{result}"}';
    const crm = connector({ logBodyTemplate: template });
    await crm.logCall(sampleCallLog({ id: 'g-2', remoteName: 'Evil", "admin": true, "x": "' }), memoryDelivery());
    expect(server.calls().at(-1)).toEqual({
      call_id: 'g-2',
      from: '+79161234567',
      who: 'Evil", "admin": true, "x": "',
      secs: 125,
      rec: 'https://pbx.example.com/rec/2024/05/06/1714987815.42.mp3',
      status: 'answered',
    });
  });

  it('the same call twice is recorded once: 409 (or a 200) for the repeat counts as delivered', async () => {
    const crm = connector();
    const log = sampleCallLog({ id: 'g-dup' });
    await crm.logCall(log, memoryDelivery());
    const again = memoryDelivery();
    await crm.logCall(log, again);
    expect(again.saved['post']).toEqual({ status: 409 });
    server.set({ duplicates: 200 });
    await crm.logCall(log, memoryDelivery());
    expect(server.calls().filter((c) => (c as { id?: string }).id === 'g-dup')).toHaveLength(1);
  });

  it('a refused call log carries the CRM\'s message', async () => {
    server.set({ rejectCalls: { status: 422, message: 'phone +79161234567 is not a customer of ours' } });
    const e = await crmFailure(connector().logCall(sampleCallLog({ id: 'g-rej' }), memoryDelivery()));
    expect([e.kind, e.crmMessage]).toEqual(['rejected', 'phone +79161234567 is not a customer of ours']);
    expect(e.message).toContain('phone +79161234567 is not a customer of ours');
  });

  it('a template that is not JSON once filled is a settings error, before any request', async () => {
    const before = server.requests().length;
    const e = await crmFailure(connector({ logBodyTemplate: '{"secs": {talkSeconds}, "to": {extension}' }).logCall(sampleCallLog({ id: 'g-tpl' }), memoryDelivery()));
    expect([e.kind, server.requests().length]).toEqual(['config', before]);
  });
});

describe('generic CRM auth and failures', () => {
  it('API key header, basic auth and OAuth tokens (refreshed once after a 401)', async () => {
    server.set({ auth: { kind: 'apiKey', header: 'X-Acme-Key', key: 'k-1' } });
    expect((await connector({ auth: 'apiKey', apiKeyHeader: 'X-Acme-Key' }, { kind: 'secret', secret: 'k-1' }).findContact(q, { signal: signal() }))?.id).toBe('17');
    server.set({ auth: { kind: 'basic', username: 'sidecall', password: 'pw' } });
    expect((await connector({ auth: 'basic', basicUsername: 'sidecall' }, { kind: 'secret', secret: 'pw' }).findContact(q, { signal: signal() }))?.id).toBe('17');
    server.set({ auth: { kind: 'bearer', tokens: ['fresh'] } });
    const refreshed: string[] = [];
    const tokens: AccessTokenSource = {
      current: async () => (refreshed.length > 0 ? 'fresh' : 'stale'),
      refreshAfterRejection: async (stale) => {
        refreshed.push(stale);
        return 'fresh';
      },
    };
    expect((await connector({ auth: 'oauthClientCredentials' }, { kind: 'tokens', tokens }).findContact(q, { signal: signal() }))?.id).toBe('17');
    expect(refreshed).toEqual(['stale']);
  });

  it('a wrong token is an auth error with the CRM\'s words', async () => {
    const e = await crmFailure(connector({}, { kind: 'secret', secret: 'nope' }).findContact(q, { signal: signal() }));
    expect([e.kind, e.crmMessage]).toEqual(['auth', 'Invalid or expired token']);
  });

  it('503, 429 and a CRM that is down are retried later; nothing is marked done', async () => {
    const crm = connector();
    const ctx = memoryDelivery();
    server.set({ overloaded: true });
    expect((await crmFailure(crm.logCall(sampleCallLog({ id: 'g-out' }), ctx))).kind).toBe('unavailable');
    server.set({ overloaded: false, rateLimitedSeconds: 2 });
    // Another client: a 429 pauses the client that got it for Retry-After.
    const limited = await crmFailure(connector().logCall(sampleCallLog({ id: 'g-out' }), ctx));
    expect([limited.kind, limited.retryAfterMs]).toEqual(['rateLimited', 2000]);
    server.set({ rateLimitedSeconds: undefined });
    server.setDown(true);
    expect((await crmFailure(crm.logCall(sampleCallLog({ id: 'g-out' }), ctx))).kind).toBe('unavailable');
    expect(ctx.order).toEqual([]);
    server.setDown(false);
    await crm.logCall(sampleCallLog({ id: 'g-out' }), ctx);
    expect(server.calls().filter((c) => (c as { id?: string }).id === 'g-out')).toHaveLength(1);
  });
});
