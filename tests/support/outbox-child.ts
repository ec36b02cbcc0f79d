// The body of the child processes the outbox crash tests SIGKILL and restart
// (run as `node --import tsx <child>`): the real outbox on the real file journal
// at OUTBOX_JOURNAL, delivering through the connector the child opens. It
// (re-)enqueues call logs 0..COUNT-1 as the reporting service would after a
// restart, prints READY / ENQUEUED progress lines, and exits 0 after printing
// ALL DELIVERED once every one is confirmed (3 when one fails for good).
import { FileOutboxJournal } from '../../src-main/adapters/outbox/file-journal';
import { systemClock } from '../../src-main/core/clock';
import type { CrmConnector } from '../../src-main/core/crm/connector';
import { createLoggerFactory, streamSink } from '../../src-main/core/log/logger';
import { createOutbox } from '../../src-main/core/reporting/outbox';
import type { LoggerFactory } from '../../src-main/ports';
import { makeCallLog } from './outbox-call-logs';

/** A required environment variable of the child. */
export function childEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

export async function runOutboxChild(openConnector: (logs: LoggerFactory) => CrmConnector | Promise<CrmConnector>): Promise<void> {
  const count = Number(childEnv('COUNT'));
  const logs = createLoggerFactory(
    streamSink((line) => process.stderr.write(line)),
    'error',
  );

  const journal = await FileOutboxJournal.open(childEnv('OUTBOX_JOURNAL'), logs('outbox/journal'));
  const connector = await openConnector(logs);
  const outbox = createOutbox({ journal, connector: () => connector, clock: systemClock, log: logs('outbox'), concurrency: 4 });
  await outbox.start();
  process.stdout.write(`READY ${journal.openReport.records} ${journal.openReport.truncatedBytes}\n`);

  // Unknown callers, created in the CRM where it does that (Odoo: a partner, found again by its number after a crash).
  const calls = Array.from({ length: count }, (_, i) => makeCallLog(i, { rules: { createUnknown: true, missedCallTask: false } }));
  let finished = false;
  let enqueued = false;
  const check = (): void => {
    if (finished || !enqueued || outbox.status().waiting > 0 || !calls.every((l) => outbox.isDelivered(l.id))) return;
    finished = true;
    process.stdout.write('ALL DELIVERED\n');
    void outbox
      .dispose()
      .then(() => journal.close())
      .then(() => process.exit(0));
  };
  const failedNow = (): void => {
    const failed = outbox.status().failed;
    if (failed.length === 0) return;
    process.stderr.write(`FAILED ${JSON.stringify(failed.slice(0, 3))}\n`);
    process.exit(3);
  };
  outbox.onChange(() => {
    failedNow();
    check();
  });

  let queued = 0;
  for (let i = 0; i < count; i += 10) {
    const results = await Promise.all(calls.slice(i, i + 10).map((l) => outbox.enqueue(l)));
    queued += results.filter((r) => r === 'queued').length;
    process.stdout.write(`ENQUEUED ${Math.min(count, i + 10)} ${queued}\n`);
  }
  enqueued = true;
  failedNow();
  check();
  // Keep the process alive while deliveries wait for their backoff (the system clock's timers are unref'd).
  setInterval(check, 200);
}
