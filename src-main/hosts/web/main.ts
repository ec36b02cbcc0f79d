// Entry point of browser mode: `npm run start:web` (or `npm start` without the
// Electron binary). Prints `Sidecall ready at <url>` once listening.
import path from 'node:path';
import { KeytarSecretStore } from '../../adapters/secrets/keytar-secret-store';
import { runBrowserMode } from './run-browser-mode';

void runBrowserMode((options) => KeytarSecretStore.open(options.keychainService), path.join(import.meta.dirname, '../../../dist/renderer'));
