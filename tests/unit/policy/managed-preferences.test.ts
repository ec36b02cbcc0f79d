// macOS configuration profile: read only on macOS and only when the managed
// preferences file exists, converted by plutil, a failure reported as a broken source.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readManagedPreferences } from '../../../src-main/adapters/policy/managed-preferences';
import { parsePolicySource } from '../../../src-main/core/policy/policy';
import { tempDir } from '../../support/core-fixture';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function plist(): string {
  const d = tempDir('sidecall-mcx-');
  dirs.push(d);
  const file = path.join(d, 'com.sidecall.desktop.plist');
  fs.writeFileSync(file, '<?xml version="1.0"?><plist version="1.0"><dict/></plist>');
  return file;
}

describe('readManagedPreferences', () => {
  it('asks plutil for JSON of the profile and reads it as a policy document', () => {
    const file = plist();
    let asked: readonly string[] = [];
    const raw = readManagedPreferences('darwin', file, (args) => {
      asked = args;
      return JSON.stringify({ values: { 'pbx.host': 'pbx.corp' }, locked: ['pbx.host'] });
    });
    expect(asked).toEqual(['-convert', 'json', '-o', '-', '--', file]);
    expect(raw).toEqual({ source: file, doc: { values: { 'pbx.host': 'pbx.corp' }, locked: ['pbx.host'] } });
    expect(raw && [...parsePolicySource(raw).locked.keys()]).toEqual(['pbx.host']);
  });

  it('nothing elsewhere than macOS or without a profile; plutil failing is a broken source', () => {
    const file = plist();
    const never = (): string => {
      throw new Error('not to be called');
    };
    expect(readManagedPreferences('linux', file, never)).toBeUndefined();
    expect(readManagedPreferences('darwin', path.join(path.dirname(file), 'none.plist'), never)).toBeUndefined();
    expect(readManagedPreferences('darwin', file, () => 'not json')).toMatchObject({ source: file, error: expect.stringMatching(/^plutil could not convert it: /) });
  });
});
