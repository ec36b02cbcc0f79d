// retailCRM's pure mapping: dates in the account's time zone, the two result
// vocabularies ("no answer" in calls/upload, "no answered" in events), the
// upload item and the contact of a telephony/manager answer.
import { describe, expect, it } from 'vitest';
import { CallLogResultSchema } from '../../../src-shared/domain/call-log';
import { RetailCrmSettingsSchema } from '../../../src-shared/domain/crm-settings';
import {
  RetailManagerResponseSchema,
  contactFromManagerResponse,
  retailCallResult,
  retailDate,
  retailHangupStatus,
  uploadCall,
} from '../../../src-main/core/crm/retailcrm/mapping';
import { mapRetailCrmError } from '../../../src-main/core/crm/retailcrm/http-options';
import { RETAIL_CALL_RESULTS, RETAIL_HANGUP_STATUSES } from '../../support/crm-servers/retailcrm-server';
import { sampleCallLog } from '../../support/crm-servers/sample-call-log';

describe('retailDate', () => {
  const at = Date.UTC(2024, 0, 31, 22, 5, 9);
  it('formats Y-m-d H:i:s in the given time zone, across a day boundary', () => {
    expect(retailDate(at, 'Europe/Moscow')).toBe('2024-02-01 01:05:09');
    expect(retailDate(at, 'Asia/Novosibirsk')).toBe('2024-02-01 05:05:09');
    expect(retailDate(at, 'UTC')).toBe('2024-01-31 22:05:09');
  });
  it('uses the local time zone when none is set', () => {
    const d = new Date(at);
    expect(retailDate(at, '')).toBe(
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:05:09`,
    );
  });
  it('throws RangeError for an unknown zone', () => {
    expect(() => retailDate(at, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('results', () => {
  it('maps every call result into retailCRM\'s upload and hangup vocabularies', () => {
    for (const r of CallLogResultSchema.options) {
      expect(RETAIL_CALL_RESULTS).toContain(retailCallResult(r));
      expect(RETAIL_HANGUP_STATUSES).toContain(retailHangupStatus(r));
    }
    expect([retailCallResult('missed'), retailHangupStatus('missed')]).toEqual(['no answer', 'no answered']);
    expect([retailCallResult('cancelled'), retailHangupStatus('cancelled')]).toEqual(['no answer', 'cancel']);
  });
});

describe('uploadCall', () => {
  const settings = RetailCrmSettingsSchema.parse({ accountUrl: 'https://shop.retailcrm.ru', timeZone: 'Europe/Moscow', externalPhone: '+74950000000' });
  it('leaves out a recording link that does not exist and a user that is not a retailCRM id', () => {
    const body = uploadCall(sampleCallLog({ crmUserId: 'ivan@example.com', recording: { files: [] } }), settings);
    expect(body).not.toHaveProperty('recordUrl');
    expect(body).not.toHaveProperty('userId');
    expect(body).toMatchObject({ externalPhone: '+74950000000', externalId: '1714987815.42', date: '2024-05-06 12:30:15' });
  });
  it('reports a call a colleague answered with the colleague\'s code', () => {
    expect(uploadCall(sampleCallLog({ result: 'answeredElsewhere', answeredBy: '105', crmUserId: '9' }), settings)).toMatchObject({ code: '105', result: 'answered' });
  });
  it('prefers the CRM form of the number', () => {
    expect(uploadCall(sampleCallLog({ number: { raw: '89161234567', e164: '+79161234567', digits: '79161234567', crm: '89161234567' } }), settings)['phone']).toBe('89161234567');
  });
});

describe('contactFromManagerResponse', () => {
  it('builds the card link from the account when links has no customerLink, and the extension from the user map', () => {
    const res = RetailManagerResponseSchema.parse({ success: true, manager: { id: 4, firstName: 'Olga' }, customer: { id: '12', firstName: 'Ivan', phones: [{ number: '+79161234567' }] } });
    expect(contactFromManagerResponse(res, { accountUrl: 'https://shop.retailcrm.ru/', userExtensions: new Map([['4', '104']]) })).toEqual({
      id: '12',
      name: 'Ivan',
      responsible: { name: 'Olga', extension: '104' },
      url: 'https://shop.retailcrm.ru/customers/12',
      phones: ['+79161234567'],
    });
  });
  it('no customer (only the routed manager): null', () => {
    expect(contactFromManagerResponse(RetailManagerResponseSchema.parse({ success: true, manager: { id: 4 } }), { accountUrl: 'https://x', userExtensions: new Map() })).toBeNull();
  });
});

describe('mapRetailCrmError', () => {
  const res = (status: number, data: unknown, headers: Record<string, string> = {}) => ({ status, data, headers });
  it('a success:false inside a 200 is still an error', () => {
    expect(mapRetailCrmError(res(200, { success: false, errorMsg: 'Call not found' }))?.kind).toBe('rejected');
  });
  it('keeps errors given as a list', () => {
    expect(mapRetailCrmError(res(400, { success: false, errorMsg: 'Validation error', errors: ['phone: too short'] }))?.crmMessage).toBe('Validation error; phone: too short');
  });
  it('"apiKey" is missing. is an auth error', () => {
    expect(mapRetailCrmError(res(403, { success: false, errorMsg: '"apiKey" is missing.' }))?.kind).toBe('auth');
  });
  it('leaves successes alone', () => {
    expect(mapRetailCrmError(res(200, { success: true }))).toBeUndefined();
  });
});
