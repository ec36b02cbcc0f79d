// Which SecretStore the Electron host uses: the OS keychain through keytar
// first (shared with browser mode, so a secret saved in one is seen by the
// other), Electron's safeStorage when keytar cannot work, and otherwise an
// unavailable store that names both reasons so the operator knows what to fix.
import type { Logger, SecretStore } from '../../ports';
import { UnavailableSecretStore } from '../../adapters/secrets/keytar-secret-store';

export interface SecretStoreChoices {
  readonly keychain: () => Promise<SecretStore>;
  readonly safeStorage: () => SecretStore;
  readonly log: Logger;
}

/** Opens the first store that works, in the order above. */
export async function chooseSecretStore(choices: SecretStoreChoices): Promise<SecretStore> {
  const keychain = await choices.keychain();
  if (keychain.status().available) return keychain;
  const fallback = choices.safeStorage();
  if (fallback.status().available) {
    choices.log.info('OS keychain unavailable; secrets use Electron safeStorage', { keychain: keychain.status().reason, backend: fallback.status().backend });
    return fallback;
  }
  const reason = `${keychain.status().reason ?? 'The OS keychain is unavailable.'} ${fallback.status().reason ?? 'Electron safeStorage is unavailable.'}`;
  return new UnavailableSecretStore(`${keychain.status().backend}+${fallback.status().backend}`, reason);
}
