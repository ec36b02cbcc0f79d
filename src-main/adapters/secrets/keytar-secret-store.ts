// SecretStore on the OS keychain through keytar (Keychain on macOS, Credential
// Vault on Windows, Secret Service — gnome-keyring/KWallet — on Linux).
// keytar is an optional native dependency: when it is missing or the keychain
// cannot be reached, the store says so plainly instead of failing later.
import { createRequire } from 'node:module';
import { AppError } from '../../../src-shared/errors';
import type { SecretStore, SecretStoreStatus } from '../../ports';

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

function loadKeytar(): { keytar?: Keytar; reason?: string } {
  try {
    const require = createRequire(import.meta.url);
    return { keytar: require('keytar') as Keytar };
  } catch (error) {
    return {
      reason: `The OS keychain is unavailable: the optional keytar module is not installed or did not build (${firstLine(error)}). On Linux install libsecret-1-dev and run npm install again.`,
    };
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Explains a keychain failure in terms of what to install or start. */
export function explainKeychainError(error: unknown): string {
  const msg = firstLine(error);
  if (/D-Bus|dbus|org\.freedesktop\.secrets|ServiceUnknown|No such interface|Could not connect/i.test(msg)) {
    return `The OS keychain is unavailable: no Secret Service (gnome-keyring or KWallet) answers on the session D-Bus (${msg}).`;
  }
  if (/locked|dismissed|cancel/i.test(msg)) return `The OS keychain is locked or the unlock was cancelled (${msg}).`;
  return `The OS keychain refused the request (${msg}).`;
}

export class UnavailableSecretStore implements SecretStore {
  private readonly reason: string;
  private readonly backend: string;
  constructor(backend: string, reason: string) {
    this.backend = backend;
    this.reason = reason;
  }
  status(): SecretStoreStatus {
    return { available: false, backend: this.backend, reason: this.reason };
  }
  async get(): Promise<string | null> {
    return null;
  }
  async set(): Promise<void> {
    throw new AppError('secrets.unavailable', this.reason);
  }
  async delete(): Promise<boolean> {
    return false;
  }
}

export class KeytarSecretStore implements SecretStore {
  private readonly keytar: Keytar;
  private readonly service: string;

  private constructor(keytar: Keytar, service: string) {
    this.keytar = keytar;
    this.service = service;
  }

  /**
   * Loads keytar and checks that the keychain answers. Resolves to an
   * UnavailableSecretStore (with the reason) when it does not.
   */
  static async open(service: string, load: () => { keytar?: Keytar; reason?: string } = loadKeytar): Promise<SecretStore> {
    const { keytar, reason } = load();
    if (!keytar) return new UnavailableSecretStore('keytar', reason ?? 'The OS keychain is unavailable.');
    try {
      await keytar.findCredentials(service);
    } catch (error) {
      const why = explainKeychainError(error);
      return new UnavailableSecretStore('keytar', why.startsWith('The OS keychain is unavailable') ? why : `The OS keychain is unavailable. ${why}`);
    }
    return new KeytarSecretStore(keytar, service);
  }

  status(): SecretStoreStatus {
    return { available: true, backend: 'keytar' };
  }

  async get(account: string): Promise<string | null> {
    return this.call(() => this.keytar.getPassword(this.service, account));
  }

  async set(account: string, secret: string): Promise<void> {
    await this.call(() => this.keytar.setPassword(this.service, account, secret));
  }

  async delete(account: string): Promise<boolean> {
    return this.call(() => this.keytar.deletePassword(this.service, account));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new AppError('secrets.failed', explainKeychainError(error), { cause: error });
    }
  }
}
