// 500 call logs through a real child process (outbox-crash-child.ts: the outbox
// on the file journal, the amoCRM connector, real HTTP) that is SIGKILLed at
// random points and restarted, while the amoCRM test server is first down
// (connection refused), then up, then answering 503 for a while, then up. Every
// call must end up in amoCRM exactly once: one unsorted lead per call id, and
// no more repeated sends than the kills can explain (amoCRM refuses a second
// lead with the same source_uid, so a repeat would be hidden in its data; the
// server counts them).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileOutboxJournal } from '../../../src-main/adapters/outbox/file-journal';
import { systemClock } from '../../../src-main/core/clock';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createOutbox } from '../../../src-main/core/reporting/outbox';
import { seededRandom } from '../../../src-main/core/seeded-random';
import { startTestChild, type TestChild } from '../../support/child-process';
import { tempDir } from '../../support/core-fixture';
import { startAmoCrmServer, type AmoCrmServer } from '../../support/crm-servers/amocrm-server';
import { makeCallLog } from '../../support/outbox-call-logs';

const COUNT = 500;
const TOKEN = 'crash-test-long-lived-token';
const CHILD = path.join(import.meta.dirname, 'outbox-crash-child.ts');
const CONCURRENCY = 4;
/** Printed, so a failing run can be replayed with OUTBOX_CRASH_SEED. */
const SEED = Number(process.env['OUTBOX_CRASH_SEED'] ?? Date.now() % 1_000_000);

function startChild(journal: string, crmUrl: string): TestChild {
  return startTestChild(CHILD, { OUTBOX_JOURNAL: journal, CRM_URL: crmUrl, CRM_TOKEN: TOKEN, COUNT: String(COUNT) });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Unsorted leads amoCRM holds per call id. */
function leadsPerCall(server: AmoCrmServer): Map<string, number> {
  const per = new Map<string, number>();
  for (const u of server.unsorted) {
    const uid = String(u.body['source_uid']);
    per.set(uid, (per.get(uid) ?? 0) + 1);
  }
  return per;
}

let server: AmoCrmServer | undefined;
let running: TestChild | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await running?.kill9();
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('outbox under kill -9', () => {
  it(`delivers ${COUNT} call logs exactly once while the CRM goes down and the process is killed at random points`, { timeout: 150_000 }, async () => {
    const rnd = seededRandom(SEED);
    console.log(`outbox crash test seed ${SEED} (OUTBOX_CRASH_SEED=${SEED} replays the kill points)`);
    server = await startAmoCrmServer({ rateLimit: false, longLivedToken: TOKEN, contacts: [] });
    const crm = server;
    const dir = tempDir('sidecall-outbox-crash-');
    dirs.push(dir);
    const journal = path.join(dir, 'outbox.journal');

    // What each run does before it is killed: by time (startup, enqueueing, backoff waits) or after some deliveries.
    type Plan = { readonly crm: 'refuse' | 'up' | 'unavailable'; readonly kill: 'time' | 'afterEnqueue' | 'progress' };
    const plans: Plan[] = [
      { crm: 'refuse', kill: 'time' },
      { crm: 'refuse', kill: 'afterEnqueue' },
      { crm: 'up', kill: 'progress' },
      { crm: 'up', kill: 'progress' },
      { crm: 'unavailable', kill: 'time' },
      { crm: 'up', kill: 'time' },
      { crm: 'up', kill: 'progress' },
      { crm: 'up', kill: 'progress' },
      { crm: 'up', kill: 'time' },
      { crm: 'up', kill: 'progress' },
    ];
    const kills: { plan: Plan; leadsAtKill: number; log: string }[] = [];
    let tornOpens = 0;

    for (const plan of plans) {
      if (plan.crm === 'up') await crm.up();
      else await crm.down(plan.crm);
      const child = startChild(journal, crm.url);
      running = child;
      const ready = await child.line(/^READY /);
      if (Number(ready.split(' ')[2]) > 0) tornOpens += 1;
      const leadsBefore = crm.unsorted.length;
      if (leadsBefore >= COUNT) break;
      let trigger: Promise<unknown>;
      if (plan.kill === 'time') trigger = sleep(50 + rnd() * 900);
      else if (plan.kill === 'afterEnqueue') trigger = child.line(/^ENQUEUED 500 /).then(() => sleep(rnd() * 1_500));
      else {
        // A random number of new leads, polled often enough to land between the steps of a delivery.
        const target = Math.min(COUNT - 1, leadsBefore + 1 + Math.floor(rnd() * 70));
        trigger = (async () => {
          while (crm.unsorted.length < target && child.process.exitCode === null) await sleep(1 + rnd() * 4);
        })();
      }
      const outcome = await Promise.race([trigger.then(() => 'kill' as const), child.exited.then(() => 'exited' as const)]);
      if (outcome === 'exited') {
        expect(await child.exited, child.output().slice(-2000)).toBe(0);
        break;
      }
      child.process.kill('SIGKILL');
      expect(await child.exited).toBe('SIGKILL');
      kills.push({ plan, leadsAtKill: crm.unsorted.length, log: child.output().split('\n').filter(Boolean).slice(-1)[0] ?? '' });
    }

    // The last run: the CRM is up and stays up; it must finish on its own.
    await crm.up();
    if (crm.unsorted.length < COUNT || running?.process.exitCode !== 0) {
      const last = startChild(journal, crm.url);
      running = last;
      const code = await Promise.race([last.exited, sleep(60_000).then(() => 'still running after 60 s')]);
      expect(code, last.output().slice(-3000)).toBe(0);
    }

    console.log(
      `kills: ${kills.length} (${kills.map((k) => `${k.plan.kill}@${k.leadsAtKill}`).join(', ')}); journal opens that cut a torn tail: ${tornOpens}; repeated lead posts refused by amoCRM: ${crm.counters.unsortedDuplicates}`,
    );
    expect(kills.length).toBeGreaterThanOrEqual(6);
    // Some kills landed in the middle of delivering.
    expect(kills.filter((k) => k.leadsAtKill > 0 && k.leadsAtKill < COUNT).length).toBeGreaterThanOrEqual(3);

    // amoCRM holds exactly one lead per call, and no other.
    const per = leadsPerCall(crm);
    const expected = Array.from({ length: COUNT }, (_, i) => makeCallLog(i).id);
    expect([...per.keys()].sort()).toEqual([...expected].sort());
    expect([...per.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // A call is sent again only when a kill caught it in flight (at most CONCURRENCY per kill).
    expect(crm.counters.unsortedDuplicates).toBeLessThanOrEqual(kills.length * CONCURRENCY);

    // The journal agrees: everything delivered, nothing waiting or failed.
    const j = await FileOutboxJournal.open(journal, createLoggerFactory(memorySink())('outbox/journal'));
    const outbox = createOutbox({ journal: j, connector: () => undefined, clock: systemClock, log: createLoggerFactory(memorySink())('outbox') });
    try {
      await outbox.start();
      expect(outbox.status()).toMatchObject({ waiting: 0, failed: [] });
      expect(expected.filter((id) => !outbox.isDelivered(id))).toEqual([]);
    } finally {
      await outbox.dispose();
      await j.close();
    }
  });
});
