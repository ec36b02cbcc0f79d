// The durable outbox of call reporting (see README.md): createOutbox, its status
// types, the journal port and its records.
export { createOutbox } from './outbox';
export type { Outbox, OutboxDeps, OutboxFailure, OutboxPause, OutboxStatus } from './outbox';
export { OutboxWriteError } from './journal';
export { MemoryOutboxJournal } from './memory-journal';
export type { OutboxJournal } from './journal';
export { OutboxRecordSchema } from './records';
export type { OutboxRecord } from './records';
export { OutboxState, backoffDelay, DELIVERED_KEEP_MS, BACKOFF_BASE_MS, BACKOFF_CAP_MS } from './outbox-state';
export type { OutboxEntry, OutboxEntryState, OutboxIdStatus } from './outbox-state';
