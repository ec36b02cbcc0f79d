// Command-line and environment options shared by both hosts.
import path from 'node:path';
import pkg from '../../package.json' with { type: 'json' };

export interface HostOptions {
  /** IT / test settings file whose values win (`--config FILE` or SIDECALL_CONFIG). */
  readonly configFile?: string;
  /** Overrides where settings and logs are kept (`--data-dir DIR` or SIDECALL_DATA_DIR). */
  readonly dataDir?: string;
  /** Browser-mode port (`--port N`); a free one when absent. */
  readonly port?: number;
  /**
   * One more policy file after the machine's own (SIDECALL_POLICY_FILE; tests
   * and trials). Environment only, and it can only add: see adapters/policy.
   */
  readonly policyFile?: string;
  /** Keychain service name (SIDECALL_KEYCHAIN_SERVICE; tests use their own). */
  readonly keychainService: string;
}

export class HostOptionsError extends Error {}

function valueOf(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined; // anything after `--` is data (a tel: link), never an option
    if (a === name) return argv[i + 1];
    if (a?.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

export function parseHostOptions(argv: readonly string[], env: NodeJS.ProcessEnv): HostOptions {
  const config = valueOf(argv, '--config') ?? env['SIDECALL_CONFIG'];
  const dataDir = valueOf(argv, '--data-dir') ?? env['SIDECALL_DATA_DIR'];
  const policyFile = env['SIDECALL_POLICY_FILE'];
  const portText = valueOf(argv, '--port');
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HostOptionsError(`--port must be a number from 0 to 65535, got "${portText}"`);
  }
  return {
    ...(config ? { configFile: path.resolve(config) } : {}),
    ...(dataDir ? { dataDir: path.resolve(dataDir) } : {}),
    ...(policyFile ? { policyFile: path.resolve(policyFile) } : {}),
    ...(port !== undefined ? { port } : {}),
    keychainService: env['SIDECALL_KEYCHAIN_SERVICE'] || 'Sidecall',
  };
}

export const APP_NAME = 'Sidecall';
export const APP_VERSION: string = pkg.version;

/** 'ru' when the OS locale is Russian, else 'en'. */
export function languageFromLocale(locale: string | undefined): 'en' | 'ru' {
  return locale?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}
