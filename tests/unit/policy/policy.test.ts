// Policy documents: validation against the Settings schema, the merge of
// several sources, and how policy values and locks combine with the user's
// settings and the --config file.
import { describe, expect, it } from 'vitest';
import { EMPTY_POLICY, mergePolicies, parsePolicySource, policyFromSources } from '../../../src-main/core/policy/policy';
import { resolveSettings } from '../../../src-main/core/settings/layered-settings';
import { defaultSettings } from '../../../src-shared/domain/settings';

const user = (doc: unknown) => ({ source: 'user.json', doc });

describe('parsePolicySource', () => {
  it('takes dotted values and locks, and reads nested objects as their leaves', () => {
    const p = parsePolicySource({ source: 'policy.json', doc: { values: { 'pbx.host': 'pbx.corp', pbx: { port: 5039 }, language: 'ru' }, locked: ['pbx.host'] } });
    expect(Object.fromEntries([...p.values].map(([k, v]) => [k, v.value]))).toEqual({ 'pbx.host': 'pbx.corp', 'pbx.port': 5039, language: 'ru' });
    expect([...p.locked.keys()]).toEqual(['pbx.host']);
    expect(p.problems).toEqual([]);
    expect(p.sources).toEqual(['policy.json']);
  });

  it('locks a whole section or everything', () => {
    const section = parsePolicySource({ source: 'p', doc: { locked: ['pbx'] } });
    expect([...section.locked.keys()]).toEqual(expect.arrayContaining(['pbx.host', 'pbx.port', 'pbx.tls', 'pbx.amiUser', 'pbx.extension']));
    expect([...section.locked.keys()].every((k) => k.startsWith('pbx.'))).toBe(true);
    const all = parsePolicySource({ source: 'p', doc: { locked: ['*'] } });
    expect(all.locked.has('language')).toBe(true);
    expect(all.locked.has('dial.confirmLinks')).toBe(true);
  });

  it('reports unknown paths and invalid values by path and applies the rest; an invalid locked value is not locked', () => {
    const p = parsePolicySource({
      source: 'policy.json',
      doc: { values: { 'pbx.host': 'pbx.corp', 'pbx.port': 99999, 'pbx.colour': 'red', nosuch: { a: 1 } }, locked: ['pbx.port', 'pbx.host', 'nope.field'] },
    });
    expect([...p.values.keys()]).toEqual(['pbx.host']);
    expect([...p.locked.keys()]).toEqual(['pbx.host']);
    expect(p.problems).toEqual([
      { path: 'pbx.colour', message: 'policy.error.unknownPath', source: 'policy.json' },
      { path: 'nosuch', message: 'policy.error.unknownPath', source: 'policy.json' },
      { path: 'pbx.port', message: 'settings.error.port', source: 'policy.json' },
      { path: 'nope.field', message: 'policy.error.unknownPath', source: 'policy.json' },
    ]);
  });

  it.each([
    ['an array', [1, 2]],
    ['a settings document instead of a policy', { pbx: { host: 'x' } }],
    ['values that are not an object', { values: ['pbx.host'] }],
    ['locked that is not a list', { locked: 'pbx.host' }],
    ['null', null],
  ])('ignores %s as a whole, with one problem for the file', (_what, doc) => {
    const p = parsePolicySource({ source: '/etc/sidecall/policy.json', doc });
    expect(p.values.size).toBe(0);
    expect(p.locked.size).toBe(0);
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]).toMatchObject({ path: '(file)', source: '/etc/sidecall/policy.json' });
    expect(p.problems[0]?.message).toMatch(/^The policy is not applied: it must be an object like/);
  });

  it('reports a source that could not be read', () => {
    const p = parsePolicySource({ source: 'C:\\ProgramData\\Sidecall\\policy.json', error: 'not valid JSON (Unexpected token)' });
    expect(p.problems).toEqual([{ path: '(file)', message: 'The policy could not be read and is not applied: not valid JSON (Unexpected token)', source: 'C:\\ProgramData\\Sidecall\\policy.json' }]);
  });

  it('reads registry text leniently: JSON numbers and booleans, DWORD 0/1 as booleans, plain text as text', () => {
    const p = parsePolicySource({
      source: 'HKLM',
      lenient: true,
      doc: { values: { 'pbx.port': '5039', 'pbx.tls': 1, 'dial.confirmLinks': 'false', 'pbx.host': 'pbx.corp', 'pbx.extension': '"101"' }, locked: [] },
    });
    expect(Object.fromEntries([...p.values].map(([k, v]) => [k, v.value]))).toEqual({ 'pbx.port': 5039, 'pbx.tls': true, 'dial.confirmLinks': false, 'pbx.host': 'pbx.corp', 'pbx.extension': '101' });
    // A JSON file is exact: a string is not a port.
    expect(parsePolicySource({ source: 'f', doc: { values: { 'pbx.port': '5039' } } }).values.size).toBe(0);
  });
});

describe('mergePolicies', () => {
  it('lets the first source win a value; locks from every source add up', () => {
    const registry = parsePolicySource({ source: 'registry', doc: { values: { 'pbx.host': 'gpo.corp' }, locked: ['pbx.host'] } });
    const file = parsePolicySource({ source: 'file', doc: { values: { 'pbx.host': 'file.corp', 'pbx.port': 5039 }, locked: ['pbx.port'] } });
    const merged = mergePolicies([registry, file]);
    expect(merged.values.get('pbx.host')).toEqual({ value: 'gpo.corp', source: 'registry' });
    expect(merged.values.get('pbx.port')).toEqual({ value: 5039, source: 'file' });
    expect(Object.fromEntries(merged.locked)).toEqual({ 'pbx.host': 'registry', 'pbx.port': 'file' });
    expect(merged.sources).toEqual(['registry', 'file']);
    expect(mergePolicies([]).values.size).toBe(0);
  });
});

describe('resolveSettings with a policy', () => {
  const policy = policyFromSources([
    {
      source: 'policy.json',
      doc: { values: { 'pbx.host': 'pbx.corp', 'pbx.port': 5039, language: 'ru', 'screenPop.when': 'answer' }, locked: ['pbx.host', 'pbx.port', 'theme'] },
    },
  ]);

  it('an unlocked value is the default the operator may change', () => {
    expect(resolveSettings(user({}), undefined, policy).settings.language).toBe('ru');
    const r = resolveSettings(user({ language: 'en' }), undefined, policy);
    expect(r.settings.language).toBe('en');
    expect(r.lockedPaths).not.toContain('language');
    // An invalid user value falls back to the machine default, not the built-in one.
    expect(resolveSettings(user({ screenPop: { when: 'sometimes' } }), undefined, policy).settings.screenPop.when).toBe('answer');
  });

  it('a locked value wins over the user and locks the field; a lock without a value enforces the default', () => {
    const r = resolveSettings(user({ pbx: { host: 'mine.local', port: 6000, extension: '101' }, theme: 'dark' }), undefined, policy);
    expect(r.settings.pbx).toMatchObject({ host: 'pbx.corp', port: 5039, extension: '101' });
    expect(r.settings.theme).toBe(defaultSettings().theme);
    expect([...r.lockedPaths].sort()).toEqual(['pbx.host', 'pbx.port', 'theme']);
  });

  it('wins over --config too, and the locks of both count (once each)', () => {
    const r = resolveSettings(user({}), { source: 'config.json', doc: { pbx: { host: 'config.corp', extension: '202' } } }, policy);
    expect(r.settings.pbx.host).toBe('pbx.corp');
    expect(r.settings.pbx.extension).toBe('202');
    expect([...r.lockedPaths].sort()).toEqual(['pbx.extension', 'pbx.host', 'pbx.port', 'theme']);
  });

  it('carries the policy problems with their source', () => {
    const broken = policyFromSources([{ source: '/etc/sidecall/policy.json', doc: { values: { 'pbx.port': 'x' } } }]);
    const r = resolveSettings(user({ pbx: { port: 6000 } }), undefined, broken);
    expect(r.settings.pbx.port).toBe(6000);
    expect(r.problems).toEqual([expect.objectContaining({ path: 'pbx.port', source: '/etc/sidecall/policy.json' })]);
  });

  it('an empty policy changes nothing', () => {
    const doc = { language: 'en', pbx: { host: 'a.local' } };
    expect(resolveSettings(user(doc), undefined, EMPTY_POLICY)).toEqual(resolveSettings(user(doc)));
  });
});
