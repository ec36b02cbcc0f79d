// Windows Group Policy for Sidecall: HKLM\Software\Policies\Sidecall read
// with `reg query` (Windows only; nothing to install). Values directly under
// the key are mandatory (locked), values under its `Recommended` subkey are
// defaults; see core/policy/policy.ts for the format. The parser and the
// decision on reg.exe's result are pure and tested with recorded output; only
// the runner touches the system.
//
// Language and encoding: reg.exe writes to a pipe in the console's code page
// (OEM: 866 on Russian Windows, 437/850 elsewhere) and words its errors in the
// system's language. So (1) "no policy" is decided by the exit status alone
// (1, and nothing on stdout), never by the English "unable to find" text; and
// (2) reg.exe runs inside `cmd /d /c "chcp 65001>nul & reg query ..."`, so
// its output is UTF-8 on every system: the chcp changes only the private
// console of that cmd, not the operator's. `cmd /u` would not do: it makes
// cmd's own built-in commands write UTF-16, not the programs it starts. The
// output is decoded from bytes here (UTF-16LE if it carries that byte order
// mark, else UTF-8), so a Cyrillic value is read as IT typed it.
import { spawnSync } from 'node:child_process';
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

/** What one reg.exe run gave: exit status (null when it did not start or was killed), raw bytes. */
export interface RegRun {
  readonly status: number | null;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  /** Set when the process could not be started or timed out. */
  readonly error?: Error;
}

export type RunReg = (args: readonly string[]) => RegRun;

/** Where the system's own tools are; absolute, so no reg.exe or chcp.com in the current folder or PATH is run instead. */
export interface WindowsTools {
  readonly cmd: string;
  readonly reg: string;
  readonly chcp: string;
}

export const DEFAULT_WINDOWS_TOOLS: WindowsTools = {
  cmd: 'C:\\Windows\\System32\\cmd.exe',
  reg: 'C:\\Windows\\System32\\reg.exe',
  chcp: 'C:\\Windows\\System32\\chcp.com',
};

/** Quotes one argument for cmd.exe's command line (the key and paths hold no quotes or cmd metacharacters of their own). */
function cmdQuote(arg: string): string {
  if (/["%^&|<>]/.test(arg)) throw new Error(`refusing to pass ${arg} through cmd.exe`);
  return /[\s]/.test(arg) || arg.includes('\\') ? `"${arg}"` : arg;
}

/**
 * cmd.exe's arguments (passed verbatim) for one reg.exe run with UTF-8
 * output: /d skips AutoRun commands, /s /c "..." runs the inner line as it is.
 * The exit status is reg.exe's (the last command of the line).
 */
export function regCommandLine(tools: WindowsTools, args: readonly string[]): string {
  const inner = `${cmdQuote(tools.chcp)} 65001>nul & ${[tools.reg, ...args].map(cmdQuote).join(' ')}`;
  return `/d /s /c "${inner}"`;
}

/** reg.exe's bytes as text: UTF-16LE when it says so with a byte order mark, else UTF-8 (see the header). */
export function decodeRegOutput(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/** A RunReg on this machine through cmd.exe and chcp 65001 (Windows only). */
export function createRegRunner(tools: WindowsTools = DEFAULT_WINDOWS_TOOLS): RunReg {
  return (args) => {
    const r = spawnSync(tools.cmd, [regCommandLine(tools, args)], {
      windowsVerbatimArguments: true,
      windowsHide: true,
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const empty = new Uint8Array(0);
    return { status: r.status, stdout: r.stdout ?? empty, stderr: r.stderr ?? empty, ...(r.error ? { error: r.error } : {}) };
  };
}

/**
 * reg.exe's result as a policy source. A missing key is no policy: reg.exe
 * exits 1 with nothing on stdout, worded in whatever language the system
 * speaks. Anything else that is not a success is a broken source, quoting
 * reg.exe's own words.
 */
export function registryPolicyFromRun(run: RegRun, key: string = POLICY_REGISTRY_KEY): RawPolicySource | undefined {
  if (run.error) return { source: key, error: `reg query failed: ${run.error.message}` };
  const stdout = decodeRegOutput(run.stdout);
  if (run.status === 1 && stdout.trim() === '') return undefined;
  if (run.status !== 0) {
    const words = decodeRegOutput(run.stderr).trim() || stdout.trim();
    return { source: key, error: `reg query failed (exit status ${String(run.status)})${words ? `: ${words}` : ''}` };
  }
  const values = parseRegQuery(stdout, key);
  if (Object.keys(values.mandatory).length === 0 && Object.keys(values.recommended).length === 0) return undefined;
  return { source: key, doc: registryPolicyDocument(values), lenient: true };
}

/** Reads the policy key once (Windows only; elsewhere undefined). */
export function readRegistryPolicy(platform: string, run?: RunReg, key: string = POLICY_REGISTRY_KEY): RawPolicySource | undefined {
  if (platform !== 'win32') return undefined;
  // /reg:64: the 64-bit view, where Group Policy writes, whatever this process is.
  return registryPolicyFromRun((run ?? createRegRunner())(['query', key, '/s', '/reg:64']), key);
}
