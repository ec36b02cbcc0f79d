// The seams between the core and its host. The core receives these at
// construction (see core/app.ts); hosts hand in real implementations, tests hand
// in real ones pointed at local servers or small in-memory ones.
import type { Settings, SettingsPatch, SettingsProblem } from '../src-shared/domain/settings';
import type { HistoryEntry } from '../src-shared/domain/history';

/** Time and timers, so backoff and timeouts can run on a fake clock in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
export interface TimerHandle {
  readonly id: unknown;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** One logger per module; never given secrets (see core/log/redact.ts). */
export interface Logger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}
export type LoggerFactory = (scope: string) => Logger;

/** Where a secret lives, for diagnostics: the OS keychain or Electron's safeStorage. */
export interface SecretStoreStatus {
  readonly available: boolean;
  readonly backend: string;
  /** Why it is unavailable, in words the user can act on. */
  readonly reason?: string;
}

/** Secrets (AMI secret, CRM tokens) live only here: the OS keychain. */
export interface SecretStore {
  status(): SecretStoreStatus;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export interface SettingsLoadResult {
  readonly settings: Settings;
  /** Fields that were invalid in a file and fell back to their defaults (the file is left as it was). */
  readonly problems: readonly SettingsProblem[];
  /** Field paths fixed by the IT/`--config` file: shown read-only, cannot be changed. */
  readonly lockedPaths: readonly string[];
}

/** Persistent user settings, schema-validated on load and on save. */
export interface SettingsStore {
  load(): SettingsLoadResult;
  /** Validates and persists; throws an AppError (settings.invalid / settings.writeFailed) without changing anything. */
  update(patch: SettingsPatch): SettingsLoadResult;
  readonly location: string;
}

/** Finished calls kept on this desk (History, the missed-calls badge). */
export interface HistoryStore {
  /** Oldest first. */
  all(): readonly HistoryEntry[];
  /** Adds (or replaces, by call id) and persists; never throws (a failed write is logged, the entry kept in memory). */
  append(entry: HistoryEntry): void;
}

/** The operator's system browser (RFC 8252: never an embedded web view), for OAuth sign-in pages. */
export interface ExternalBrowser {
  /** Opens `url` (https, or http on loopback); rejects when no browser could be started. */
  open(url: string): Promise<void>;
}
