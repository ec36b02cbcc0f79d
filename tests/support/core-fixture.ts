// Builds a real core (file settings in a temp folder, the real AMI connection
// source unless a test hands in another) for integration tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type CoreDeps, type SidecallCore } from '../../src-main/core/app';
import type { CrmConnector } from '../../src-main/core/crm/connector';
import type { OutboxPort } from '../../src-main/core/reporting/reporting-service';
import { createLoggerFactory, memorySink } from '../../src-main/core/log/logger';
import { createAmiConnectionSource } from '../../src-main/core/ami/ami-connection-source';
import { netTransport } from '../../src-main/core/ami/connection/net-transport';
import type { ConnectionSourceFactory } from '../../src-main/core/connection/connection-source';
import { FileSettingsStore } from '../../src-main/adapters/settings/file-settings-store';
import { systemClock } from '../../src-main/core/clock';
import type { LoggerFactory, SecretStore } from '../../src-main/ports';
import type { PolicyProvider } from '../../src-main/core/policy/policy';
import { MemorySecretStore } from './memory-secret-store';
import { JsonlHistoryStore } from '../../src-main/adapters/history/jsonl-history-store';
import { createDemoMode } from '../../src-main/core/demo/demo-mode';
import { DemoContactsSchema } from '../../src-main/core/demo/crm/demo-crm';
import demoContacts from '../../resources/demo/contacts.json' with { type: 'json' };

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

export interface CoreFixtureOptions {
  readonly overrideFile?: string;
  /** Machine policy (adapters/policy createPolicyProvider over temp files). */
  readonly policy?: PolicyProvider;
  readonly secrets?: SecretStore;
  /** The PBX connection; default: the real AMI source over node:net (unconfigured until a PBX host is set). */
  readonly connection?: (log: LoggerFactory) => ConnectionSourceFactory;
  /** Run the embedded demo PBX and CRM while no PBX host is set (as both hosts do). */
  readonly demo?: boolean;
  /** Use this folder instead of a new one (a restart of the same install: settings and history stay); cleanup still removes it. */
  readonly dir?: string;
  /** The CRMs offered in Settings -> CRM (src-main/core/crm/backends). */
  readonly crmBackends?: CoreDeps['crmBackends'];
  /** The system browser for CRM sign-in. */
  readonly browser?: CoreDeps['browser'];
  /** The call-report outbox (e.g. createOutbox over a FileOutboxJournal), given the core's connector and the fixture's logger. */
  readonly outbox?: (connector: () => CrmConnector | undefined, log: LoggerFactory) => OutboxPort;
}

export async function createCoreFixture(opts: CoreFixtureOptions = {}): Promise<CoreFixture> {
  const dir = opts.dir ?? tempDir();
  const settingsFile = path.join(dir, 'settings.json');
  const logs = memorySink();
  const secrets = opts.secrets ?? new MemorySecretStore();
  const log = createLoggerFactory(logs, 'debug');
  const outbox = opts.outbox;
  const core = createCore({
    settings: new FileSettingsStore({ userFile: settingsFile, ...(opts.overrideFile ? { overrideFile: opts.overrideFile } : {}), ...(opts.policy ? { policy: opts.policy } : {}) }),
    secrets,
    clock: systemClock,
    log,
    info: { name: 'Sidecall', version: '0.0.0-test', host: 'web', platform: process.platform, systemLanguage: 'en' },
    connection: opts.connection?.(log) ?? (() => createAmiConnectionSource({ transport: netTransport, clock: systemClock, log })),
    history: new JsonlHistoryStore(path.join(dir, 'history.jsonl'), log('history')),
    ...(opts.crmBackends ? { crmBackends: opts.crmBackends } : {}),
    ...(opts.browser ? { browser: opts.browser } : {}),
    ...(outbox ? { outbox: (connector: () => CrmConnector | undefined) => outbox(connector, log) } : {}),
    ...(opts.demo ? { demo: createDemoMode({ contacts: DemoContactsSchema.parse(demoContacts), clock: systemClock, log: log('demo'), crmLatencyMs: 0 }) } : {}),
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
