// Odoo's pure mapping: versions (saas too) and the API they call for, card link
// forms, the phone domains with and without phone_validation, the chatter note
// and crm.phonecall values, and the error shapes of both APIs.
import { describe, expect, it } from 'vitest';
import {
  chooseOdooApi,
  clockDuration,
  contactFromPartner,
  hasNumber,
  noteBody,
  odooPartnerUrl,
  parseOdooVersion,
  partnerPhoneDomain,
  phoneTail,
  phonecallValues,
} from '../../../src-main/core/crm/odoo/mapping';
import { mapOdooError } from '../../../src-main/core/crm/odoo/http-options';
import { sampleCallLog } from '../../support/crm-servers/sample-call-log';

describe('versions', () => {
  it('reads major and minor from server_version, SaaS labels included', () => {
    expect(parseOdooVersion({ server_version: '16.0', server_version_info: [16, 0, 0, 'final', 0, ''] })).toEqual({ major: 16, minor: 0, label: '16.0' });
    expect(parseOdooVersion({ server_version: 'saas~17.2+e', server_version_info: ['saas~17', 2, 0, 'final', 0, 'e'] })).toMatchObject({ major: 17, minor: 2 });
    expect(parseOdooVersion({ nope: 1 })).toBeUndefined();
  });
  it('auto picks /json/2 from 19 on; Settings can force either', () => {
    const v = (major: number) => ({ major, minor: 0, label: `${major}.0` });
    expect([chooseOdooApi('auto', v(18)), chooseOdooApi('auto', v(19)), chooseOdooApi('jsonrpc', v(19)), chooseOdooApi('json2', v(17))]).toEqual(['jsonrpc', 'json2', 'jsonrpc', 'json2']);
  });
  it('links: /web# up to 17.0, /odoo/contacts from 17.2', () => {
    expect(odooPartnerUrl('https://o.example.com/', 5, { major: 17, minor: 0, label: '17.0' })).toBe('https://o.example.com/web#id=5&model=res.partner&view_type=form');
    expect(odooPartnerUrl('https://o.example.com', 5, { major: 17, minor: 2, label: 'saas~17.2' })).toBe('https://o.example.com/odoo/contacts/5');
    expect(odooPartnerUrl('https://o.example.com', 5, { major: 18, minor: 0, label: '18.0' })).toBe('https://o.example.com/odoo/contacts/5');
  });
});

describe('phone search', () => {
  it('searches the last 10 digits', () => {
    expect(phoneTail({ e164: '+79161234567', digits: '79161234567', raw: '8 916' })).toBe('9161234567');
    expect(phoneTail({ digits: '1234', raw: '1234' })).toBe('1234');
  });
  it('uses phone_mobile_search where it exists, else an OR over phone/mobile', () => {
    expect(partnerPhoneDomain('9161234567', { phoneMobileSearch: true, phone: true, mobile: true })).toEqual([['phone_mobile_search', 'ilike', '9161234567']]);
    expect(partnerPhoneDomain('4567', { phoneMobileSearch: false, phone: true, mobile: false })).toEqual(['|', ['phone', '=like', '%4567'], ['phone', 'ilike', '4%5%6%7']]);
    expect(partnerPhoneDomain('4567', { phoneMobileSearch: false, phone: true, mobile: true })).toHaveLength(7);
  });
  it('keeps only partners whose number ends with the digits', () => {
    expect(hasNumber({ id: 1, phone: '+7 (916) 123-45-67' }, '9161234567')).toBe(true);
    expect(hasNumber({ id: 1, phone: '+7 (916) 123-45-67 ext 2' }, '9161234567')).toBe(false);
    expect(hasNumber({ id: 1, phone: false, mobile: '89161234567' }, '9161234567')).toBe(true);
  });
  it('a partner without name or company still makes a contact', () => {
    expect(contactFromPartner({ id: 3, name: false, phone: '+7 1', parent_id: false, user_id: false }, 'https://o', { major: 16, minor: 0, label: '16.0' })).toEqual({
      id: '3',
      name: '+7 1',
      url: 'https://o/web#id=3&model=res.partner&view_type=form',
      phones: ['+7 1'],
    });
  });
});

describe('call logs', () => {
  it('durations read as clocks', () => {
    expect([clockDuration(0), clockDuration(65), clockDuration(3725)]).toEqual(['0:00', '1:05', '1:02:05']);
  });
  it('the note says direction, result, number, duration, transfer, recording and the marker', () => {
    const body = noteBody(
      sampleCallLog({ direction: 'outbound', result: 'busy', talkSeconds: 0, waitSeconds: 20, transfers: [{ kind: 'blind', direction: 'out', at: 1, to: '105' }], recording: { files: [] } }),
    );
    expect(body.split('\n')).toEqual(['Outbound call, busy (to +79161234567, extension 101).', 'Duration 0:00, waited 0:20.', 'Transferred to 105.', 'Sidecall call 1714987815.42.']);
  });
  it('crm.phonecall without description keeps the marker in the summary', () => {
    const v = phonecallValues(sampleCallLog({ result: 'missed' }), undefined, { description: false, direction: false });
    expect(v).toEqual({ name: 'Inbound call, missed [Sidecall call 1714987815.42]', partner_phone: '+79161234567', date: '2024-05-06 09:30:15', duration: 2.08, state: 'cancel' });
  });
});

describe('mapOdooError', () => {
  const rpc = (name: string, message: string) => ({ status: 200, headers: {}, data: { jsonrpc: '2.0', id: 1, error: { code: 200, message: 'Odoo Server Error', data: { name, message, debug: 'Traceback...' } } } });
  it('JSON-RPC errors by exception name, in Odoo\'s words and without the traceback', () => {
    const denied = mapOdooError(rpc('odoo.exceptions.AccessDenied', 'Access Denied'));
    expect([denied?.kind, denied?.crmMessage]).toEqual(['auth', 'Access Denied']);
    expect(mapOdooError(rpc('odoo.exceptions.AccessError', 'No access'))?.kind).toBe('config');
    const v = mapOdooError(rpc('odoo.exceptions.ValidationError', 'Bad value'));
    expect([v?.kind, v?.message.includes('Traceback')]).toEqual(['rejected', false]);
  });
  it('/json/2 errors as objects or strings; an HTML 404 is left to the status mapping', () => {
    expect(mapOdooError({ status: 401, headers: {}, data: { name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey' } })?.kind).toBe('auth');
    expect(mapOdooError({ status: 422, headers: {}, data: 'Missing required field' })?.crmMessage).toBe('Missing required field');
    expect(mapOdooError({ status: 404, headers: {}, data: '<html>404</html>' })).toBeUndefined();
    expect(mapOdooError({ status: 200, headers: {}, data: { jsonrpc: '2.0', id: 1, result: 3 } })).toBeUndefined();
  });
});
