// Bitrix24 mapping as pure functions: CallLog -> register/finish/attach/todo
// parameters, results -> STATUS_CODE, dates with their zone, entity ids and card
// links, searchCrmEntities answers -> the screen pop's contact; error bodies ->
// CrmErrors, the HTTP options (REST base, bucket) and the OAuth config.
import { describe, expect, it } from 'vitest';
import type { CallLog, CallLogResult } from '../../../src-shared/domain/call-log';
import { ContactSchema } from '../../../src-shared/domain/contact';
import {
  SearchResultSchema,
  callType,
  contactFromSearch,
  decodeEntityId,
  encodeEntityId,
  entityUrl,
  finishParams,
  isoWithOffset,
  missedCallTodoParams,
  needsMissedCallTask,
  phoneForCrm,
  registerParams,
  shouldReport,
  statusCode,
  userDisplayName,
  userRef,
} from '../../../src-main/core/crm/bitrix24/mapping';
import { isBitrix24TokenRejected, mapBitrix24Error } from '../../../src-main/core/crm/bitrix24/errors';
import { bitrix24HttpOptions, clientBucket, normalizeWebhookUrl } from '../../../src-main/core/crm/bitrix24/http-options';
import { bitrix24OAuthConfig } from '../../../src-main/core/crm/bitrix24/oauth-config';
import { CrmError } from '../../../src-main/core/crm/errors';
import { Bitrix24SettingsSchema } from '../../../src-shared/domain/crm-settings';
import { answeredCallLog, type CallLogOverrides } from '../../support/crm-servers/sample-call-log';

const T0 = Date.UTC(2026, 2, 7, 7, 20, 30); // 2026-03-07 07:20:30 UTC

const callLog = (over: CallLogOverrides = {}): CallLog =>
  answeredCallLog(
    {
      id: '1710140185.18441',
      startedAt: T0,
      waitSeconds: 5,
      talkSeconds: 60,
      recording: { url: 'https://pbx.example.com/rec/a.mp3', files: ['a.mp3'] },
      createUnknown: true,
    },
    over,
  );

describe('STATUS_CODE and TYPE', () => {
  it('maps every call result to the documented finish codes', () => {
    const want: Record<CallLogResult, string> = {
      answered: '200',
      missed: '304',
      answeredElsewhere: '304',
      busy: '486',
      noAnswer: '480',
      rejected: '603',
      cancelled: '603-S',
      failed: 'OTHER',
    };
    for (const [result, code] of Object.entries(want)) expect(statusCode(result as CallLogResult), result).toBe(code);
  });

  it('outgoing 1, incoming 2, incoming handed over by a transfer 3', () => {
    expect(callType(callLog({ direction: 'outbound' }))).toBe(1);
    expect(callType(callLog())).toBe(2);
    expect(callType(callLog({ transfers: [{ kind: 'blind', direction: 'in', at: T0, from: '102' }] }))).toBe(3);
  });

  it('internal calls and calls a colleague answered are not reported', () => {
    expect(shouldReport(callLog({ direction: 'internal' }))).toBe(false);
    expect(shouldReport(callLog({ result: 'answeredElsewhere', answeredBy: '102' }))).toBe(false);
    expect(shouldReport(callLog({ result: 'missed' }))).toBe(true);
    expect(shouldReport(callLog({ direction: 'outbound' }))).toBe(true);
  });
});

describe('dates', () => {
  it('writes ISO-8601 with the zone, the same instant in any zone', () => {
    expect(isoWithOffset(T0, 180)).toBe('2026-03-07T10:20:30+03:00');
    expect(isoWithOffset(T0, 0)).toBe('2026-03-07T07:20:30+00:00');
    expect(isoWithOffset(T0, -330)).toBe('2026-03-07T01:50:30-05:30');
    for (const off of [180, 0, -330, 345]) expect(Date.parse(isoWithOffset(T0, off))).toBe(T0);
  });
});

describe('register and finish parameters', () => {
  it('register: EXTERNAL_CALL_ID is the outbox key, SHOW=0, CRM_CREATE from the rule, the extension as USER_PHONE_INNER', () => {
    expect(registerParams(callLog(), { offsetMinutes: 180, lineNumber: '  ' })).toEqual({
      USER_PHONE_INNER: '101',
      PHONE_NUMBER: '+79161234567',
      TYPE: 2,
      CALL_START_DATE: '2026-03-07T10:20:30+03:00',
      CRM_CREATE: 1,
      SHOW: 0,
      EXTERNAL_CALL_ID: '1710140185.18441',
    });
  });

  it('register: mapped user id, line number, the CRM form of the number and the popped contact', () => {
    const log = callLog({
      direction: 'outbound',
      number: { raw: '89161234567', e164: '+79161234567', digits: '79161234567', crm: '89161234567' },
      contactId: 'CO_643',
      rules: { createUnknown: false, missedCallTask: false },
    });
    expect(registerParams(log, { offsetMinutes: 0, users: { '101': '7' }, lineNumber: '3' })).toMatchObject({
      USER_ID: 7,
      PHONE_NUMBER: '89161234567',
      TYPE: 1,
      CRM_CREATE: 0,
      LINE_NUMBER: '3',
      CRM_ENTITY_TYPE: 'COMPANY',
      CRM_ENTITY_ID: 643,
    });
    // The CallLog's own CRM user wins over the map.
    expect(userRef(callLog({ crmUserId: '9' }), { '101': '7' })).toEqual({ USER_ID: 9 });
  });

  it('finish: talk seconds as DURATION, the code, who answered for a call taken elsewhere', () => {
    expect(finishParams(callLog(), 'externalCall.x.1')).toEqual({ CALL_ID: 'externalCall.x.1', USER_PHONE_INNER: '101', DURATION: 60, STATUS_CODE: '200' });
    expect(finishParams(callLog({ result: 'answeredElsewhere', answeredBy: '102', talkSeconds: 0 }), 'c', { '101': '7' })).toEqual({
      CALL_ID: 'c',
      USER_ID: 7,
      DURATION: 0,
      STATUS_CODE: '304',
      FAILED_REASON: 'Answered by 102',
    });
  });

  it('number fallbacks: CRM form, E.164, digits, raw', () => {
    expect(phoneForCrm(callLog({ number: { raw: '101x', digits: '' } }))).toBe('101x');
    expect(phoneForCrm(callLog({ number: { raw: '8 916', digits: '8916' } }))).toBe('8916');
  });
});

describe('missed-call to-do', () => {
  it('only for a missed incoming call with the rule on', () => {
    const rules = { createUnknown: false, missedCallTask: true };
    expect(needsMissedCallTask(callLog({ result: 'missed', rules }))).toBe(true);
    expect(needsMissedCallTask(callLog({ result: 'missed' }))).toBe(false);
    expect(needsMissedCallTask(callLog({ result: 'noAnswer', direction: 'outbound', rules }))).toBe(false);
    expect(needsMissedCallTask(callLog({ result: 'answeredElsewhere', rules }))).toBe(false);
  });

  it('on the bound entity, due an hour after the call, for the responsible user', () => {
    const p = missedCallTodoParams(callLog({ result: 'missed', remoteName: 'Ivan' }), { entityType: 'LEAD', entityId: 12, responsibleId: 9, offsetMinutes: 180 });
    expect(p).toMatchObject({ ownerTypeId: 1, ownerId: 12, responsibleId: 9, deadline: '2026-03-07T11:21:35+03:00', title: 'Call back: missed call from +79161234567' });
    expect(String(p['description'])).toContain('Ivan (+79161234567)');
    expect(missedCallTodoParams(callLog(), { entityType: 'CONTACT', entityId: 1, offsetMinutes: 0 })).not.toHaveProperty('responsibleId');
    expect(missedCallTodoParams(callLog(), { entityType: 'COMPANY', entityId: 1, offsetMinutes: 0 }).ownerTypeId).toBe(4);
  });
});

describe('entities and contacts', () => {
  it('entity ids carry their type and round-trip; card links per type', () => {
    expect(encodeEntityId('CONTACT', 651)).toBe('C_651');
    expect(decodeEntityId('C_651')).toEqual({ type: 'CONTACT', id: 651 });
    expect(decodeEntityId('CO_643')).toEqual({ type: 'COMPANY', id: 643 });
    expect(decodeEntityId('L_5')).toEqual({ type: 'LEAD', id: 5 });
    expect(decodeEntityId('77')).toEqual({ type: 'CONTACT', id: 77 });
    expect(decodeEntityId('D_1')).toBeUndefined();
    expect(entityUrl('https://x.bitrix24.ru/', 'CONTACT', 651)).toBe('https://x.bitrix24.ru/crm/contact/details/651/');
    expect(entityUrl('https://x.bitrix24.ru', 'COMPANY', 2)).toBe('https://x.bitrix24.ru/crm/company/details/2/');
    expect(entityUrl('https://x.bitrix24.ru', 'LEAD', 3)).toBe('https://x.bitrix24.ru/crm/lead/details/3/');
  });

  const answer = SearchResultSchema.parse([
    { CRM_ENTITY_TYPE: 'LEAD', CRM_ENTITY_ID: 5, ASSIGNED_BY_ID: 1, NAME: 'Lead 5', ASSIGNED_BY: { ID: '1', USER_PHONE_INNER: null } },
    { CRM_ENTITY_TYPE: 'COMPANY', CRM_ENTITY_ID: 643, ASSIGNED_BY_ID: 99, NAME: 'Daisy LLC', ASSIGNED_BY: { ID: '99', USER_PHONE_INNER: '102' } },
    { CRM_ENTITY_TYPE: 'CONTACT', CRM_ENTITY_ID: '651', ASSIGNED_BY_ID: '99', NAME: 'John Doe', ASSIGNED_BY: { ID: '99', TIMEMAN_STATUS: 'CLOSED', USER_PHONE_INNER: '102' } },
  ]);

  it('a contact first, with its company and responsible manager', () => {
    const c = contactFromSearch(answer, { portalUrl: 'https://x.bitrix24.ru', phone: '+19062195047', responsibleName: 'Maria Manager' });
    expect(c).toEqual({
      id: 'C_651',
      name: 'John Doe',
      company: 'Daisy LLC',
      responsible: { name: 'Maria Manager', extension: '102' },
      url: 'https://x.bitrix24.ru/crm/contact/details/651/',
      phones: ['+19062195047'],
    });
    expect(() => ContactSchema.parse(c)).not.toThrow();
  });

  it('else a company, else a lead; nothing -> null', () => {
    expect(contactFromSearch(answer.slice(0, 2), { portalUrl: '', phone: '1' })).toMatchObject({ id: 'CO_643', responsible: { name: 'User 99', extension: '102' } });
    expect(contactFromSearch(answer.slice(0, 2), { portalUrl: '', phone: '1' })).not.toHaveProperty('url');
    expect(contactFromSearch(answer.slice(0, 1), { portalUrl: '', phone: '1' })).toMatchObject({ id: 'L_5', name: 'Lead 5' });
    expect(contactFromSearch([], { portalUrl: '', phone: '1' })).toBeNull();
  });

  it('user display names', () => {
    expect(userDisplayName({ ID: '1', NAME: 'Anna', LAST_NAME: 'Admin' })).toBe('Anna Admin');
    expect(userDisplayName({ ID: '1', NAME: '', LAST_NAME: null, EMAIL: 'a@b.c' })).toBe('a@b.c');
    expect(userDisplayName({ ID: '1' })).toBe('User 1');
  });
});

describe('errors, HTTP options and OAuth config', () => {
  const res = (status: number, error: string, error_description = '') => ({ status, data: { error, error_description }, headers: {} });

  it('maps Bitrix24 error bodies to what the outbox and the user act on', () => {
    expect(isBitrix24TokenRejected(res(401, 'expired_token'))).toBe(true);
    expect(isBitrix24TokenRejected(res(401, 'invalid_token'))).toBe(true);
    expect(isBitrix24TokenRejected(res(401, 'NO_AUTH_FOUND'))).toBe(false);
    expect(isBitrix24TokenRejected(res(403, 'expired_token'))).toBe(false);
    expect(mapBitrix24Error(res(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'))).toMatchObject({ kind: 'rateLimited', retryAfterMs: 500, crmMessage: 'Too many requests' });
    expect(mapBitrix24Error(res(503, 'QUERY_LIMIT_EXCEEDED'), 200)).toMatchObject({ retryAfterMs: 200 });
    expect(mapBitrix24Error(res(429, 'OPERATION_TIME_LIMIT'))).toMatchObject({ kind: 'rateLimited', retryAfterMs: 10_000 });
    expect(mapBitrix24Error(res(503, 'OVERLOAD_LIMIT'))?.kind).toBe('rateLimited');
    expect(mapBitrix24Error(res(401, 'NO_AUTH_FOUND'))?.kind).toBe('auth');
    expect(mapBitrix24Error(res(400, 'invalid_grant'))?.kind).toBe('auth');
    expect(mapBitrix24Error(res(401, 'INVALID_CREDENTIALS'))?.message).toContain('webhook');
    const scope = mapBitrix24Error(res(403, 'insufficient_scope'));
    expect(scope).toMatchObject({ kind: 'config', code: 'insufficient_scope' });
    expect(scope?.message).toContain('telephony, crm, user');
    expect(mapBitrix24Error(res(403, 'WRONG_AUTH_TYPE'))?.message).toContain('not from an incoming webhook');
    expect(mapBitrix24Error(res(401, 'ACCESS_DENIED'))?.kind).toBe('config');
    expect(mapBitrix24Error(res(500, 'INTERNAL_SERVER_ERROR'))?.kind).toBe('unavailable');
    expect(mapBitrix24Error(res(400, '', 'Call is not found in the statistic table. It looks like it is not finished yet.'))).toMatchObject({
      kind: 'rejected',
      crmMessage: 'Call is not found in the statistic table. It looks like it is not finished yet.',
    });
    expect(mapBitrix24Error({ status: 200, data: { result: true }, headers: {} })).toBeUndefined();
    expect(mapBitrix24Error({ status: 502, data: '<html>bad gateway</html>', headers: {} })).toBeUndefined();
  });

  const settings = Bitrix24SettingsSchema.parse({ portalUrl: 'https://acme.bitrix24.ru/', clientId: 'local.1', redirectPort: 17346 });
  const tokens = { current: async () => 't', refreshAfterRejection: async () => 't2' };

  it('application: {portal}/rest/ with auth=, the client bucket a reserve below the portal\'s 50 / 2 per s', () => {
    const o = bitrix24HttpOptions(settings, { kind: 'oauth', tokens });
    expect(o).toMatchObject({ baseUrl: 'https://acme.bitrix24.ru/rest/', crmName: 'Bitrix24', auth: { kind: 'queryToken', param: 'auth' } });
    expect(o.rateLimit).toEqual({ kind: 'bucket', capacity: 45, drainPerSecond: 2 });
    expect(clientBucket({ kind: 'bucket', capacity: 250, drainPerSecond: 5 })).toEqual({ kind: 'bucket', capacity: 225, drainPerSecond: 5 });
    expect(o.isTokenRejected?.({ status: 401, data: { error: 'expired_token' }, headers: {} })).toBe(true);
    expect(() => bitrix24HttpOptions({ ...settings, portalUrl: '' }, { kind: 'oauth', tokens })).toThrow(/portal address/);
  });

  it('webhook: the webhook URL is the base (a trailing method cut off), no token', () => {
    expect(normalizeWebhookUrl('https://acme.bitrix24.ru/rest/1/abc123def/profile/')).toBe('https://acme.bitrix24.ru/rest/1/abc123def/');
    expect(normalizeWebhookUrl(' https://acme.bitrix24.ru/rest/7/x9/ ')).toBe('https://acme.bitrix24.ru/rest/7/x9/');
    expect(() => normalizeWebhookUrl('http://acme.bitrix24.ru/rest/1/abc/')).toThrow(CrmError);
    expect(() => normalizeWebhookUrl('https://acme.bitrix24.ru/rest/profile')).toThrow(/look like/);
    expect(bitrix24HttpOptions(settings, { kind: 'webhook', webhookUrl: 'https://acme.bitrix24.ru/rest/1/abc/user.get.json' })).toMatchObject({
      baseUrl: 'https://acme.bitrix24.ru/rest/1/abc/',
      auth: { kind: 'none' },
    });
  });

  it('OAuth: authorize on the portal without redirect_uri, GET token on the OAuth server, the fixed loopback port', () => {
    const c = bitrix24OAuthConfig(settings, 's3cret');
    expect(c.authorization).toMatchObject({
      authorizeUrl: 'https://acme.bitrix24.ru/oauth/authorize/',
      clientId: 'local.1',
      redirectPort: 17346,
      redirectPath: '/bitrix24/callback',
      sendRedirectUri: false,
      pkce: false,
    });
    expect(c.authorization).not.toHaveProperty('fixedRedirectUri');
    expect(c.token).toEqual({ crmName: 'Bitrix24', style: 'query', tokenUrl: 'https://oauth.bitrix.info/oauth/token/', clientId: 'local.1', clientSecret: 's3cret' });
    expect(bitrix24OAuthConfig({ ...settings, pasteCode: true }, 's').authorization.fixedRedirectUri).toBe('https://acme.bitrix24.ru/');
    expect(() => bitrix24OAuthConfig({ ...settings, redirectPort: 0 }, 's')).toThrow(/fixed redirect port/);
    expect(() => bitrix24OAuthConfig(settings, '')).toThrow(/client secret/);
  });
});
