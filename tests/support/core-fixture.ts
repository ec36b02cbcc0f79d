// Builds a real core (file settings in a temp folder) for integration tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type SidecallCore } from '../../src-main/core/app';
import { createLoggerFactory, memorySink } from '../../src-main/core/log/logger';
import { createUnconfiguredSource } from '../../src-main/core/connection/unconfigured-source';
import { FileSettingsStore } from '../../src-main/adapters/settings/file-settings-store';
import { systemClock } from '../../src-main/core/clock';
import type { SecretStore } from '../../src-main/ports';
import { MemorySecretStore } from './memory-secret-store';

export interface CoreFixture {
  readonly core: SidecallCore;
  readonly dir: string;
  readonly settingsFile: string;
  readonly secrets: SecretStore;
  readonly logs: ReturnType<typeof memorySink>;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'sidecall-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function createCoreFixture(opts: { overrideFile?: string; secrets?: SecretStore } = {}): Promise<CoreFixture> {
  const dir = tempDir();
  const settingsFile = path.join(dir, 'settings.json');
  const logs = memorySink();
  const secrets = opts.secrets ?? new MemorySecretStore();
  const core = createCore({
    settings: new FileSettingsStore({ userFile: settingsFile, ...(opts.overrideFile ? { overrideFile: opts.overrideFile } : {}) }),
    secrets,
    clock: systemClock,
    log: createLoggerFactory(logs, 'debug'),
    info: { name: 'Sidecall', version: '0.0.0-test', host: 'web', platform: process.platform, systemLanguage: 'en' },
    connection: createUnconfiguredSource,
  });
  await core.start();
  return {
    core,
    dir,
    settingsFile,
    secrets,
    logs,
    async cleanup() {
      await core.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
