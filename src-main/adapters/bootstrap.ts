// Builds the core the same way for both hosts from the data folder, the
// options and a secret store; each host adds only what is its own (windows and
// tray, or the loopback web server).
import os from 'node:os';
import path from 'node:path';
import { createCore, type SidecallCore } from '../core/app';
import { systemClock } from '../core/clock';
import { createLoggerFactory, memorySink, streamSink, type LogSink } from '../core/log/logger';
import { createAmiConnectionSource } from '../core/ami/ami-connection-source';
import { netTransport } from '../core/ami/connection/net-transport';
import type { ExternalBrowser, LoggerFactory, SecretStore } from '../ports';
import { CRM_BACKENDS } from '../core/crm/backends';
import { fileOutbox } from './outbox/file-outbox';
import { FileSettingsStore } from './settings/file-settings-store';
import { machinePolicyProvider } from './policy/policy-provider';
import { JsonlHistoryStore } from './history/jsonl-history-store';
import { createDemoMode } from '../core/demo/demo-mode';
import { DemoContactsSchema } from '../core/demo/crm/demo-crm';
import demoContacts from '../../resources/demo/contacts.json' with { type: 'json' };
import { fileSink, teeSink } from './log/file-sink';
import { APP_NAME, APP_VERSION, type HostOptions } from './host-options';

export interface BootstrapInput {
  readonly host: 'electron' | 'web';
  readonly dataDir: string;
  readonly options: HostOptions;
  readonly secrets: SecretStore;
  readonly systemLanguage: 'en' | 'ru';
  /** Extra log sinks. */
  readonly sinks?: readonly LogSink[];
  /** Where log files go (Electron: the OS log folder); default: `logs` in the data folder. */
  readonly logDir?: string;
  /** The system browser for CRM sign-in (Electron: shell.openExternal); browser mode: the page opens a tab. */
  readonly browser?: ExternalBrowser;
  /** What the host adds to "Copy diagnostics" (Electron and Chrome versions...). */
  readonly hostInfo?: () => Readonly<Record<string, unknown>>;
}

export interface Bootstrapped {
  readonly core: SidecallCore;
  readonly log: LoggerFactory;
  readonly logDir: string;
}

/** Where settings and logs live inside the data folder. */
export function dataPaths(dataDir: string): { readonly settingsFile: string; readonly logDir: string; readonly historyFile: string; readonly outboxFile: string } {
  return {
    settingsFile: path.join(dataDir, 'settings.json'),
    logDir: path.join(dataDir, 'logs'),
    historyFile: path.join(dataDir, 'history.jsonl'),
    outboxFile: path.join(dataDir, 'outbox.journal'),
  };
}

export function bootstrapCore(input: BootstrapInput): Bootstrapped {
  const paths = dataPaths(input.dataDir);
  const logDir = input.logDir ?? paths.logDir;
  // The newest records, for "Copy diagnostics" (the files may be rotated or unreadable).
  const recent = memorySink(500);
  const log = createLoggerFactory(teeSink(fileSink(logDir), streamSink((l) => process.stderr.write(l)), recent, ...(input.sinks ?? [])));
  const settings = new FileSettingsStore({
    userFile: paths.settingsFile,
    ...(input.options.configFile ? { overrideFile: input.options.configFile } : {}),
    policy: machinePolicyProvider(process.platform, process.env, input.options.policyFile),
  });
  if (!input.secrets.status().available) log('bootstrap').warn('keychain unavailable', { reason: input.secrets.status().reason });
  const core = createCore({
    settings,
    secrets: input.secrets,
    clock: systemClock,
    log,
    info: { name: APP_NAME, version: APP_VERSION, host: input.host, platform: process.platform, systemLanguage: input.systemLanguage },
    // Unconfigured while no PBX host is set; otherwise the operator's AMI session.
    connection: () => createAmiConnectionSource({ transport: netTransport, clock: systemClock, log }),
    history: new JsonlHistoryStore(paths.historyFile, log('history')),
    // With no PBX host set, the embedded demo PBX and CRM stand in (demo mode).
    demo: createDemoMode({ contacts: DemoContactsSchema.parse(demoContacts), clock: systemClock, log: log('demo') }),
    crmBackends: CRM_BACKENDS,
    ...(input.browser ? { browser: input.browser } : {}),
    // Call reports wait on disk (fsync'd journal) until the CRM confirms them.
    outbox: fileOutbox(paths.outboxFile, systemClock, log),
    diagnostics: {
      recentLog: () => recent.records,
      host: () => ({
        os: `${os.type()} ${os.release()} (${os.arch()})`,
        node: process.versions.node,
        logDir,
        dataDir: input.dataDir,
        ...input.hostInfo?.(),
      }),
    },
  });
  return { core, log, logDir };
}
