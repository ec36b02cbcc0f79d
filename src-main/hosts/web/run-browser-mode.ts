// Browser mode's start-up, shared by its entry point (main.ts, the OS keychain)
// and the test entry that hands in an in-memory keychain: options, the core,
// the loopback web host, a clean shutdown on SIGINT/SIGTERM, and the
// `Sidecall ready at <url>` line scripts wait for.
import path from 'node:path';
import envPaths from 'env-paths';
import { APP_NAME, HostOptionsError, languageFromLocale, parseHostOptions, type HostOptions } from '../../adapters/host-options';
import { bootstrapCore } from '../../adapters/bootstrap';
import type { SecretStore } from '../../ports';
import { startWebHost } from './web-host';

export async function runBrowserMode(secrets: (options: HostOptions) => Promise<SecretStore>, rendererDirDefault: string): Promise<void> {
  let options: HostOptions;
  try {
    options = parseHostOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof HostOptionsError)) throw error;
    process.stderr.write(`sidecall: ${error.message}\n`);
    process.exit(2);
  }
  const { core, log } = bootstrapCore({
    host: 'web',
    dataDir: options.dataDir ?? envPaths(APP_NAME, { suffix: '' }).config,
    options,
    secrets: await secrets(options),
    systemLanguage: languageFromLocale(process.env['LANG'] ?? Intl.DateTimeFormat().resolvedOptions().locale),
  });
  await core.start();
  const rendererDir = process.env['SIDECALL_RENDERER_DIR'] ?? path.resolve(rendererDirDefault);
  const host = await startWebHost({ core, rendererDir, log: log('web/host'), ...(options.port !== undefined ? { port: options.port } : {}) });
  // Handlers first: a script that signals us right after the ready line must get a clean shutdown.
  const shutdown = async (): Promise<void> => {
    await host.close();
    await core.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.stdout.write(`Sidecall ready at ${host.url}\n`);
}
