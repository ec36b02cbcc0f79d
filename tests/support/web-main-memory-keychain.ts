// Browser mode started as src-main/hosts/web/main.ts starts it, except that the
// keychain is an in-memory SecretStore: for end-to-end tests on a machine where
// the optional native keytar module is not built (CI builds it and uses the real
// keychain through main.ts). Test support only; never shipped.
import path from 'node:path';
import { HostOptionsError, parseHostOptions, type HostOptions } from '../../src-main/adapters/host-options';
import { bootstrapCore } from '../../src-main/adapters/bootstrap';
import { startWebHost } from '../../src-main/hosts/web/web-host';
import { MemorySecretStore } from './memory-secret-store';

async function main(): Promise<void> {
  let options: HostOptions;
  try {
    options = parseHostOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof HostOptionsError)) throw error;
    process.stderr.write(`sidecall: ${error.message}\n`);
    process.exit(2);
  }
  if (!options.dataDir) throw new Error('--data-dir is required (tests keep their data in a temp folder)');
  const { core, log } = bootstrapCore({ host: 'web', dataDir: options.dataDir, options, secrets: new MemorySecretStore(), systemLanguage: 'en' });
  await core.start();
  const rendererDir = process.env['SIDECALL_RENDERER_DIR'] ?? path.resolve(import.meta.dirname, '../../dist/renderer');
  const host = await startWebHost({ core, rendererDir, log: log('web/host'), ...(options.port !== undefined ? { port: options.port } : {}) });
  const shutdown = async (): Promise<void> => {
    await host.close();
    await core.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.stdout.write(`Sidecall ready at ${host.url}\n`);
}

void main();
