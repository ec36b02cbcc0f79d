// An in-memory OutboxJournal: demo mode's outbox (its reports need not outlive
// the app) and the outbox's unit tests (the file journal is tested on real files
// in tests/integration/reporting). It keeps the records as a disk would, can
// refuse writes like a full disk, and can hold appends back so a test sees what
// happens before the "fsync" returns.
import type { OutboxJournal } from './journal';
import { OutboxWriteError } from './journal';
import type { OutboxRecord } from './records';

export class MemoryOutboxJournal implements OutboxJournal {
  /** What is "on disk". */
  records: OutboxRecord[];
  /** When set, appends and compactions reject with it and change nothing. */
  failWith: Error | undefined;
  /** This many load() calls reject first (a journal locked by another process). */
  loadFailures = 0;
  appendCalls = 0;
  compactions = 0;
  private held: (() => void)[] | undefined;

  constructor(records: readonly OutboxRecord[] = []) {
    this.records = structuredClone([...records]);
  }

  /** The journal as a crash would leave it: a copy of what was on disk. */
  crashCopy(): MemoryOutboxJournal {
    return new MemoryOutboxJournal(this.records);
  }

  /** Appends wait until release() (to look at the moment before a write is durable). */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const f of waiting) f();
  }

  diskFull(): void {
    this.failWith = new OutboxWriteError('Could not save to the CRM outbox: the disk is full.', { code: 'ENOSPC' });
  }

  async load(): Promise<OutboxRecord[]> {
    if (this.loadFailures > 0) {
      this.loadFailures -= 1;
      throw new Error('Another Sidecall process (pid 4242) is using the CRM outbox.');
    }
    return structuredClone(this.records);
  }

  async append(records: readonly OutboxRecord[]): Promise<void> {
    this.appendCalls += 1;
    if (this.held) await new Promise<void>((r) => this.held?.push(r));
    await Promise.resolve();
    if (this.failWith) throw this.failWith;
    this.records.push(...structuredClone([...records]));
  }

  async compact(snapshot: readonly OutboxRecord[]): Promise<void> {
    await Promise.resolve();
    if (this.failWith) throw this.failWith;
    this.compactions += 1;
    this.records = structuredClone([...snapshot]);
  }
}
