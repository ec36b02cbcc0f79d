// The machine policy from where IT puts it on each OS (see core/policy/policy.ts
// for the format and precedence): Windows HKLM\Software\Policies\Sidecall and
// %ProgramData%\Sidecall\policy.json; macOS the configuration profile and
// /Library/Application Support/Sidecall/policy.json; Linux
// /etc/sidecall/policy.json. SIDECALL_POLICY_FILE adds one more file after
// those (tests, trials): it can add values and locks, never undo the machine's.
// Registry and profile are read once at start (a process per read); files are
// re-read when their stamp changes, so IT's edit applies without a restart.
// On Windows the ProgramData folder and reg.exe are found without trusting the
// operator's environment (see windows-paths.ts), or the locks could be escaped.
import fs from 'node:fs';
import path from 'node:path';
import { EMPTY_POLICY, policyFromSources, type PolicyLayer, type PolicyProvider, type RawPolicySource } from '../../core/policy/policy';
import { fileStamp } from '../file-stamp';
import { readManagedPreferences } from './managed-preferences';
import { createRegRunner, readRegistryPolicy, type RunReg } from './registry';
import { readProgramDataFolder, windowsSystemRoot, windowsTools } from './windows-paths';

/** A policy file larger than this is refused (it is a few lines; anything bigger is a mistake). */
const MAX_POLICY_BYTES = 1024 * 1024;

/** The machine-wide policy file of this OS; on Windows under the ProgramData folder found by windows-paths.ts. */
export function machinePolicyFile(platform: string, programData = 'C:\\ProgramData'): string {
  if (platform === 'win32') return path.win32.join(programData, 'Sidecall', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/Sidecall/policy.json';
  return '/etc/sidecall/policy.json';
}

export interface PolicyProviderOptions {
  /** Read once, in order of authority (registry, configuration profile). */
  readonly snapshots?: readonly (RawPolicySource | undefined)[];
  /** Policy files in order of authority; a missing file is no policy. */
  readonly files: readonly string[];
}

/** A policy file as a raw source: undefined when absent, an error when unreadable or not JSON. */
export function readPolicyFile(file: string): RawPolicySource | undefined {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (st.size > MAX_POLICY_BYTES) return { source: file, error: `the file is ${st.size} bytes; a policy file may be at most ${MAX_POLICY_BYTES}` };
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { source: file, error: (error as Error).message };
  }
  try {
    // Notepad saves UTF-8 with a byte order mark, which JSON.parse refuses.
    return { source: file, doc: JSON.parse(text.replace(/^\uFEFF/, '')) as unknown };
  } catch (error) {
    return { source: file, error: `not valid JSON (${(error as Error).message})` };
  }
}

export function createPolicyProvider(opts: PolicyProviderOptions): PolicyProvider {
  const snapshots = (opts.snapshots ?? []).filter((s): s is RawPolicySource => s !== undefined);
  let cached: { stamp: string; layer: PolicyLayer } | undefined;
  const stamp = (): string => opts.files.map(fileStamp).join('|');
  return {
    stamp,
    load() {
      const now = stamp();
      if (cached?.stamp === now) return cached.layer;
      const raws = [...snapshots, ...opts.files.map(readPolicyFile).filter((r): r is RawPolicySource => r !== undefined)];
      const layer = raws.length === 0 ? EMPTY_POLICY : policyFromSources(raws);
      cached = { stamp: now, layer };
      return layer;
    },
  };
}

/** This machine's policy: registry or profile, the machine file, then SIDECALL_POLICY_FILE if set. */
export function machinePolicyProvider(platform: string, env: NodeJS.ProcessEnv, extraFile?: string): PolicyProvider {
  let run: RunReg | undefined;
  let programData: string | undefined;
  if (platform === 'win32') {
    const root = windowsSystemRoot(env, (f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile() === true);
    run = createRegRunner(windowsTools(root));
    programData = readProgramDataFolder(run, root);
  }
  return createPolicyProvider({
    snapshots: [readRegistryPolicy(platform, run), readManagedPreferences(platform)],
    files: [machinePolicyFile(platform, programData), ...(extraFile ? [extraFile] : [])],
  });
}
