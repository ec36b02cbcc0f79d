// Windows Group Policy for Sidecall: HKLM\Software\Policies\Sidecall read
// with `reg query` (Windows only; nothing to install). Values directly under
// the key are mandatory (locked), values under its `Recommended` subkey are
// defaults; see core/policy/policy.ts for the format. The parser is pure and
// tested with reg.exe's output; only readRegistryPolicy touches the system.
import { execFileSync } from 'node:child_process';
import type { RawPolicySource } from '../../core/policy/policy';

export const POLICY_REGISTRY_KEY = 'HKLM\\Software\\Policies\\Sidecall';

export interface RegistryValues {
  readonly mandatory: Readonly<Record<string, unknown>>;
  readonly recommended: Readonly<Record<string, unknown>>;
}

/** One value line of `reg query`: four spaces, name, four spaces, type, four spaces, data. */
const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/;

function dataOf(type: string, text: string): unknown {
  switch (type) {
    case 'REG_DWORD':
    case 'REG_QWORD': {
      const n = Number.parseInt(text, 16);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'REG_MULTI_SZ':
      // reg.exe prints the separators as the two characters \0.
      return text === '' ? [] : text.split('\\0');
    default:
      return text;
  }
}

/**
 * Parses `reg query <key> /s` output. Only the key itself and its
 * `Recommended` subkey count; other subkeys are ignored.
 */
export function parseRegQuery(output: string, key: string = POLICY_REGISTRY_KEY): RegistryValues {
  const mandatory: Record<string, unknown> = {};
  const recommended: Record<string, unknown> = {};
  // reg.exe prints HKEY_LOCAL_MACHINE in full even when asked with HKLM.
  const norm = (k: string): string => k.trim().replace(/^HKLM\\/i, 'HKEY_LOCAL_MACHINE\\').toLowerCase();
  const root = norm(key);
  let target: Record<string, unknown> | undefined;
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      const k = norm(line);
      target = k === root ? mandatory : k === `${root}\\recommended` ? recommended : undefined;
      continue;
    }
    const m = VALUE_LINE.exec(line);
    if (!m || !target) continue;
    const [, name = '', type = '', data = ''] = m;
    // "(Default)" is the key's unnamed value, never a setting.
    if (name === '(Default)') continue;
    target[name] = dataOf(type, data);
  }
  return { mandatory, recommended };
}

/** The registry values as a policy document: mandatory values locked, recommended ones not. */
export function registryPolicyDocument(values: RegistryValues): { values: Record<string, unknown>; locked: string[] } {
  return { values: { ...values.recommended, ...values.mandatory }, locked: Object.keys(values.mandatory) };
}

export type RunReg = (args: readonly string[]) => string;

const runReg: RunReg = (args) => execFileSync('reg', [...args], { encoding: 'utf8', timeout: 5000, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Reads the policy key once (Windows only; elsewhere undefined). A missing
 * key is no policy; reg.exe failing otherwise is reported as a broken source.
 */
export function readRegistryPolicy(platform: string, run: RunReg = runReg, key: string = POLICY_REGISTRY_KEY): RawPolicySource | undefined {
  if (platform !== 'win32') return undefined;
  let output: string;
  try {
    // /reg:64: the 64-bit view, where Group Policy writes, whatever this process is.
    output = run(['query', key, '/s', '/reg:64']);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    // reg.exe exits 1 with "unable to find the specified registry key" when there is no policy.
    if ((error as { status?: unknown }).status === 1 && /unable to find/i.test(stderr)) return undefined;
    return { source: key, error: `reg query failed: ${(error as Error).message}` };
  }
  const values = parseRegQuery(output, key);
  if (Object.keys(values.mandatory).length === 0 && Object.keys(values.recommended).length === 0) return undefined;
  return { source: key, doc: registryPolicyDocument(values), lenient: true };
}
