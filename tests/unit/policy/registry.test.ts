// Windows registry policy: reg.exe's output -> mandatory and recommended
// values -> a policy document; how a missing key and a failing reg.exe read.
import { describe, expect, it } from 'vitest';
import { parseRegQuery, readRegistryPolicy, registryPolicyDocument } from '../../../src-main/adapters/policy/registry';
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

describe('readRegistryPolicy', () => {
  it('is Windows only', () => {
    expect(readRegistryPolicy('linux', () => OUTPUT)).toBeUndefined();
  });

  it('asks reg.exe for the 64-bit view of the key and its subkeys', () => {
    let asked: readonly string[] = [];
    const raw = readRegistryPolicy('win32', (args) => {
      asked = args;
      return OUTPUT;
    });
    expect(asked).toEqual(['query', 'HKLM\\Software\\Policies\\Sidecall', '/s', '/reg:64']);
    expect(raw).toMatchObject({ source: 'HKLM\\Software\\Policies\\Sidecall', lenient: true });
  });

  it('a missing key is no policy; any other failure is a broken source', () => {
    const missing = Object.assign(new Error('Command failed'), { status: 1, stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n' });
    expect(
      readRegistryPolicy('win32', () => {
        throw missing;
      }),
    ).toBeUndefined();
    const denied = Object.assign(new Error('spawn reg ENOENT'), { code: 'ENOENT' });
    expect(
      readRegistryPolicy('win32', () => {
        throw denied;
      }),
    ).toEqual({ source: 'HKLM\\Software\\Policies\\Sidecall', error: 'reg query failed: spawn reg ENOENT' });
    expect(readRegistryPolicy('win32', () => 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Sidecall\r\n')).toBeUndefined();
  });
});
