// The retailCRM connector through the real CRM HTTP client against the retailCRM
// test server (real HTTP on loopback): the screen pop, the card link, call
// events, call logs with their fields and recording link, retailCRM's duplicate
// check, its errors in its own words, 503 and an outage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetailCrmSettingsSchema, type RetailCrmSettings } from '../../../src-shared/domain/crm-settings';
import { systemClock } from '../../../src-main/core/clock';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createRetailCrmConnector } from '../../../src-main/core/crm/retailcrm/retailcrm-connector';
import { retailCrmHttpOptions } from '../../../src-main/core/crm/retailcrm/http-options';
import { RETAIL_TEST_KEY, startRetailCrmServer, type RetailCrmServer } from '../../support/crm-servers/retailcrm-server';
import { memoryDelivery, sampleCallLog } from '../../support/crm-servers/sample-call-log';
import { crmFailure } from '../../support/crm-failure';

const IVAN = { id: 17, firstName: 'Иван', lastName: 'Петров', patronymic: 'Сергеевич', email: 'ivan@example.com', phones: ['+7 916 123-45-67'], managerId: 5 };
const MANAGER = { id: 5, firstName: 'Olga', lastName: 'Smirnova', code: '102' };
const q = { e164: '+79161234567', digits: '79161234567', raw: '89161234567' };
const signal = () => new AbortController().signal;

let server: RetailCrmServer;

beforeAll(async () => {
  server = await startRetailCrmServer({ customers: [IVAN], managers: [MANAGER, { id: 9, firstName: 'Op', lastName: 'One' }] });
});
afterEach(() => {
  server.set({ overloaded: false, accountMissing: undefined, deniedPaths: [], notFound: 'empty', duplicates: 'list' });
  server.setDown(false);
});
afterAll(async () => {
  await server.close();
});

function connector(patch: Partial<RetailCrmSettings> = {}, key = RETAIL_TEST_KEY, url = server.url) {
  const settings = RetailCrmSettingsSchema.parse({ accountUrl: url, site: 'main-store', timeZone: 'Europe/Moscow', ...patch });
  const sink = memorySink(500);
  const log = createLoggerFactory(sink, 'debug');
  const http = createCrmHttp({ ...retailCrmHttpOptions(settings, key), clock: systemClock, log: log('crm/http'), timeoutMs: 5_000 });
  return { crm: createRetailCrmConnector({ settings, http, users: { '101': '9' }, log: log('crm/retailcrm') }), sink };
}

describe('retailCRM screen pop', () => {
  it('finds the customer with the responsible manager and the card link from links.customerLink', async () => {
    const { crm } = connector();
    const contact = await crm.findContact(q, { signal: signal() });
    expect(contact).toEqual({
      id: '17',
      name: 'Петров Иван Сергеевич',
      responsible: { name: 'Olga Smirnova', extension: '102' },
      url: `${server.url}/customers/17`,
      phones: ['+7 916 123-45-67'],
    });
    expect(contact && crm.contactUrl(contact)).toBe(`${server.url}/customers/17`);
    const req = server.requests().at(-1);
    expect(req?.path).toBe('/api/v5/telephony/manager');
    expect(req?.query).toMatchObject({ phone: '+79161234567', details: '1' });
    expect(req?.headers['x-api-key']).toBe(RETAIL_TEST_KEY);
  });

  it('answers null for an unknown number, whether retailCRM says so with an empty result or a 404', async () => {
    const { crm } = connector();
    const unknown = { e164: '+79990000000', digits: '79990000000', raw: '+79990000000' };
    expect(await crm.findContact(unknown, { signal: signal() })).toBeNull();
    server.set({ notFound: '404' });
    expect(await crm.findContact(unknown, { signal: signal() })).toBeNull();
  });
});

describe('retailCRM call events', () => {
  it('sends ringing, outgoing and hangup with the extension as the code and retailCRM\'s "no answered"', async () => {
    const { crm } = connector();
    const before = server.events().length;
    await crm.callEvent({ type: 'ringing', callId: 'c-1', number: q, extension: '101' }, { signal: signal() });
    await crm.callEvent({ type: 'hangup', callId: 'c-1', number: q, extension: '101', hangupResult: 'missed' }, { signal: signal() });
    await crm.callEvent({ type: 'outgoing', callId: 'c-2', number: q, extension: '101' }, { signal: signal() });
    await crm.callEvent({ type: 'hangup', callId: 'c-2', number: q, extension: '101', hangupResult: 'cancelled' }, { signal: signal() });
    const events = server.events().slice(before);
    expect(events).toEqual([
      { phone: '+79161234567', type: 'in', codes: ['101'], userIds: [9], callExternalId: 'c-1', site: 'main-store' },
      { phone: '+79161234567', type: 'hangup', codes: ['101'], userIds: [9], hangupStatus: 'no answered', callExternalId: 'c-1', site: 'main-store' },
      { phone: '+79161234567', type: 'out', codes: ['101'], userIds: [9], callExternalId: 'c-2', site: 'main-store' },
      { phone: '+79161234567', type: 'hangup', codes: ['101'], userIds: [9], hangupStatus: 'cancel', callExternalId: 'c-2', site: 'main-store' },
    ]);
    expect(server.requests().at(-1)?.headers['content-type']).toContain('application/x-www-form-urlencoded');
  });

  it('logs once that retailCRM does not know the extension as a telephony code', async () => {
    server.set({ knownCodes: ['102'] });
    const { crm, sink } = connector();
    await crm.callEvent({ type: 'ringing', callId: 'c-3', number: q, extension: '101' }, { signal: signal() });
    await crm.callEvent({ type: 'ringing', callId: 'c-4', number: q, extension: '101' }, { signal: signal() });
    server.set({ knownCodes: undefined });
    expect(sink.records.filter((r) => r.message.includes('does not know this telephony code'))).toHaveLength(1);
  });

  it('sends nothing when call events are off in Settings', async () => {
    const { crm } = connector({ callEvents: false });
    const before = server.requests().length;
    expect(crm.capabilities.has('callEvents')).toBe(false);
    await crm.callEvent({ type: 'ringing', callId: 'c-5', number: q, extension: '101' }, { signal: signal() });
    expect(server.requests().length).toBe(before);
  });
});

describe('retailCRM call log', () => {
  it('uploads the call with date in the account time zone, result, durations, code, user, externalId and the recording link', async () => {
    const { crm } = connector();
    const log = sampleCallLog({ id: 'log-a', linkedid: 'log-a', crmUserId: '9' });
    const ctx = memoryDelivery();
    await crm.logCall(log, ctx);
    expect(server.calls().find((c) => c.externalId === 'log-a')).toEqual({
      date: '2024-05-06 12:30:15',
      type: 'in',
      phone: '+79161234567',
      code: '101',
      userId: 9,
      result: 'answered',
      duration: 125,
      durationWaiting: 12,
      externalId: 'log-a',
      recordUrl: 'https://pbx.example.com/rec/2024/05/06/1714987815.42.mp3',
      site: 'main-store',
    });
    expect(ctx.order).toEqual(['upload']);
  });

  it('reports a missed call as "no answer" and an outbound busy one as type out', async () => {
    const { crm } = connector();
    await crm.logCall(sampleCallLog({ id: 'log-m', result: 'missed', answeredAt: undefined, talkSeconds: 0, waitSeconds: 30, recording: { files: [] } }), memoryDelivery());
    await crm.logCall(sampleCallLog({ id: 'log-o', direction: 'outbound', result: 'busy', talkSeconds: 0 }), memoryDelivery());
    const missed = server.calls().find((c) => c.externalId === 'log-m');
    expect(missed).toMatchObject({ result: 'no answer', duration: 0, durationWaiting: 30, type: 'in' });
    expect(missed).not.toHaveProperty('recordUrl');
    expect(server.calls().find((c) => c.externalId === 'log-o')).toMatchObject({ result: 'busy', type: 'out' });
  });

  it('records the same call once when it is delivered twice (retailCRM names it in duplicateCalls)', async () => {
    const { crm } = connector();
    const log = sampleCallLog({ id: 'log-dup' });
    await crm.logCall(log, memoryDelivery());
    // A crash after the upload but before its step was saved: the outbox delivers again.
    await crm.logCall(log, memoryDelivery());
    server.set({ duplicates: 'error' });
    await crm.logCall(log, memoryDelivery());
    expect(server.calls().filter((c) => c.externalId === 'log-dup')).toHaveLength(1);
    expect(server.requests().filter((r) => r.path.endsWith('/calls/upload') && r.form?.['calls']?.includes('log-dup'))).toHaveLength(3);
  });

  it('skips the upload when the saved steps say it is done', async () => {
    const { crm } = connector();
    const before = server.requests().length;
    await crm.logCall(sampleCallLog({ id: 'log-done' }), memoryDelivery({ upload: { duplicate: false } }));
    expect(server.requests().length).toBe(before);
  });
});

describe('retailCRM errors', () => {
  it('a wrong API key is an auth error in retailCRM\'s words', async () => {
    const { crm } = connector({}, 'wrong-key');
    const e = await crmFailure(crm.findContact(q, { signal: signal() }));
    expect(e.kind).toBe('auth');
    expect(e.message).toContain('Wrong "apiKey" value.');
    expect(e.crmMessage).toBe('Wrong "apiKey" value.');
  });

  it('a key without telephony rights is a settings problem: "Access denied."', async () => {
    server.set({ deniedPaths: ['/api/v5/telephony/calls/upload'] });
    const { crm } = connector();
    const e = await crmFailure(crm.logCall(sampleCallLog({ id: 'log-denied' }), memoryDelivery()));
    expect(e.kind).toBe('config');
    expect(e.message).toContain('Access denied.');
  });

  it('a refused call log keeps retailCRM\'s errorMsg and field errors', async () => {
    server.set({ failures: [{ path: '/api/v5/telephony/calls/upload', status: 400, errorMsg: 'Errors in the entity format', errors: { 'calls[0].phone': 'Phone number is not valid' } }] });
    const { crm } = connector();
    const e = await crmFailure(crm.logCall(sampleCallLog({ id: 'log-bad' }), memoryDelivery()));
    expect(e.kind).toBe('rejected');
    expect(e.message).toContain('Errors in the entity format; calls[0].phone: Phone number is not valid');
  });

  it('an unknown account is a settings problem, as JSON or as retailCRM\'s nginx 405 page', async () => {
    const { crm } = connector();
    server.set({ accountMissing: 'json' });
    const a = await crmFailure(crm.findContact(q, { signal: signal() }));
    expect([a.kind, a.message.includes('Account does not exist.')]).toEqual(['config', true]);
    server.set({ accountMissing: 'html' });
    const b = await crmFailure(crm.findContact(q, { signal: signal() }));
    expect([b.kind, b.message.includes('Account does not exist.')]).toEqual(['config', true]);
  });

  it('503 means slow down and retry after the Retry-After it gave', async () => {
    server.set({ overloaded: true, retryAfterSeconds: 3 });
    const { crm } = connector();
    const e = await crmFailure(crm.logCall(sampleCallLog({ id: 'log-503' }), memoryDelivery()));
    expect([e.kind, e.retryAfterMs, e.retryable]).toEqual(['rateLimited', 3000, true]);
  });

  it('a CRM that does not answer is "unavailable" and nothing is saved as done', async () => {
    server.setDown(true);
    const { crm } = connector();
    const ctx = memoryDelivery();
    const e = await crmFailure(crm.logCall(sampleCallLog({ id: 'log-down' }), ctx));
    expect([e.kind, e.retryable]).toEqual(['unavailable', true]);
    expect(ctx.order).toEqual([]);
    server.setDown(false);
    await crm.logCall(sampleCallLog({ id: 'log-down' }), ctx);
    expect(server.calls().filter((c) => c.externalId === 'log-down')).toHaveLength(1);
  });

  it('settings without an address or key are refused before any request', () => {
    expect(() => retailCrmHttpOptions(RetailCrmSettingsSchema.parse({}), 'k')).toThrow(/account address/);
    expect(() => retailCrmHttpOptions(RetailCrmSettingsSchema.parse({ accountUrl: 'https://x.retailcrm.ru' }), ' ')).toThrow(/API key/);
  });
});
