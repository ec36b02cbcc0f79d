// The Odoo connector through the real CRM HTTP client against the Odoo test
// server (real HTTP on loopback), on several server versions: the API the
// version calls for (/jsonrpc up to 18, /json/2 from 19), the phone search with
// and without phone_validation, the card link form, call logs as chatter notes
// or crm.phonecall, resumed deliveries that never post twice, Odoo's errors in
// Odoo's words, and an outage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdooSettingsSchema, type OdooSettings } from '../../../src-shared/domain/crm-settings';
import { systemClock } from '../../../src-main/core/clock';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createOdooConnector } from '../../../src-main/core/crm/odoo/odoo-connector';
import { odooHttpOptions } from '../../../src-main/core/crm/odoo/http-options';
import { ODOO_TEST_USER, startOdooServer, type OdooServer, type OdooServerOptions } from '../../support/crm-servers/odoo-server';
import { memoryDelivery, sampleCallLog } from '../../support/crm-servers/sample-call-log';
import { crmFailure } from '../../support/crm-failure';

const PARTNERS = [
  { id: 7, name: 'Ivan Petrov', phone: '+7 (916) 123-45-67', parentId: 8, userId: 2 },
  { id: 8, name: 'Azure Interior', isCompany: true, phone: '+7 495 000-00-01' },
  { id: 9, name: 'Anna Sidorova', phone: '+79035550000', mobile: '+7 903 555-11-22' },
];
const IVAN = { e164: '+79161234567', digits: '79161234567', raw: '89161234567' };
const signal = () => new AbortController().signal;

const open: OdooServer[] = [];
async function server(options: OdooServerOptions = {}): Promise<OdooServer> {
  const s = await startOdooServer({ partners: PARTNERS, ...options });
  open.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

function connector(s: OdooServer, patch: Partial<OdooSettings> = {}, apiKey = ODOO_TEST_USER.apiKey) {
  const settings = OdooSettingsSchema.parse({ url: s.url, database: s.database, login: ODOO_TEST_USER.login, ...patch });
  const sink = memorySink(500);
  const log = createLoggerFactory(sink, 'debug');
  const http = createCrmHttp({ ...odooHttpOptions(settings), clock: systemClock, log: log('crm/http'), timeoutMs: 5_000 });
  return createOdooConnector({ settings, http, apiKey, log: log('crm/odoo') });
}

const apiPaths = (s: OdooServer) => [...new Set(s.requests().map((r) => (r.path.startsWith('/json/2/') ? '/json/2' : r.path)))];

describe.each([
  { version: 14, url: (base: string) => `${base}/web#id=7&model=res.partner&view_type=form`, api: ['/jsonrpc'] },
  { version: 16, url: (base: string) => `${base}/web#id=7&model=res.partner&view_type=form`, api: ['/jsonrpc'] },
  { version: 18, url: (base: string) => `${base}/odoo/contacts/7`, api: ['/jsonrpc'] },
  { version: 19, url: (base: string) => `${base}/odoo/contacts/7`, api: ['/jsonrpc', '/json/2'] },
])('Odoo $version', ({ version, url, api }) => {
  let s: OdooServer;
  beforeAll(async () => {
    s = await server({ version });
  });

  it('finds the partner by phone (phone_mobile_search) with company, salesperson and the card link of this version', async () => {
    const crm = connector(s);
    const contact = await crm.findContact(IVAN, { signal: signal() });
    expect(contact).toEqual({ id: '7', name: 'Ivan Petrov', company: 'Azure Interior', responsible: { name: 'Mitchell Admin' }, url: url(s.url), phones: ['+7 (916) 123-45-67'] });
    expect(contact && crm.contactUrl(contact)).toBe(url(s.url));
    expect(apiPaths(s)).toEqual(api);
    expect(s.requests().some((r) => JSON.stringify(r.json ?? '').includes('["phone_mobile_search","ilike","9161234567"]'))).toBe(true);
    if (version >= 19) expect(s.requests().find((r) => r.path === '/json/2/res.partner/search_read')?.headers['authorization']).toBe(`bearer ${ODOO_TEST_USER.apiKey}`);
    expect(await crm.findContact({ e164: '+79990000000', digits: '79990000000', raw: '+79990000000' }, { signal: signal() })).toBeNull();
  });

  it('logs the call as a note on the partner with result, duration and the recording link', async () => {
    const crm = connector(s);
    const ctx = memoryDelivery();
    await crm.logCall(sampleCallLog({ id: `v${version}-note`, contactId: '7' }), ctx);
    const note = s.messages().find((m) => m.body.includes(`Sidecall call v${version}-note`));
    expect(note).toMatchObject({ model: 'res.partner', res_id: 7, message_type: 'comment', subtype_xmlid: 'mail.mt_note', author_uid: ODOO_TEST_USER.id });
    expect(note?.body).toContain('Inbound call, answered (from +79161234567, extension 101).');
    expect(note?.body).toContain('Duration 2:05, waited 0:12.');
    expect(note?.body).toContain('Recording: https://pbx.example.com/rec/2024/05/06/1714987815.42.mp3');
    expect(ctx.order).toEqual(['partner', 'note', 'note']);
  });
});

describe('Odoo phone search without the phone modules', () => {
  it('falls back to the last digits on phone and mobile (=like and a digit-spread ilike) and checks the match', async () => {
    const s = await server({ version: 16, phoneValidation: false });
    const crm = connector(s);
    expect((await crm.findContact(IVAN, { signal: signal() }))?.id).toBe('7');
    expect((await crm.findContact({ e164: '+79035551122', digits: '79035551122', raw: '89035551122' }, { signal: signal() }))?.id).toBe('9');
    const domains = s.requests().map((r) => JSON.stringify(r.json)).filter((b) => b.includes('search_read'));
    expect(domains[0]).toContain('["phone","=like","%9161234567"]');
    expect(domains[0]).toContain('["mobile","=like","%9161234567"]');
    expect(domains[0]).not.toContain('phone_mobile_search');
  });

  it('searches only phone where res.partner has no mobile (18+ without it)', async () => {
    const s = await server({ version: 18, phoneValidation: false, mobileField: false });
    const crm = connector(s);
    expect((await crm.findContact(IVAN, { signal: signal() }))?.id).toBe('7');
    const searches = s.requests().filter((r) => JSON.stringify(r.json).includes('search_read'));
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.some((r) => JSON.stringify(r.json).includes('"mobile"'))).toBe(false);
  });
});

describe('Odoo API choice and links', () => {
  it('a SaaS 17.2 server already uses /odoo/contacts links; Settings can force /jsonrpc on 19', async () => {
    const saas = await server({ version: 17, serverVersion: 'saas~17.2+e' });
    expect((await connector(saas).findContact(IVAN, { signal: signal() }))?.url).toBe(`${saas.url}/odoo/contacts/7`);
    const s19 = await server({ version: 19 });
    const crm = connector(s19, { api: 'jsonrpc' });
    expect((await crm.session({ signal: signal() })).api).toBe('jsonrpc');
    await crm.findContact(IVAN, { signal: signal() });
    expect(apiPaths(s19)).toEqual(['/jsonrpc']);
  });

  it('an Odoo without /jsonrpc (20) is reached through /json/2 alone', async () => {
    const s = await server({ version: 19, jsonrpc: false });
    const crm = connector(s);
    expect((await crm.findContact(IVAN, { signal: signal() }))?.url).toBe(`${s.url}/odoo/contacts/7`);
  });

  it('finds the only database when Settings has none', async () => {
    const s = await server({ version: 16 });
    const crm = connector(s, { database: '' });
    expect((await crm.session({ signal: signal() })).database).toBe(s.database);
  });
});

describe('Odoo call logs: crm.phonecall, unknown callers, duplicates', () => {
  it('creates a crm.phonecall when Settings asks for it and the model is installed', async () => {
    const s = await server({ version: 16, phonecall: true });
    const crm = connector(s, { callLog: 'phonecall' });
    await crm.logCall(sampleCallLog({ id: 'pc-1', crmUserId: '2' }), memoryDelivery());
    expect(s.phonecalls()).toHaveLength(1);
    expect(s.phonecalls()[0]).toMatchObject({
      name: 'Inbound call, answered',
      partner_id: 7,
      partner_phone: '+79161234567',
      date: '2024-05-06 09:30:15',
      duration: 2.08,
      state: 'done',
      user_id: 2,
      direction: 'in',
    });
    expect(String(s.phonecalls()[0]?.['description'])).toContain('Recording: https://pbx.example.com/');
    expect(s.messages()).toHaveLength(0);
  });

  it('posts a note instead when crm.phonecall is not installed', async () => {
    const s = await server({ version: 19, phonecall: false });
    const crm = connector(s, { callLog: 'phonecall' });
    await crm.logCall(sampleCallLog({ id: 'pc-2' }), memoryDelivery());
    expect(s.messages().map((m) => m.res_id)).toEqual([7]);
    expect(s.requests().some((r) => r.path === '/json/2/ir.model/search_count')).toBe(true);
  });

  it('creates a contact for an unknown caller when the rules say so, and skips the note otherwise', async () => {
    const s = await server({ version: 17 });
    const crm = connector(s);
    const unknown = { raw: '+79261112233', e164: '+79261112233', digits: '79261112233' };
    const skipped = memoryDelivery();
    await crm.logCall(sampleCallLog({ id: 'u-1', number: unknown }), skipped);
    expect(s.messages()).toHaveLength(0);
    expect(skipped.saved['note']).toEqual({ state: 'skipped' });
    await crm.logCall(sampleCallLog({ id: 'u-2', number: unknown, remoteName: 'New Caller', rules: { createUnknown: true, missedCallTask: false } }), memoryDelivery());
    const created = s.partners().find((p) => p['phone'] === '+79261112233');
    expect(created).toMatchObject({ name: 'New Caller' });
    expect(s.messages().map((m) => m.res_id)).toEqual([created?.['id']]);
  });

  it('never posts the same call twice: saved steps, and a crash after the post but before "done" was saved', async () => {
    for (const version of [16, 19]) {
      const s = await server({ version });
      const crm = connector(s);
      const log = sampleCallLog({ id: `dup-${version}` });
      const first = memoryDelivery();
      await crm.logCall(log, first);
      // Delivered again with the saved steps (the outbox lost its confirmation):
      await crm.logCall(log, memoryDelivery(first.saved));
      // The process died after message_post but before the 'done' step reached the disk:
      await crm.logCall(log, memoryDelivery({ partner: { id: 7 }, note: { state: 'posting' } }));
      expect(s.messages().filter((m) => m.body.includes(`Sidecall call dup-${version}`))).toHaveLength(1);
      // ...and when it died before the post went out, the resumed delivery posts it once.
      await crm.logCall(sampleCallLog({ id: `late-${version}` }), memoryDelivery({ partner: { id: 7 }, note: { state: 'posting' } }));
      expect(s.messages().filter((m) => m.body.includes(`Sidecall call late-${version}`))).toHaveLength(1);
    }
  });
});

describe('Odoo errors', () => {
  it('a wrong API key: /jsonrpc login refused, /json/2 "Invalid apikey", both auth errors', async () => {
    const s16 = await server({ version: 16 });
    const a = await crmFailure(connector(s16, {}, 'wrong').findContact(IVAN, { signal: signal() }));
    expect(a.kind).toBe('auth');
    expect(a.message).toContain(ODOO_TEST_USER.login);
    const s19 = await server({ version: 19 });
    const b = await crmFailure(connector(s19, {}, 'wrong').findContact(IVAN, { signal: signal() }));
    expect([b.kind, b.crmMessage]).toEqual(['auth', 'Invalid apikey']);
    const s19s = await server({ version: 19, json2ErrorShape: 'string' });
    const c = await crmFailure(connector(s19s, {}, 'wrong').findContact(IVAN, { signal: signal() }));
    expect([c.kind, c.crmMessage]).toEqual(['auth', 'Invalid apikey']);
  });

  it('Odoo refusing the note is a rejected delivery in Odoo\'s words, on both APIs', async () => {
    for (const version of [16, 19]) {
      const s = await server({ version, failures: [{ model: 'res.partner', method: 'message_post', name: 'odoo.exceptions.ValidationError', message: 'Notes are closed on archived contacts.' }] });
      const e = await crmFailure(connector(s).logCall(sampleCallLog({ id: `rej-${version}` }), memoryDelivery()));
      expect([e.kind, e.crmMessage]).toEqual(['rejected', 'Notes are closed on archived contacts.']);
      expect(e.message).toContain('Notes are closed on archived contacts.');
    }
  });

  it('missing access rights and an unknown database are Settings problems', async () => {
    const s = await server({ version: 16, failures: [{ model: 'res.partner', method: 'search_read', name: 'odoo.exceptions.AccessError', message: 'You are not allowed to access Contact (res.partner) records.' }] });
    const a = await crmFailure(connector(s).findContact(IVAN, { signal: signal() }));
    expect([a.kind, a.message.includes('You are not allowed to access Contact')]).toEqual(['config', true]);
    const b = await crmFailure(connector(s, { database: 'nope' }).findContact(IVAN, { signal: signal() }));
    expect([b.kind, b.message.includes('database "nope" does not exist')]).toEqual(['config', true]);
  });

  it('an Odoo that is down or behind a 503 proxy is unavailable, and the delivery resumes when it is back', async () => {
    const s = await server({ version: 19 });
    const crm = connector(s);
    s.setDown(true);
    const ctx = memoryDelivery();
    const a = await crmFailure(crm.logCall(sampleCallLog({ id: 'down-1' }), ctx));
    expect([a.kind, a.retryable]).toEqual(['unavailable', true]);
    s.setDown(false);
    s.set({ overloaded: true });
    const b = await crmFailure(crm.logCall(sampleCallLog({ id: 'down-1' }), ctx));
    expect([b.kind, b.retryable]).toEqual(['unavailable', true]);
    s.set({ overloaded: false });
    await crm.logCall(sampleCallLog({ id: 'down-1' }), ctx);
    expect(s.messages().filter((m) => m.body.includes('Sidecall call down-1'))).toHaveLength(1);
  });
});
