import { describe, expect, it } from 'vitest';
import type { CallLog } from '../../../src-shared/domain/call-log';
import { ContactSchema } from '../../../src-shared/domain/contact';
import { CrmError } from '../../../src-main/core/crm/errors';
import { amoCrmHttpOptions, mapAmoCrmError } from '../../../src-main/core/crm/amocrm/http-options';
import { amoCrmOAuthConfig } from '../../../src-main/core/crm/amocrm/oauth-config';
import {
  AmoContactSchema,
  amoContactUrl,
  amoUserId,
  callBody,
  callResultText,
  callStatusFor,
  contactFromAmo,
  createContactBody,
  isDuplicateUnsorted,
  isReportable,
  missedCallTaskBody,
  phoneSearchQuery,
  pickContact,
  samePhone,
  unsortedSipBody,
  validationErrorsOf,
  wantsMissedCallTask,
} from '../../../src-main/core/crm/amocrm/mapping';
import { AmoCrmSettingsSchema } from '../../../src-shared/domain/crm-settings';
import { answeredCallLog, type CallLogOverrides } from '../../support/crm-servers/sample-call-log';

const T0 = Date.parse('2026-11-22T08:00:00.000Z');

const callLog = (patch: CallLogOverrides = {}): CallLog =>
  answeredCallLog(
    {
      id: '1763798400.42',
      crmUserId: '5001',
      startedAt: T0,
      waitSeconds: 8,
      talkSeconds: 95,
      recording: { url: 'https://pbx.example.com/rec/2026/11/22/out-101.wav?md5=abc&expires=1', files: ['out-101.wav'] },
      createUnknown: true,
    },
    patch,
  );

const settings = AmoCrmSettingsSchema.parse({ accountUrl: 'https://example.amocrm.ru/', clientId: 'cid', redirectPort: 17345 });

describe('amoCRM mapping: numbers', () => {
  it('searches by the last 10 digits whatever form the number came in', () => {
    expect(phoneSearchQuery({ e164: '+79161234567', digits: '79161234567', raw: '89161234567' })).toBe('9161234567');
    expect(phoneSearchQuery({ digits: '89161234567', raw: '8 (916) 123-45-67' })).toBe('9161234567');
    expect(phoneSearchQuery({ digits: '', raw: '' })).toBe('');
    expect(phoneSearchQuery({ digits: '5551', raw: '5551' })).toBe('5551');
  });

  it('treats numbers with equal last 10 digits as the same, short numbers only when equal', () => {
    expect(samePhone('+7 (916) 123-45-67', '89161234567')).toBe(true);
    expect(samePhone('+79161234567', '+79161234568')).toBe(false);
    expect(samePhone('5551', '5551')).toBe(true);
    expect(samePhone('15551', '5551')).toBe(false);
    expect(samePhone('', '')).toBe(false);
  });

  it('picks the contact that really has the number, not one the text search matched otherwise', () => {
    const other = AmoContactSchema.parse({ id: 1, name: 'Note mentions 9161234567', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+7 999 000 00 00' }] }] });
    const real = AmoContactSchema.parse({ id: 2, name: 'Иван', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'a@b.c' }] }, { field_code: 'PHONE', values: [{ value: '8 916 123-45-67' }] }] });
    expect(pickContact([other, real], { e164: '+79161234567', digits: '79161234567', raw: '' })?.id).toBe(2);
    expect(pickContact([other], { e164: '+79161234567', digits: '79161234567', raw: '' })).toBeUndefined();
  });
});

describe('amoCRM mapping: contacts', () => {
  it('maps a contact with PHONE values, the responsible manager (name and extension) and the company; the URL is the contact card', () => {
    const raw = AmoContactSchema.parse({
      id: 101,
      name: 'Иван Петров',
      responsible_user_id: 5002,
      custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+7 (916) 123-45-67', enum_code: 'WORK' }, { value: '+7 495 000-00-00', enum_code: 'MOB' }] }],
      _embedded: { companies: [{ id: 900 }] },
    });
    const contact = contactFromAmo(raw, { accountUrl: 'https://example.amocrm.ru', userNames: new Map([[5002, 'Олег Кузнецов']]), userExtensions: new Map([[5002, '102']]), companyName: 'ООО Ромашка' });
    expect(ContactSchema.parse(contact)).toEqual({
      id: '101',
      name: 'Иван Петров',
      company: 'ООО Ромашка',
      responsible: { name: 'Олег Кузнецов', extension: '102' },
      url: 'https://example.amocrm.ru/contacts/detail/101',
      phones: ['+7 (916) 123-45-67', '+7 495 000-00-00'],
    });
  });

  it('names a contact without a name by first/last name, else by its phone; null custom fields are no phones', () => {
    const ctx = { accountUrl: 'https://x.amocrm.ru', userNames: new Map<number, string>(), userExtensions: new Map<number, string>() };
    expect(contactFromAmo(AmoContactSchema.parse({ id: 1, name: '', first_name: 'Иван', last_name: 'Петров', custom_fields_values: null }), ctx)).toMatchObject({ name: 'Иван Петров', phones: [] });
    expect(contactFromAmo(AmoContactSchema.parse({ id: 2, name: null, custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+79161234567' }] }] }), ctx).name).toBe('+79161234567');
    expect(contactFromAmo(AmoContactSchema.parse({ id: 3, responsible_user_id: 77 }), ctx).responsible).toBeUndefined();
  });

  it('builds the contact URL and the new-contact body', () => {
    expect(amoContactUrl('https://example.amocrm.ru/', 5)).toBe('https://example.amocrm.ru/contacts/detail/5');
    expect(createContactBody({ e164: '+79161234567', digits: '79161234567', raw: '89161234567' })).toEqual([
      { name: '+79161234567', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+79161234567', enum_code: 'WORK' }] }] },
    ]);
  });

  it('accepts only positive integer user ids', () => {
    expect(amoUserId('5001')).toBe(5001);
    expect(amoUserId(' 42 ')).toBe(42);
    expect(amoUserId('0')).toBeUndefined();
    expect(amoUserId('abc')).toBeUndefined();
    expect(amoUserId(undefined)).toBeUndefined();
  });
});

describe('amoCRM mapping: call logs', () => {
  it('maps every result to a documented call_status', () => {
    expect(callStatusFor('answered')).toBe(4);
    expect(callStatusFor('missed')).toBe(6);
    expect(callStatusFor('noAnswer')).toBe(6);
    expect(callStatusFor('rejected')).toBe(6);
    expect(callStatusFor('cancelled')).toBe(6);
    expect(callStatusFor('busy')).toBe(7);
    expect(callStatusFor('failed')).toBe(5);
    expect(callStatusFor('answeredElsewhere')).toBe(4);
  });

  it('builds the /calls item: direction, uniq, duration, source, link, phone, status, result, users, created_at', () => {
    expect(callBody(callLog(), 5001)).toEqual({
      direction: 'inbound',
      uniq: '1763798400.42',
      duration: 95,
      source: 'Sidecall',
      link: 'https://pbx.example.com/rec/2026/11/22/out-101.wav?md5=abc&expires=1',
      phone: '+79161234567',
      call_status: 4,
      call_result: 'Answered, ext. 101',
      responsible_user_id: 5001,
      created_by: 5001,
      created_at: T0 / 1000,
      request_id: '1763798400.42',
    });
  });

  it('sends the CRM form of the number when there is one, leaves out link and users when absent', () => {
    const body = callBody(callLog({ direction: 'outbound', result: 'busy', talkSeconds: 0, number: { raw: '0079161234567', digits: '79161234567', crm: '89161234567' }, recording: { files: [] } }), undefined);
    expect(body).toMatchObject({ direction: 'outbound', phone: '89161234567', call_status: 7, duration: 0, call_result: 'Busy, ext. 101' });
    expect(body).not.toHaveProperty('link');
    expect(body).not.toHaveProperty('responsible_user_id');
    expect(body).not.toHaveProperty('created_by');
  });

  it('says where an answered call was transferred', () => {
    const log = callLog({ transfers: [{ kind: 'blind', direction: 'out', at: T0 + 60_000, to: '102' }, { kind: 'pickup', direction: 'in', at: T0, from: '103' }] });
    expect(callResultText(log)).toBe('Answered, ext. 101; transferred to 102');
  });

  it('does not report internal calls, calls a colleague answered, or asks for tasks other than missed inbound calls', () => {
    expect(isReportable(callLog())).toBe(true);
    expect(isReportable(callLog({ direction: 'internal' }))).toBe(false);
    expect(isReportable(callLog({ result: 'answeredElsewhere', answeredBy: '102' }))).toBe(false);
    const rules = { createUnknown: true, missedCallTask: true };
    expect(wantsMissedCallTask(callLog({ result: 'missed', rules }))).toBe(true);
    expect(wantsMissedCallTask(callLog({ result: 'rejected', rules }))).toBe(true);
    expect(wantsMissedCallTask(callLog({ result: 'missed' }))).toBe(false);
    expect(wantsMissedCallTask(callLog({ result: 'noAnswer', direction: 'outbound', rules }))).toBe(false);
    expect(wantsMissedCallTask(callLog({ result: 'answered', rules }))).toBe(false);
  });

  it('builds the unsorted sip lead with source_uid = the call id and the call metadata', () => {
    const body = unsortedSipBody(callLog({ remoteName: 'ACME Reception' }), { pipelineId: 7000002, userId: 5001 });
    expect(body).toEqual({
      source_uid: '1763798400.42',
      source_name: 'Sidecall',
      pipeline_id: 7000002,
      created_at: T0 / 1000,
      request_id: '1763798400.42',
      metadata: {
        uniq: '1763798400.42',
        from: '+79161234567',
        phone: '+79161234567',
        called_at: T0 / 1000,
        duration: 95,
        link: 'https://pbx.example.com/rec/2026/11/22/out-101.wav?md5=abc&expires=1',
        service_code: 'sidecall',
        is_call_event_needed: true,
        call_responsible: 5001,
      },
      _embedded: {
        leads: [{ name: 'Call from +79161234567' }],
        contacts: [{ name: 'ACME Reception', custom_fields_values: [{ field_code: 'PHONE', values: [{ value: '+79161234567', enum_code: 'WORK' }] }] }],
      },
    });
    const main = unsortedSipBody(callLog(), { pipelineId: 0, userId: undefined });
    expect(main).not.toHaveProperty('pipeline_id');
    expect(main['metadata']).not.toHaveProperty('call_responsible');
  });

  it('builds the missed-call task: call type, text with the number, due after the call, entity and responsible', () => {
    const log = callLog({ result: 'missed', talkSeconds: 0, remoteName: 'Иван' });
    expect(missedCallTaskBody(log, { entityId: 101, entityType: 'contacts', responsibleUserId: 5002, dueMinutes: 60 })).toEqual({
      task_type_id: 1,
      text: 'Missed call from +79161234567 (Иван) to ext. 101: call back',
      complete_till: Math.floor(log.endedAt / 1000) + 3600,
      entity_id: 101,
      entity_type: 'contacts',
      responsible_user_id: 5002,
      request_id: log.id,
    });
    expect(missedCallTaskBody(log, { dueMinutes: 30 })).not.toHaveProperty('entity_id');
  });
});

describe('amoCRM errors and configs', () => {
  const validation = {
    'validation-errors': [{ request_id: '0', errors: [{ code: 'NotFound', path: 'responsible_user_id', detail: 'User with id 999 not found.' }] }],
    title: 'Bad Request',
    type: 'https://httpstatus.es/400',
    status: 400,
    detail: 'Request validation failed',
  };

  it('turns a validation-errors body into rejected with the CRM words, 402/403 into config, and leaves the rest to the shared mapping', () => {
    const rejected = mapAmoCrmError({ status: 400, data: validation, headers: {} });
    expect(rejected).toBeInstanceOf(CrmError);
    expect(rejected).toMatchObject({ kind: 'rejected', status: 400, crmMessage: 'responsible_user_id: User with id 999 not found.' });
    expect(rejected?.message).toContain('User with id 999 not found.');
    expect(validationErrorsOf({ title: 'x' })).toBeUndefined();
    expect(mapAmoCrmError({ status: 402, data: { title: 'Payment Required', detail: 'Account is not paid' }, headers: {} })).toMatchObject({ kind: 'config', status: 402 });
    expect(mapAmoCrmError({ status: 403, data: { title: 'Forbidden', detail: 'Account is blocked' }, headers: {} })?.message).toMatch(/blocked/);
    // 'config' errors go to the outbox's failed list (not the waiting queue): the words say so.
    for (const status of [402, 403]) {
      const message = mapAmoCrmError({ status, data: { title: 'x', detail: 'y' }, headers: {} })?.message ?? '';
      expect(message).toMatch(/kept in the failed list to retry once/);
      expect(message).not.toMatch(/wait in the outbox/);
    }
    expect(mapAmoCrmError({ status: 429, data: 'Too Many Requests', headers: {} })).toBeUndefined();
    expect(mapAmoCrmError({ status: 401, data: { title: 'Unauthorized' }, headers: {} })).toBeUndefined();
    expect(mapAmoCrmError({ status: 200, data: {}, headers: {} })).toBeUndefined();
  });

  it('recognises the duplicate refusal of an unsorted lead', () => {
    expect(isDuplicateUnsorted("source_uid: Can't be 2 identical entities")).toBe(true);
    expect(isDuplicateUnsorted('metadata.duration: This value should be of type int.')).toBe(false);
    expect(isDuplicateUnsorted(undefined)).toBe(false);
  });

  it('gives the HTTP client the account URL, evenly spaced requests under 7 per second and 401 as an expired token', () => {
    const opts = amoCrmHttpOptions(settings, { kind: 'none' });
    expect(opts).toMatchObject({ baseUrl: 'https://example.amocrm.ru', crmName: 'amoCRM', rateLimit: { kind: 'window', requests: 1, perMs: 150 } });
    expect(opts.isTokenRejected?.({ status: 401, data: undefined, headers: {} })).toBe(true);
    expect(opts.isTokenRejected?.({ status: 403, data: undefined, headers: {} })).toBe(false);
    expect(() => amoCrmHttpOptions(AmoCrmSettingsSchema.parse({}), { kind: 'none' })).toThrow(/account address/);
  });

  it('describes the OAuth flow: authorize page with mode=post_message and no redirect_uri, JSON token endpoint on the account, fixed loopback redirect', () => {
    const cfg = amoCrmOAuthConfig(settings, 'secret', 17345);
    expect(cfg.authorization).toEqual({
      crmName: 'amoCRM',
      authorizeUrl: 'https://www.amocrm.ru/oauth',
      clientId: 'cid',
      redirectPort: 17345,
      redirectPath: '/amocrm/callback',
      sendRedirectUri: false,
      pkce: false,
      extraParams: { mode: 'post_message' },
    });
    expect(cfg.token).toEqual({
      crmName: 'amoCRM',
      style: 'json',
      tokenUrl: 'https://example.amocrm.ru/oauth2/access_token',
      clientId: 'cid',
      clientSecret: 'secret',
      redirectUri: 'http://127.0.0.1:17345/amocrm/callback',
    });
    expect(amoCrmOAuthConfig({ ...settings, pasteCode: true }, 'secret').authorization.fixedRedirectUri).toBe('http://127.0.0.1:17345/amocrm/callback');
    expect(() => amoCrmOAuthConfig(settings, 'secret', 0)).toThrow(/fixed redirect port/);
    expect(() => amoCrmOAuthConfig(settings, '', 17345)).toThrow(/secret/);
  });
});
