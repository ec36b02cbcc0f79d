// The outbox journal file as the core's outbox needs it: opened (locked, read,
// torn tail cut) on first use, so building the core stays synchronous, and
// closed with the app.
import type { Logger } from '../../ports';
import type { OutboxJournal } from '../../core/reporting/outbox/journal';
import { FileOutboxJournal } from './file-journal';

export interface ClosableJournal extends OutboxJournal {
  close(): Promise<void>;
}

export function lazyFileJournal(file: string, log: Logger): ClosableJournal {
  let opened: Promise<FileOutboxJournal> | undefined;
  const get = (): Promise<FileOutboxJournal> => {
    // A failed open (another Sidecall holds the lock, unreadable folder) is tried again next time.
    opened ??= FileOutboxJournal.open(file, log).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  return {
    load: async () => (await get()).load(),
    append: async (records) => (await get()).append(records),
    compact: async (snapshot) => (await get()).compact(snapshot),
    async close() {
      const j = opened;
      opened = undefined;
      if (j) await (await j.catch(() => undefined))?.close();
    },
  };
}
