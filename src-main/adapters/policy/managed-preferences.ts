// macOS configuration profile for Sidecall: the managed preferences an MDM
// installs at /Library/Managed Preferences/com.sidecall.desktop.plist, read
// with `plutil -convert json` (macOS only). The plist holds the same keys as
// policy.json ("values" dictionary, "locked" array; see core/policy/policy.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { RawPolicySource } from '../../core/policy/policy';

export const MANAGED_PREFERENCES_FILE = '/Library/Managed Preferences/com.sidecall.desktop.plist';

export type RunPlutil = (args: readonly string[]) => string;

const runPlutil: RunPlutil = (args) => execFileSync('/usr/bin/plutil', [...args], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });

/** Reads the profile once (macOS only; elsewhere, or without a profile, undefined). */
export function readManagedPreferences(platform: string, file: string = MANAGED_PREFERENCES_FILE, run: RunPlutil = runPlutil): RawPolicySource | undefined {
  if (platform !== 'darwin' || !fs.existsSync(file)) return undefined;
  try {
    return { source: file, doc: JSON.parse(run(['-convert', 'json', '-o', '-', '--', file])) as unknown };
  } catch (error) {
    return { source: file, error: `plutil could not convert it: ${(error as Error).message}` };
  }
}
