import { describe, expect, it } from 'vitest';
import { applyPatch, resolveSettings, SETTINGS_PATHS } from '../../../src-main/core/settings/layered-settings';
import { defaultSettings } from '../../../src-shared/domain/settings';

describe('resolveSettings', () => {
  it('gives defaults for an empty or missing document', () => {
    expect(resolveSettings({ source: 'u', doc: undefined }).settings).toEqual(defaultSettings());
    expect(resolveSettings({ source: 'u', doc: {} }).problems).toEqual([]);
  });

  it('knows every settable field by its dotted path', () => {
    expect(SETTINGS_PATHS.slice(0, 13)).toEqual(['language', 'theme', 'pbx.host', 'pbx.port', 'pbx.tls', 'pbx.amiUser', 'pbx.extension', 'pbx.channelPattern', 'pbx.eventFilter', 'screenPop.when', 'screenPop.externalOnly', 'numbers.defaultRegion', 'numbers.rewriteRules']);
    expect(SETTINGS_PATHS).toEqual(expect.arrayContaining(['dial.device', 'dial.context', 'dial.priority', 'dial.confirmLinks', 'transfer.context', 'recording.mode', 'recording.fileTemplate']));
  });

  it('keeps every valid field and reports each invalid one by path', () => {
    const r = resolveSettings({
      source: 'user.json',
      doc: { language: 'ru', theme: 'purple', pbx: { host: 'pbx.local', port: 'five', tls: true, amiUser: 'op101', extension: '1x1' } },
    });
    expect(r.settings).toEqual({ ...defaultSettings(), language: 'ru', theme: 'system', pbx: { host: 'pbx.local', port: 5038, tls: true, amiUser: 'op101', extension: '' } });
    expect(r.problems.map((p) => p.path).sort()).toEqual(['pbx.extension', 'pbx.port', 'theme']);
    expect(r.problems.every((p) => p.source === 'user.json')).toBe(true);
  });

  it('reports a document that is not an object', () => {
    const r = resolveSettings({ source: 'user.json', doc: [1, 2] });
    expect(r.problems).toEqual([{ path: '(root)', message: 'settings.error.notAnObject', source: 'user.json' }]);
    expect(r.settings).toEqual(defaultSettings());
  });

  it('lets the override win and locks exactly what it set validly', () => {
    const r = resolveSettings(
      { source: 'user', doc: { pbx: { host: 'mine.local', port: 5038, extension: '101' } } },
      { source: 'it', doc: { pbx: { host: 'pbx.corp', port: 'bad' } } },
    );
    expect(r.settings.pbx.host).toBe('pbx.corp');
    expect(r.settings.pbx.port).toBe(5038);
    expect(r.settings.pbx.extension).toBe('101');
    expect(r.lockedPaths).toEqual(['pbx.host']);
    expect(r.problems).toEqual([expect.objectContaining({ path: 'pbx.port', source: 'it' })]);
  });
});

describe('applyPatch', () => {
  it('changes only the patched fields and keeps unknown and invalid ones', () => {
    const doc = { future: { x: 1 }, theme: 'purple', pbx: { host: 'a.local', port: 'five' } };
    const next = applyPatch(doc, { language: 'en', pbx: { host: 'b.local' } });
    expect(next).toEqual({ future: { x: 1 }, theme: 'purple', language: 'en', pbx: { host: 'b.local', port: 'five' } });
    expect(doc.pbx.host).toBe('a.local');
  });
});

describe('screen pop and number settings', () => {
  it('validates the region and each rewrite rule, and accepts good ones (region upper-cased)', () => {
    const r = resolveSettings({
      source: 'u',
      doc: { numbers: { defaultRegion: 'Kazakhstan', rewriteRules: [{ pattern: '^9(\\d{10})$', replacement: '8$1' }, { pattern: '(', replacement: '' }] } },
    });
    expect(r.settings.numbers.defaultRegion).toBe('RU');
    expect(r.settings.numbers.rewriteRules).toEqual([]);
    expect(r.problems).toEqual([
      expect.objectContaining({ path: 'numbers.defaultRegion', message: 'settings.error.region' }),
      expect.objectContaining({ path: 'numbers.rewriteRules', message: 'settings.error.rule.invalidRegex' }),
    ]);
    const ok = resolveSettings({ source: 'u', doc: { numbers: { defaultRegion: 'kz', rewriteRules: [{ pattern: '^9(\\d{10})$', replacement: '8$1' }] }, screenPop: { when: 'answer' } } });
    expect(ok.problems).toEqual([]);
    expect(ok.settings.numbers).toEqual({ defaultRegion: 'KZ', rewriteRules: [{ pattern: '^9(\\d{10})$', replacement: '8$1' }] });
    expect(ok.settings.screenPop).toEqual({ when: 'answer', externalOnly: false });
  });
});
