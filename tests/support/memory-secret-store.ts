// An in-memory SecretStore for tests where the keychain is not the subject
// (the keychain itself is tested in tests/integration/secrets).
import type { SecretStore, SecretStoreStatus } from '../../src-main/ports';

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  status(): SecretStoreStatus {
    return { available: true, backend: 'memory' };
  }
  async get(account: string): Promise<string | null> {
    return this.values.get(account) ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.values.set(account, secret);
  }
  async delete(account: string): Promise<boolean> {
    return this.values.delete(account);
  }
}
