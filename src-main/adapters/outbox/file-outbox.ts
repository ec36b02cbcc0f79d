// The outbox as both hosts build it: createOutbox over the lazily opened file
// journal, the journal closed when the outbox is disposed with the core.
import type { Clock, LoggerFactory } from '../../ports';
import type { CrmConnector } from '../../core/crm/connector';
import { createOutbox } from '../../core/reporting/outbox';
import type { OutboxPort } from '../../core/reporting/reporting-service';
import { lazyFileJournal } from './lazy-file-journal';

export function fileOutbox(file: string, clock: Clock, log: LoggerFactory): (connector: () => CrmConnector | undefined) => OutboxPort {
  return (connector) => {
    const journal = lazyFileJournal(file, log('outbox'));
    const outbox = createOutbox({ journal, connector, clock, log: log('outbox') });
    return {
      ...outbox,
      async dispose() {
        await outbox.dispose();
        await journal.close();
      },
    };
  };
}
