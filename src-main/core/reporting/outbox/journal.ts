// The outbox's storage port: an append-only journal of OutboxRecords. The file
// implementation is src-main/adapters/outbox/file-journal.ts; tests may hand in
// an in-memory one.
import type { OutboxRecord } from './records';

export interface OutboxJournal {
  /** Every readable record, oldest first (unreadable ones are skipped and logged by the journal). */
  load(): Promise<OutboxRecord[]>;
  /**
   * Appends the records durably (fsync'd before it resolves). Rejects (with
   * OutboxWriteError where the cause is known) and keeps the journal as it was
   * when they could not be written: none of them counts.
   */
  append(records: readonly OutboxRecord[]): Promise<void>;
  /** Replaces the whole journal with `snapshot` atomically; on failure the old journal stays. */
  compact(snapshot: readonly OutboxRecord[]): Promise<void>;
}

/** Why a journal write failed, in words the operator can act on. */
export class OutboxWriteError extends Error {
  /** The OS error code (ENOSPC, EACCES, ...) when there was one. */
  readonly code: string | undefined;
  constructor(message: string, options: { readonly code?: string; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutboxWriteError';
    this.code = options.code;
  }
}
