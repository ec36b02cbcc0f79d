// Windows registry policy: reg.exe's output -> mandatory and recommended
// values -> a policy document; how a missing key and a failing reg.exe read
// in any language, and how reg.exe's bytes are decoded (recorded outputs).
import { describe, expect, it } from 'vitest';
import { decodeRegOutput, DEFAULT_WINDOWS_TOOLS, parseRegQuery, readRegistryPolicy, regCommandLine, registryPolicyDocument, registryPolicyFromRun, type RegRun } from '../../../src-main/adapters/policy/registry';
import { parsePolicySource } from '../../../src-main/core/policy/policy';

// As reg.exe prints it (CRLF, four-space columns, HKLM spelled out).
const OUTPUT = [
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\Sidecall',
  '    (Default)    REG_SZ    ',
  '    pbx.host    REG_SZ    pbx.corp.example',
  '    pbx.port    REG_DWORD    0x13bf',
  '    pbx.tls    REG_DWORD    0x1',
  '    dial.callerIdNameTemplate    REG_SZ    Sidecall {number} x',
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\Sidecall\\Recommended',
  '    language    REG_SZ    ru',
  '    pbx.extension    REG_SZ    "101"',
  '    numbers.rewriteRules    REG_SZ    [{"pattern":"^9(\\\\d{10})$","replacement":"8$1"}]',
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\Sidecall\\Other',
  '    theme    REG_SZ    dark',
  '',
].join('\r\n');

describe('parseRegQuery', () => {
  it('splits mandatory and recommended values, decodes DWORDs and keeps text as it is', () => {
    const v = parseRegQuery(OUTPUT);
    expect(v.mandatory).toEqual({ 'pbx.host': 'pbx.corp.example', 'pbx.port': 5055, 'pbx.tls': 1, 'dial.callerIdNameTemplate': 'Sidecall {number} x' });
    expect(v.recommended).toEqual({ language: 'ru', 'pbx.extension': '"101"', 'numbers.rewriteRules': '[{"pattern":"^9(\\\\d{10})$","replacement":"8$1"}]' });
  });

  it('becomes a policy: mandatory values locked, recommended ones defaults, text read leniently', () => {
    const doc = registryPolicyDocument(parseRegQuery(OUTPUT));
    expect(doc.locked.sort()).toEqual(['dial.callerIdNameTemplate', 'pbx.host', 'pbx.port', 'pbx.tls']);
    const p = parsePolicySource({ source: 'HKLM', doc, lenient: true });
    expect(p.problems).toEqual([]);
    expect(p.values.get('pbx.tls')?.value).toBe(true);
    expect(p.values.get('pbx.extension')?.value).toBe('101');
    expect(p.values.get('numbers.rewriteRules')?.value).toEqual([{ pattern: '^9(\\d{10})$', replacement: '8$1' }]);
    expect(p.locked.has('language')).toBe(false);
  });

  it('matches the key whether asked as HKLM or in full, and reads REG_MULTI_SZ as a list', () => {
    const out = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Sidecall\r\n    x.list    REG_MULTI_SZ    a\\0b\r\n';
    expect(parseRegQuery(out, 'HKLM\\Software\\Policies\\Sidecall').mandatory).toEqual({ 'x.list': ['a', 'b'] });
  });
});

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const ok = (stdout: string): RegRun => ({ status: 0, stdout: utf8(stdout), stderr: new Uint8Array(0) });
const KEY = 'HKLM\\Software\\Policies\\Sidecall';

// reg.exe's "key not found" as printed on an English and on a Russian Windows
// (the Russian one in code page 866, as it reaches a pipe without chcp 65001).
const ENGLISH_MISSING = utf8('ERROR: The system was unable to find the specified registry key or value.\r\n');
const RUSSIAN_MISSING_CP866 = Uint8Array.from(
  Buffer.from('8e9888818a803a208da520e3a4a0a5e2e1ef20ada0a9e2a820e3aaa0a7a0adadeba920e0a0a7a4a5ab20a8aba820afa0e0a0aca5e2e020a220e0a5a5e1e2e0a52e0d0a', 'hex'),
);

describe('readRegistryPolicy', () => {
  it('is Windows only', () => {
    expect(readRegistryPolicy('linux', () => ok(OUTPUT))).toBeUndefined();
  });

  it('asks reg.exe for the 64-bit view of the key and its subkeys', () => {
    let asked: readonly string[] = [];
    const raw = readRegistryPolicy('win32', (args) => {
      asked = args;
      return ok(OUTPUT);
    });
    expect(asked).toEqual(['query', KEY, '/s', '/reg:64']);
    expect(raw).toMatchObject({ source: KEY, lenient: true });
  });

  it('runs reg.exe by its absolute path inside cmd /d with chcp 65001, so its output is UTF-8', () => {
    expect(regCommandLine(DEFAULT_WINDOWS_TOOLS, ['query', KEY, '/s', '/reg:64'])).toBe(
      '/d /s /c ""C:\\Windows\\System32\\chcp.com" 65001>nul & "C:\\Windows\\System32\\reg.exe" query "HKLM\\Software\\Policies\\Sidecall" /s /reg:64"',
    );
    expect(() => regCommandLine(DEFAULT_WINDOWS_TOOLS, ['query', 'a&calc'])).toThrow(/refusing/);
  });
});

describe('registryPolicyFromRun', () => {
  it('a missing key is no policy whatever language reg.exe speaks: exit status 1 with nothing on stdout', () => {
    expect(registryPolicyFromRun({ status: 1, stdout: new Uint8Array(0), stderr: ENGLISH_MISSING })).toBeUndefined();
    expect(registryPolicyFromRun({ status: 1, stdout: new Uint8Array(0), stderr: RUSSIAN_MISSING_CP866 })).toBeUndefined();
    expect(registryPolicyFromRun({ status: 1, stdout: utf8('\r\n'), stderr: RUSSIAN_MISSING_CP866 })).toBeUndefined();
  });

  it('reg.exe not starting, or failing any other way, is a broken source quoting its words', () => {
    const spawnFailed: RegRun = { status: null, stdout: new Uint8Array(0), stderr: new Uint8Array(0), error: new Error('spawnSync C:\\Windows\\System32\\cmd.exe ENOENT') };
    expect(registryPolicyFromRun(spawnFailed)).toEqual({ source: KEY, error: 'reg query failed: spawnSync C:\\Windows\\System32\\cmd.exe ENOENT' });
    const syntax: RegRun = { status: 2, stdout: new Uint8Array(0), stderr: utf8('ОШИБКА: Неверный синтаксис.\r\n') };
    expect(registryPolicyFromRun(syntax)).toEqual({ source: KEY, error: 'reg query failed (exit status 2): ОШИБКА: Неверный синтаксис.' });
  });

  it('a key with no values is no policy', () => {
    expect(registryPolicyFromRun(ok('HKEY_LOCAL_MACHINE\\Software\\Policies\\Sidecall\r\n'))).toBeUndefined();
  });

  it('reads a Cyrillic value as IT typed it, from UTF-8 (chcp 65001) or UTF-16LE output', () => {
    const text = 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Sidecall\r\n    dial.callerIdNameTemplate    REG_SZ    Оператор {number}\r\n';
    const fromUtf8 = registryPolicyFromRun(ok(text));
    expect(fromUtf8).toMatchObject({ doc: { values: { 'dial.callerIdNameTemplate': 'Оператор {number}' } } });
    const utf16 = Uint8Array.from([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    expect(decodeRegOutput(utf16)).toBe(text);
    expect(registryPolicyFromRun({ status: 0, stdout: utf16, stderr: new Uint8Array(0) })).toEqual(fromUtf8);
  });
});
