// The in-memory OutboxJournal for the outbox's tests lives with the outbox now
// (demo mode uses it too): src-main/core/reporting/outbox/memory-journal.ts.
export { MemoryOutboxJournal } from '../../src-main/core/reporting/outbox/memory-journal';
