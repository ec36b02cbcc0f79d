// Which keychain browser mode gets in an end-to-end test: the real one
// (gnome-keyring in a private D-Bus session, through keytar) where the optional
// keytar module is built, as in CI; otherwise the in-memory keychain entry
// (./web-main-memory-keychain.ts), so the test still runs and says which.
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO, type WebAppOptions } from './web-app';

export function keytarBuilt(): boolean {
  try {
    createRequire(import.meta.url)('keytar');
    return true;
  } catch {
    return false;
  }
}

/** startWebApp options for this machine's keychain, and a line saying which it is. */
export function webAppKeychain(): { readonly options: Pick<WebAppOptions, 'keyring' | 'entry'>; readonly description: string } {
  return keytarBuilt()
    ? { options: { keyring: true }, description: 'real (gnome-keyring over D-Bus, keytar)' }
    : { options: { entry: path.join(REPO, 'tests/support/web-main-memory-keychain.ts') }, description: 'in-memory (keytar is not built on this machine)' };
}
