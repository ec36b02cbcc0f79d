// The process the outbox crash test kills (run as `node --import tsx <this>`):
// the real outbox on the real file journal, reporting to the amoCRM test server
// through the real amoCRM connector and CRM HTTP client. It (re-)enqueues call
// logs 0..COUNT-1 as the reporting service would after a restart, prints
// progress, and exits 0 once every one is confirmed.
// Env: OUTBOX_JOURNAL, CRM_URL, CRM_TOKEN, COUNT.
import { AmoCrmSettingsSchema } from '../../../src-shared/domain/crm-settings';
import { FileOutboxJournal } from '../../../src-main/adapters/outbox/file-journal';
import { systemClock } from '../../../src-main/core/clock';
import { createAmoCrmConnector } from '../../../src-main/core/crm/amocrm/amocrm-connector';
import { amoCrmHttpOptions } from '../../../src-main/core/crm/amocrm/http-options';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import { createLoggerFactory, streamSink } from '../../../src-main/core/log/logger';
import { createOutbox } from '../../../src-main/core/reporting/outbox';
import { makeCallLog } from '../../support/outbox-call-logs';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const count = Number(env('COUNT'));
const logs = createLoggerFactory(
  streamSink((line) => process.stderr.write(line)),
  'error',
);

const journal = await FileOutboxJournal.open(env('OUTBOX_JOURNAL'), logs('outbox/journal'));
const settings = AmoCrmSettingsSchema.parse({ accountUrl: env('CRM_URL'), auth: 'longLivedToken' });
// No client-side rate limit: the test server has none either, and 500 calls at amoCRM's 7/s would take minutes.
const http = createCrmHttp({
  ...amoCrmHttpOptions(settings, { kind: 'header', name: 'Authorization', value: `Bearer ${env('CRM_TOKEN')}` }),
  rateLimit: undefined,
  timeoutMs: 5_000,
  clock: systemClock,
  log: logs('crm/http'),
});
const crm = createAmoCrmConnector({ settings, http, users: {}, clock: systemClock, log: logs('crm/amocrm') });
const outbox = createOutbox({ journal, connector: () => crm, clock: systemClock, log: logs('outbox'), concurrency: 4 });
await outbox.start();
process.stdout.write(`READY ${journal.openReport.records} ${journal.openReport.truncatedBytes}\n`);

const ids = Array.from({ length: count }, (_, i) => makeCallLog(i, { rules: { createUnknown: true, missedCallTask: false } }));
let finished = false;
const finish = async (): Promise<void> => {
  if (finished) return;
  finished = true;
  process.stdout.write('ALL DELIVERED\n');
  await outbox.dispose();
  await journal.close();
  process.exit(0);
};
let enqueued = false;
const check = (): void => {
  if (enqueued && outbox.status().waiting === 0 && ids.every((l) => outbox.isDelivered(l.id))) void finish();
};
outbox.onChange(check);

let queued = 0;
for (let i = 0; i < count; i += 10) {
  const results = await Promise.all(ids.slice(i, i + 10).map((l) => outbox.enqueue(l)));
  queued += results.filter((r) => r === 'queued').length;
  process.stdout.write(`ENQUEUED ${Math.min(count, i + 10)} ${queued}\n`);
}
enqueued = true;
const failed = outbox.status().failed;
if (failed.length > 0) {
  process.stderr.write(`FAILED ${JSON.stringify(failed.slice(0, 3))}\n`);
  process.exit(3);
}
check();
// Keep the process alive while deliveries wait for their backoff (the system clock's timers are unref'd).
const keepAlive = setInterval(check, 200);
outbox.onChange((s) => {
  if (s.failed.length > 0) {
    clearInterval(keepAlive);
    process.stderr.write(`FAILED ${JSON.stringify(s.failed.slice(0, 3))}\n`);
    process.exit(3);
  }
});
