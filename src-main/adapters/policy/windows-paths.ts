// Where the machine policy's Windows pieces are, decided so that the operator
// the policy locks cannot move them. Environment variables belong to the
// operator (they can start Sidecall from a shell with any of them set), so:
// - reg.exe, cmd.exe and chcp.com are run by absolute path (never found by
//   PATH, where a reg.exe in the current folder would win). The folder is the
//   fixed C:\Windows when it holds System32\reg.exe; only on a machine whose
//   Windows is elsewhere is SystemRoot/windir believed, and then only when it
//   names a folder called Windows at a drive's root that holds System32\reg.exe.
// - %ProgramData% comes from HKLM\...\ProfileList\ProgramData (what Windows
//   itself uses, writable by administrators only), with %SystemDrive% expanded
//   from the system folder above; anything else in it, or no value, falls back
//   to <system drive>\ProgramData. The ProgramData variable is never read.
// The pure decisions are tested with recorded reg.exe output; the I/O is the
// existence check and one reg.exe run, done once at start.
import path from 'node:path';
import { parseRegQuery, type RunReg, type WindowsTools } from './registry';

export const DEFAULT_SYSTEM_ROOT = 'C:\\Windows';
export const PROFILE_LIST_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList';

const WINDOWS_FOLDER = /^([A-Za-z]):\\Windows\\?$/i;

/** The Windows folder: C:\Windows unless it is not there and SystemRoot/windir name another drive's \Windows that is. */
export function windowsSystemRoot(env: Readonly<Record<string, string | undefined>>, isFile: (file: string) => boolean): string {
  const regIn = (root: string): string => path.win32.join(root, 'System32', 'reg.exe');
  if (isFile(regIn(DEFAULT_SYSTEM_ROOT))) return DEFAULT_SYSTEM_ROOT;
  for (const name of ['SystemRoot', 'SYSTEMROOT', 'windir', 'WINDIR']) {
    const m = WINDOWS_FOLDER.exec(env[name] ?? '');
    if (!m) continue;
    const root = `${(m[1] ?? 'C').toUpperCase()}:\\Windows`;
    if (isFile(regIn(root))) return root;
  }
  return DEFAULT_SYSTEM_ROOT;
}

/** The system's own tools in that folder. */
export function windowsTools(systemRoot: string): WindowsTools {
  const sys32 = path.win32.join(systemRoot, 'System32');
  return { cmd: path.win32.join(sys32, 'cmd.exe'), reg: path.win32.join(sys32, 'reg.exe'), chcp: path.win32.join(sys32, 'chcp.com') };
}

/**
 * The ProgramData folder from `reg query <ProfileList> /v ProgramData`
 * output (undefined when the query failed). Only %SystemDrive% and
 * %SystemRoot% are expanded, from the system folder, never the environment.
 */
export function programDataFolder(regOutput: string | undefined, systemRoot: string): string {
  const drive = systemRoot.slice(0, 2);
  const fallback = `${drive}\\ProgramData`;
  if (regOutput === undefined) return fallback;
  const raw = parseRegQuery(regOutput, PROFILE_LIST_KEY).mandatory['ProgramData'];
  if (typeof raw !== 'string') return fallback;
  const expanded = raw.trim().replace(/%SystemDrive%/gi, drive).replace(/%SystemRoot%/gi, systemRoot);
  // Another variable left in it, or not a plain absolute drive path: not trusted.
  if (expanded.includes('%') || !/^[A-Za-z]:\\[^<>"|?*]*$/.test(expanded)) return fallback;
  return path.win32.normalize(expanded).replace(/\\$/, '');
}

/** Reads ProgramData's real location once through reg.exe. */
export function readProgramDataFolder(run: RunReg, systemRoot: string): string {
  const r = run(['query', PROFILE_LIST_KEY, '/v', 'ProgramData', '/reg:64']);
  const ok = !r.error && r.status === 0;
  return programDataFolder(ok ? new TextDecoder('utf-8').decode(r.stdout) : undefined, systemRoot);
}
