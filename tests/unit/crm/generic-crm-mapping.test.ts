// The generic CRM's pure parts: the JSON path subset (and what it refuses), the
// templates (URL-encoding, JSON escaping, unknown placeholders), the contact
// mapping and the settings check.
import { describe, expect, it } from 'vitest';
import { GenericCrmSettingsSchema } from '../../../src-shared/domain/crm-settings';
import { parseJsonPath, readJsonPath } from '../../../src-main/core/crm/generic/json-path';
import { fillJsonTemplate, fillUrlTemplate, unknownPlaceholders } from '../../../src-main/core/crm/generic/template';
import { callBody, contactFromResponse, lookupUrl } from '../../../src-main/core/crm/generic/mapping';
import { genericSettingsProblems } from '../../../src-main/core/crm/generic/generic-connector';
import { genericCrmAuth } from '../../../src-main/core/crm/generic/http-options';
import { CrmError } from '../../../src-main/core/crm/errors';
import { sampleCallLog } from '../../support/crm-servers/sample-call-log';

const q = { e164: '+79161234567', digits: '79161234567', raw: '8 916 123-45-67' };
const settings = (patch: Record<string, unknown> = {}) => GenericCrmSettingsSchema.parse({ baseUrl: 'https://crm.example.com/api/', ...patch });

describe('JSON paths', () => {
  it('reads dotted keys and indexes', () => {
    const v = { data: [{ owner: { name: 'Olga' }, 'x-y': 1 }], list: [[5, 6]] };
    expect(readJsonPath(v, 'data[0].owner.name')).toBe('Olga');
    expect(readJsonPath(v, 'data[0].x-y')).toBe(1);
    expect(readJsonPath(v, 'list[0][1]')).toBe(6);
    expect(readJsonPath(v, '')).toBe(v);
    expect(readJsonPath(v, 'data[3].owner')).toBeUndefined();
    expect(readJsonPath(v, 'data.owner')).toBeUndefined();
  });
  it('refuses anything else, and never walks the prototype', () => {
    for (const bad of ['a..b', 'a.', '.a', 'a[x]', 'a[0]b', 'a.[0]', "a['b']", 'a[-1]', 'a.__proto__', 'constructor', 'a;b', '$..x', 'a.b()']) expect(parseJsonPath(bad)).toBeUndefined();
    expect(readJsonPath({}, 'toString')).toBeUndefined();
    expect(readJsonPath({ a: {} }, 'a.hasOwnProperty')).toBeUndefined();
  });
});

describe('templates', () => {
  it('URL templates encode values and keep {base}', () => {
    expect(fillUrlTemplate('{base}/contacts?phone={e164}&r={raw}', 'https://x/api', { e164: '+79161234567', raw: '8 (916) 1&2' })).toBe('https://x/api/contacts?phone=%2B79161234567&r=8%20(916)%201%262');
    expect(lookupUrl(settings(), { digits: '12345', raw: '12345' })).toBe('https://crm.example.com/api/contacts?phone=12345');
  });
  it('JSON templates escape quotes, backslashes and control characters', () => {
    const text = fillJsonTemplate('{"n":"{remoteName}"}', { remoteName: 'a"b\\c\nd' });
    expect(JSON.parse(text)).toEqual({ n: 'a"b\\c\nd' });
  });
  it('finds unknown placeholders', () => {
    expect(unknownPlaceholders('{base}/x/{id}/{nope}/{id}', ['base', 'id'])).toEqual(['nope']);
  });
});

describe('contact mapping', () => {
  it('takes the first item of a list answer and a responsible given as an object', () => {
    const c = contactFromResponse([{ id: 3, name: 'Ivan', responsible: { name: 'Olga', ext: '102' }, url: 'javascript:alert(1)' }], settings({ contactUrlTemplate: '{base}/c/{id}' }), q);
    expect(c).toEqual({ id: '3', name: 'Ivan', responsible: { name: 'Olga', extension: '102' }, url: 'https://crm.example.com/api/c/3', phones: ['+79161234567'] });
  });
  it('an answer without id and name is no contact', () => {
    expect(contactFromResponse({ total: 0 }, settings(), q)).toBeNull();
    expect(contactFromResponse(undefined, settings(), q)).toBeNull();
  });
});

describe('call body', () => {
  it('a missing value in a template leaves an empty string, and a broken template says why', () => {
    const ok = callBody(sampleCallLog(), settings({ logBodyTemplate: '{"user":"{userId}","n":{talkSeconds}}' }));
    expect(ok).toEqual({ ok: true, body: { user: '', n: 125 } });
    expect(callBody(sampleCallLog(), settings({ logBodyTemplate: '{"n":{userId}}' })).ok).toBe(false);
  });
});

describe('settings', () => {
  it('names unknown placeholders and paths outside the subset', () => {
    const problems = genericSettingsProblems(settings({ lookupUrl: '{base}/c?p={phone}', logBodyTemplate: '{"a":"{nope}"}', mapping: { name: '__proto__.x' } }));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('{phone}');
  });
  it('fits the credential to the auth kind', () => {
    expect(genericCrmAuth(settings(), { kind: 'secret', secret: 't' })).toEqual({ kind: 'header', name: 'Authorization', value: 'Bearer t' });
    expect(genericCrmAuth(settings({ auth: 'apiKey', apiKeyHeader: 'X-Key' }), { kind: 'secret', secret: 'k' })).toEqual({ kind: 'header', name: 'X-Key', value: 'k' });
    expect(() => genericCrmAuth(settings({ auth: 'basic' }), { kind: 'secret', secret: 'p' })).toThrow(CrmError);
    expect(() => genericCrmAuth(settings({ auth: 'oauthAuthorizationCode' }), { kind: 'secret', secret: 'p' })).toThrow(/Sign in/);
  });
});

describe('the worked example of docs/crm-generic.md', () => {
  it('its settings, lookup answer and call body agree with the code', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/crm-generic.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const [documented, answer, config, sent] = blocks.map((b) => JSON.parse(b) as unknown);
    expect(documented).toEqual(JSON.parse(JSON.stringify(callBody(sampleCallLog({ crmUserId: '9', contactId: '17' }), settings()))).body);
    const s = GenericCrmSettingsSchema.parse((config as { crm: { generic: unknown } }).crm.generic);
    expect(genericSettingsProblems(s)).toEqual([]);
    expect(lookupUrl(s, q)).toBe('https://crm.acme.example/api/v2/people?phone=%2B79161234567');
    expect(contactFromResponse(answer, s, q)).toEqual({
      id: '17',
      name: 'Ivan Petrov',
      company: 'Azure Interior',
      responsible: { name: 'Olga Smirnova', extension: '102' },
      url: 'https://crm.acme.example/app/people/17',
      phones: ['+79161234567'],
    });
    expect(callBody(sampleCallLog(), s)).toEqual({ ok: true, body: sent });
  });
});
