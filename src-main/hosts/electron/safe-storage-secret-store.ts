// SecretStore on Electron's safeStorage, for desktops where keytar cannot
// reach the OS keychain. safeStorage encrypts with a key the OS keeps (Keychain
// on macOS, DPAPI on Windows, the Secret Service or KWallet on Linux); the
// ciphertexts live in one JSON file in userData, written 0600 and atomically.
// On Linux without a keyring safeStorage falls back to `basic_text`, a key
// hard-coded in Chromium: that is no protection, so this store refuses it.
// Electron is handed in (SafeStorageLike), so tests run in plain Node.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../src-shared/errors';
import type { Logger, SecretStore, SecretStoreStatus } from '../../ports';
import { UnavailableSecretStore } from '../../adapters/secrets/keytar-secret-store';

/** The part of Electron's `safeStorage` this store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only in Electron; not called elsewhere. */
  getSelectedStorageBackend(): string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface SafeStorageStoreOptions {
  /** The JSON file holding the encrypted values (userData/secrets.json). */
  readonly file: string;
  readonly safeStorage: SafeStorageLike;
  readonly platform: NodeJS.Platform;
  readonly log: Logger;
}

const BACKEND = 'safeStorage';

interface SecretsFile {
  readonly version: 1;
  /** account -> base64 of safeStorage.encryptString(secret) */
  readonly entries: Record<string, string>;
}

/** Why safeStorage cannot protect secrets here, or undefined when it can. Must be asked after app `ready`. */
export function safeStorageRefusal(safeStorage: SafeStorageLike, platform: NodeJS.Platform): string | undefined {
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text') {
      return 'Electron safeStorage has no keyring on this Linux desktop (backend basic_text: a fixed key, no protection). Install and unlock gnome-keyring or KWallet, then restart Sidecall.';
    }
    if (backend === 'unknown') return 'Electron safeStorage did not pick a keyring (backend unknown). Restart Sidecall; if it persists, install gnome-keyring or KWallet.';
  }
  if (!safeStorage.isEncryptionAvailable()) {
    return 'Electron safeStorage cannot encrypt on this system (the OS did not provide a key). Sign in to the desktop session normally (not as a service) and restart Sidecall.';
  }
  return undefined;
}

export class SafeStorageSecretStore implements SecretStore {
  private readonly file: string;
  private readonly safeStorage: SafeStorageLike;
  private readonly backendName: string;
  private readonly log: Logger;

  private constructor(opts: SafeStorageStoreOptions) {
    this.file = opts.file;
    this.safeStorage = opts.safeStorage;
    this.log = opts.log;
    this.backendName = opts.platform === 'linux' ? `${BACKEND} (${opts.safeStorage.getSelectedStorageBackend()})` : BACKEND;
  }

  /** A working store, or an UnavailableSecretStore saying why (see safeStorageRefusal). */
  static open(opts: SafeStorageStoreOptions): SecretStore {
    const refusal = safeStorageRefusal(opts.safeStorage, opts.platform);
    if (refusal) return new UnavailableSecretStore(BACKEND, refusal);
    return new SafeStorageSecretStore(opts);
  }

  status(): SecretStoreStatus {
    return { available: true, backend: this.backendName };
  }

  async get(account: string): Promise<string | null> {
    const stored = this.read().entries[account];
    if (stored === undefined) return null;
    try {
      return this.safeStorage.decryptString(Buffer.from(stored, 'base64'));
    } catch (error) {
      // The OS key changed (new user profile, reinstalled keyring): the value is
      // lost for good. Reporting "not set" lets the operator enter it again in
      // Settings; throwing would break every screen that asks whether it is set.
      this.log.warn('stored secret cannot be decrypted; treating it as not set', { account, file: this.file, error });
      return null;
    }
  }

  async set(account: string, secret: string): Promise<void> {
    let encrypted: Buffer;
    try {
      encrypted = this.safeStorage.encryptString(secret);
    } catch (error) {
      throw new AppError('secrets.failed', `Electron safeStorage refused to encrypt the secret (${firstLine(error)}). Restart Sidecall and try again.`, { cause: error });
    }
    const current = this.read();
    this.write({ version: 1, entries: { ...current.entries, [account]: encrypted.toString('base64') } });
  }

  async delete(account: string): Promise<boolean> {
    const current = this.read();
    if (!Object.hasOwn(current.entries, account)) return false;
    const entries = Object.fromEntries(Object.entries(current.entries).filter(([name]) => name !== account));
    this.write({ version: 1, entries });
    return true;
  }

  /** Reads the file; a missing file is empty, an unreadable one is set aside (kept, never deleted) and treated as empty. */
  private read(): SecretsFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw new AppError('secrets.failed', `Sidecall cannot read ${this.file} (${firstLine(error)}). Check that your user can read it.`, { cause: error });
    }
    const parsed = parseSecretsFile(text);
    if (parsed) return parsed;
    const aside = `${this.file}.corrupt-${Date.now()}`;
    try {
      fs.renameSync(this.file, aside);
      this.log.warn('secrets file is damaged; kept aside and starting empty', { file: this.file, keptAs: aside });
    } catch (error) {
      this.log.error('secrets file is damaged and could not be set aside', { file: this.file, error });
    }
    return { version: 1, entries: {} };
  }

  /** Temp file (0600) + fsync + rename: the old file stays whole until the new one is complete. */
  private write(doc: SecretsFile): void {
    const data = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
    const tmp = `${this.file}.tmp-${process.pid}`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        let offset = 0;
        while (offset < data.length) {
          const n = fs.writeSync(fd, data, offset);
          if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
          offset += n;
        }
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (fs.statSync(tmp).size !== data.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      fs.renameSync(tmp, this.file);
      // The file may predate this store with looser permissions; rename keeps tmp's 0600.
    } catch (error) {
      fs.rmSync(tmp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : firstLine(error);
      throw new AppError('secrets.failed', `Could not save the secret to ${this.file}: ${why}. The previously stored secrets are unchanged.`, { cause: error });
    }
  }
}

function parseSecretsFile(text: string): SecretsFile | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== 1) return undefined;
  const entries = (doc as { entries?: unknown }).entries;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entries)) if (typeof v === 'string') out[k] = v;
  return { version: 1, entries: out };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
