// Browser mode started as src-main/hosts/web/main.ts starts it, except that the
// keychain is an in-memory SecretStore: for end-to-end tests on a machine where
// the optional native keytar module is not built (CI builds it and uses the real
// keychain through main.ts). Test support only; never shipped.
import path from 'node:path';
import { runBrowserMode } from '../../src-main/hosts/web/run-browser-mode';
import { MemorySecretStore } from './memory-secret-store';

void runBrowserMode((options) => {
  if (!options.dataDir) throw new Error('--data-dir is required (tests keep their data in a temp folder)');
  return Promise.resolve(new MemorySecretStore());
}, path.join(import.meta.dirname, '../../dist/renderer'));
