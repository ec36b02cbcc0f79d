// Outbox throughput (issue 6): call logs reported per second through the
// product path: the outbox on the file journal (fsync'd, in a temp folder),
// the amoCRM connector and the CRM HTTP client over loopback HTTP, to the amoCRM
// test server with no rate limit (and none in the client). Each call is a known
// contact (the screen pop's contact id), so a delivery is one POST /api/v4/calls
// plus its journal records: enqueue, the contact and call steps, done.
// A burst of CALLS logs is enqueued at once (after WARMUP calls not counted);
// the figure is CALLS / (time from the first enqueue to the last confirmation).
// Every call must be in amoCRM exactly once, or the run fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AmoCrmSettingsSchema } from '../../src-shared/domain/crm-settings';
import type { CallLog } from '../../src-shared/domain/call-log';
import { FileOutboxJournal } from '../../src-main/adapters/outbox/file-journal';
import { systemClock } from '../../src-main/core/clock';
import { createAmoCrmConnector } from '../../src-main/core/crm/amocrm/amocrm-connector';
import { amoCrmHttpOptions } from '../../src-main/core/crm/amocrm/http-options';
import { createCrmHttp } from '../../src-main/core/crm/http/crm-http';
import { createLoggerFactory, memorySink } from '../../src-main/core/log/logger';
import { createOutbox, type Outbox } from '../../src-main/core/reporting/outbox';
import { startAmoCrmServer } from '../support/crm-servers/amocrm-server';
import { makeCallLog } from '../support/outbox-call-logs';
import { closeAll, loadAverage, withTimeout, type Cleanup } from './support/bench-util';
import { preciseNow } from './support/crm-test-server';
import { fmt, type BenchContext, type Benchmark } from './harness';

const IDS = ['outbox.throughput'] as const;
const CALLS = 2_000;
const WARMUP = 50;
const CONCURRENCY = 4;
const TOKEN = 'bench-long-lived-token';
const DEADLINE_MS = 120_000;

/** Resolves once every id is confirmed. */
function allDelivered(outbox: Outbox, ids: readonly string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = (): void => {
      const s = outbox.status();
      if (s.failed.length > 0) {
        off();
        reject(new Error(`the CRM refused calls: ${s.failed.slice(0, 3).map((f) => f.reason).join('; ')}`));
      } else if (s.waiting === 0 && ids.every((id) => outbox.isDelivered(id))) {
        off();
        resolve();
      }
    };
    const off = outbox.onChange(check);
    check();
  });
}

async function run(ctx: BenchContext): Promise<void> {
  const cleanups: Cleanup[] = [];
  const failures: string[] = [];
  try {
    const logs = memorySink();
    const log = createLoggerFactory(logs, 'warn');
    const contacts = Array.from({ length: WARMUP + CALLS }, (_, i) => ({ id: 70_000 + i, name: `Bench ${i}`, phones: [makeCallLog(i).number.e164 ?? ''] }));
    const server = await startAmoCrmServer({ rateLimit: false, longLivedToken: TOKEN, contacts });
    cleanups.push({ what: 'amoCRM test server', fn: () => server.close() });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-outbox-bench-'));
    cleanups.push({ what: 'temp dir', fn: () => fs.rmSync(dir, { recursive: true, force: true }) });
    const journal = await FileOutboxJournal.open(path.join(dir, 'outbox.journal'), log('outbox/journal'));
    cleanups.push({ what: 'journal', fn: () => journal.close() });
    const settings = AmoCrmSettingsSchema.parse({ accountUrl: server.url, auth: 'longLivedToken' });
    const http = createCrmHttp({
      ...amoCrmHttpOptions(settings, { kind: 'header', name: 'Authorization', value: `Bearer ${TOKEN}` }),
      rateLimit: undefined,
      clock: systemClock,
      log: log('crm/http'),
    });
    const crm = createAmoCrmConnector({ settings, http, users: { '101': '5001' }, clock: systemClock, log: log('crm/amocrm') });
    const outbox = createOutbox({ journal, connector: () => crm, clock: systemClock, log: log('outbox'), concurrency: CONCURRENCY });
    cleanups.push({ what: 'outbox', fn: () => outbox.dispose() });
    await outbox.start();

    const callLog = (i: number): CallLog => makeCallLog(i, { contactId: String(70_000 + i), crmUserId: '5001' });
    const warm = Array.from({ length: WARMUP }, (_, i) => callLog(i));
    await Promise.all(warm.map((l) => outbox.enqueue(l)));
    await withTimeout(allDelivered(outbox, warm.map((l) => l.id)), 30_000, 'warm-up calls confirmed');

    const burst = Array.from({ length: CALLS }, (_, i) => callLog(WARMUP + i));
    const start = preciseNow();
    const queued = await Promise.all(burst.map((l) => outbox.enqueue(l)));
    const enqueuedMs = preciseNow() - start;
    await withTimeout(allDelivered(outbox, burst.map((l) => l.id)), DEADLINE_MS, `${CALLS} calls confirmed`);
    const seconds = (preciseNow() - start) / 1000;

    if (queued.some((q) => q !== 'queued')) throw new Error('a fresh call log was taken for a duplicate');
    const perCall = new Map<string, number>();
    for (const c of server.calls) {
      const uniq = String(c.body['uniq']);
      perCall.set(uniq, (perCall.get(uniq) ?? 0) + 1);
    }
    const wrong = [...warm, ...burst].filter((l) => perCall.get(l.id) !== 1);
    if (wrong.length > 0 || perCall.size !== WARMUP + CALLS) throw new Error(`amoCRM does not hold each call exactly once (${wrong.length} wrong, ${perCall.size} distinct)`);

    const rate = CALLS / seconds;
    ctx.log(`  ${fmt(CALLS)} calls in ${fmt(seconds, 2)} s (all enqueued, fsync'd, in ${fmt(enqueuedMs, 0)} ms); ${CONCURRENCY} deliveries at once; journal ${fmt(fs.statSync(journal.path).size / 1024)} KiB`);
    ctx.log(`  load average ${loadAverage()}`);
    ctx.report('outbox.throughput', rate, 'calls/s');
    const problems = logs.records.filter((r) => r.level === 'error' || r.level === 'warn');
    if (problems.length > 0) ctx.log(`  warnings/errors (${problems.length}): ${problems.slice(0, 3).map((r) => `${r.scope}: ${r.message}`).join('; ')}`);
  } finally {
    await closeAll(cleanups, failures);
  }
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

export const benchmark: Benchmark = { ids: IDS, run };
