// The outbox over an in-memory journal, with a stand-in connector (the
// connector is the outbox's port) and the fake clock: what is sent when, and
// what is on "disk" at each point. Real files and a real crash are in
// tests/integration/reporting.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallLog } from '../../../src-shared/domain/call-log';
import type { CrmCapability, CrmConnector, DeliveryContext } from '../../../src-main/core/crm/connector';
import { CrmError } from '../../../src-main/core/crm/errors';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createOutbox, type Outbox, type OutboxStatus } from '../../../src-main/core/reporting/outbox';
import type { OutboxPort } from '../../../src-main/core/reporting/reporting-service';
import { FakeClock } from '../../support/fake-clock';
import { MemoryOutboxJournal } from '../../support/memory-outbox-journal';
import { makeCallLog } from '../../support/outbox-call-logs';

/** Lets promise chains (journal writes, deliveries) run to their next wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise<void>((r) => setImmediate(r));
}

interface Received {
  readonly id: string;
  readonly at: number;
  readonly steps: Readonly<Record<string, unknown>>;
}

type Script = (log: CallLog, ctx: DeliveryContext, nth: number) => Promise<void>;

/** A connector whose logCall runs `script` and records every call it got. */
class StandInCrm implements CrmConnector {
  readonly id = 'stand-in';
  readonly displayName = 'Stand-in CRM';
  readonly capabilities = new Set<CrmCapability>(['logCall']);
  readonly received: Received[] = [];
  script: Script = async () => undefined;
  constructor(private readonly clock: FakeClock) {}
  async findContact(): Promise<null> {
    return null;
  }
  logCall = (log: CallLog, ctx: DeliveryContext): Promise<void> => {
    this.received.push({ id: log.id, at: this.clock.now(), steps: ctx.steps });
    return this.script(log, ctx, this.received.length);
  };
  ids(): string[] {
    return this.received.map((r) => r.id);
  }
}

const open: Outbox[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.dispose();
});

function setup(opts: { journal?: MemoryOutboxJournal; clock?: FakeClock; crm?: StandInCrm | null; concurrency?: number } = {}) {
  const clock = opts.clock ?? new FakeClock();
  const journal = opts.journal ?? new MemoryOutboxJournal();
  const crm = opts.crm === null ? undefined : (opts.crm ?? new StandInCrm(clock));
  let connector: CrmConnector | undefined = crm;
  const logs = memorySink();
  const outbox: Outbox & OutboxPort = createOutbox({
    journal,
    connector: () => connector,
    clock,
    log: createLoggerFactory(logs, 'debug')('outbox'),
    random: () => 0.5,
    concurrency: opts.concurrency ?? 1,
  });
  open.push(outbox);
  const statuses: OutboxStatus[] = [];
  outbox.onChange((s) => statuses.push(s));
  return {
    clock,
    journal,
    crm: crm ?? new StandInCrm(clock),
    outbox,
    logs,
    statuses,
    setConnector: (c: CrmConnector | undefined) => {
      connector = c;
    },
  };
}

const ID = (i: number): string => `1700000000.${i}`;

describe('outbox: journal first', () => {
  it('journals a call log (fsync) before the CRM sees any request, and drops it once the CRM confirmed', async () => {
    const { outbox, journal, crm } = setup();
    await outbox.start();
    journal.hold();
    const queued = outbox.enqueue(makeCallLog(1));
    await settle();
    expect(crm.received).toEqual([]);
    expect(journal.records).toEqual([]);
    journal.release();
    expect(await queued).toBe('queued');
    await settle();
    expect(crm.ids()).toEqual([ID(1)]);
    expect(journal.records.map((r) => r.type)).toEqual(['enqueue', 'done']);
    expect(outbox.isDelivered(ID(1))).toBe(true);
    expect(outbox.status()).toMatchObject({ sending: false, waiting: 0, failed: [] });
  });

  it('answers duplicate for a call already queued, being queued, or delivered, also after a restart', async () => {
    const a = setup();
    await a.outbox.start();
    let release: () => void = () => undefined;
    a.crm.script = () => new Promise<void>((r) => (release = r));
    const [first, second] = await Promise.all([a.outbox.enqueue(makeCallLog(1)), a.outbox.enqueue(makeCallLog(1))]);
    expect([first, second]).toEqual(['queued', 'duplicate']);
    await settle();
    expect(await a.outbox.enqueue(makeCallLog(1))).toBe('duplicate');
    release();
    await settle();
    expect(a.outbox.isDelivered(ID(1))).toBe(true);
    expect(await a.outbox.enqueue(makeCallLog(1))).toBe('duplicate');
    await a.outbox.dispose();

    const b = setup({ journal: a.journal.crashCopy() });
    await b.outbox.start();
    expect(b.outbox.isDelivered(ID(1))).toBe(true);
    expect(await b.outbox.enqueue(makeCallLog(1))).toBe('duplicate');
    await settle();
    expect(a.crm.ids()).toEqual([ID(1)]);
    expect(b.crm.received).toEqual([]);
  });

  it('rejects an enqueue the journal could not write (disk full) and changes nothing; works again once it can write', async () => {
    const { outbox, journal, crm } = setup();
    await outbox.start();
    journal.diskFull();
    await expect(outbox.enqueue(makeCallLog(1))).rejects.toThrow(/disk is full/);
    await settle();
    expect(crm.received).toEqual([]);
    expect(journal.records).toEqual([]);
    expect(outbox.status()).toMatchObject({ waiting: 0, lastError: 'Could not save to the CRM outbox: the disk is full.' });
    journal.failWith = undefined;
    expect(await outbox.enqueue(makeCallLog(1))).toBe('queued');
    await settle();
    expect(crm.ids()).toEqual([ID(1)]);
    expect(outbox.isDelivered(ID(1))).toBe(true);
  });

  it('waits with noCrm while there is no connector, loses nothing, and sends on resume', async () => {
    const { outbox, crm, setConnector } = setup();
    setConnector(undefined);
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await outbox.enqueue(makeCallLog(2));
    await settle();
    expect(outbox.status()).toMatchObject({ waiting: 2, paused: 'noCrm', sending: false });
    expect(outbox.mark(ID(1))).toBe('waiting');
    setConnector({ id: 'x', displayName: 'No logCall', capabilities: new Set(), findContact: async () => null });
    outbox.resume();
    await settle();
    expect(outbox.status().paused).toBe('noCrm');
    setConnector(crm);
    outbox.resume();
    await settle();
    expect(crm.ids()).toEqual([ID(1), ID(2)]);
    expect(outbox.status()).toEqual({ sending: false, waiting: 0, failed: [] });
  });
});

describe('outbox: retries', () => {
  it('retries transient errors with a growing backoff and never earlier', async () => {
    const { outbox, crm, clock } = setup();
    const t0 = clock.now();
    crm.script = async (_log, _ctx, n) => {
      if (n === 1) throw new CrmError('unavailable', 'CRM answered 503');
      if (n === 2) throw new CrmError('timeout', 'CRM did not answer within 10 s');
      if (n === 3) throw new Error('socket hang up');
    };
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await settle();
    // random() = 0.5: 3/4 of 1 s, 2 s, 4 s.
    const expected = [750, 1_500, 3_000];
    let at = t0;
    for (const [i, delay] of expected.entries()) {
      expect(crm.received).toHaveLength(i + 1);
      at += delay;
      expect(outbox.status()).toMatchObject({ waiting: 1, sending: false, nextAttemptAt: at });
      clock.advance(at - clock.now() - 1);
      await settle();
      expect(crm.received).toHaveLength(i + 1);
      clock.advance(1);
      await settle();
    }
    expect(crm.received.map((r) => r.at - t0)).toEqual([0, 750, 2_250, 5_250]);
    expect(outbox.status()).toEqual({ sending: false, waiting: 0, failed: [] });
    expect(outbox.isDelivered(ID(1))).toBe(true);
  });

  it('retry() wakes an entry waiting for its backoff', async () => {
    const { outbox, crm, clock } = setup();
    crm.script = async (_l, _c, n) => {
      if (n <= 5) throw new CrmError('unavailable', 'down');
    };
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await settle();
    }
    expect(crm.received).toHaveLength(5);
    expect((outbox.status().nextAttemptAt ?? 0) - clock.now()).toBeGreaterThan(5_000);
    outbox.retry();
    await settle();
    expect(crm.received).toHaveLength(6);
    expect(outbox.isDelivered(ID(1))).toBe(true);
  });

  it('pauses all sending on a sign-in error until resume(), counting no attempt, and delivers everything after', async () => {
    const { outbox, crm, clock } = setup({ concurrency: 2 });
    let signedIn = false;
    crm.script = async () => {
      if (!signedIn) throw new CrmError('auth', 'Sign in to the CRM again');
    };
    await outbox.start();
    for (let i = 1; i <= 5; i++) await outbox.enqueue(makeCallLog(i));
    await settle();
    const before = crm.received.length;
    expect(before).toBeLessThanOrEqual(2);
    expect(outbox.status()).toMatchObject({ paused: 'needsSignIn', waiting: 5, lastError: 'Sign in to the CRM again' });
    clock.advance(3_600_000);
    await settle();
    expect(crm.received).toHaveLength(before);
    signedIn = true;
    outbox.resume();
    await settle();
    expect(outbox.status()).toEqual({ sending: false, waiting: 0, failed: [] });
    expect(new Set(crm.ids().slice(before))).toEqual(new Set([1, 2, 3, 4, 5].map(ID)));
    expect(crm.received.length).toBe(before + 5);
  });

  it('waits retryAfterMs after a rate-limit answer, then sends one request at a time until one succeeds, so the CRM never sees two limit errors in a row', async () => {
    const { outbox, crm, clock } = setup({ concurrency: 4 });
    // The CRM: a limit error first, then refuses anything arriving less than 2 s after its last limit error.
    let limitedAt: number | undefined;
    let concurrent = 0;
    const answers: string[] = [];
    /** Requests open at the CRM when each one arrived. */
    const openAtArrival: number[] = [];
    crm.script = async (_l, _c, n) => {
      concurrent += 1;
      openAtArrival.push(concurrent);
      try {
        await Promise.resolve();
        if (n === 1 || (limitedAt !== undefined && clock.now() - limitedAt < 2_000)) {
          limitedAt = clock.now();
          answers.push('429');
          throw new CrmError('rateLimited', 'Too many requests', { status: 429, retryAfterMs: 2_000 });
        }
        answers.push('ok');
      } finally {
        concurrent -= 1;
      }
    };
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await settle();
    for (let i = 2; i <= 9; i++) await outbox.enqueue(makeCallLog(i));
    await settle();
    expect(answers).toEqual(['429']);
    expect(outbox.status()).toMatchObject({ waiting: 9, nextAttemptAt: (limitedAt ?? 0) + 2_000, lastError: 'Too many requests' });
    clock.advance(1_999);
    await settle();
    expect(answers).toEqual(['429']);
    clock.advance(1);
    await settle();
    expect(answers).toEqual(['429', ...Array<string>(9).fill('ok')]);
    // The first request after the wait went alone; once it succeeded, several went at once again.
    expect(openAtArrival.slice(0, 3)).toEqual([1, 1, 1]);
    expect(Math.max(...openAtArrival)).toBeGreaterThan(1);
    expect(crm.received.map((r) => r.id).sort()).toEqual([1, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(ID).sort());
    expect(outbox.status()).toEqual({ sending: false, waiting: 0, failed: [] });
  });

  it('waits with backoff after a limit error without retryAfterMs', async () => {
    const { outbox, crm, clock } = setup();
    crm.script = async (_l, _c, n) => {
      if (n === 1) throw new CrmError('rateLimited', 'QUERY_LIMIT_EXCEEDED');
    };
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await settle();
    expect(outbox.status().nextAttemptAt).toBe(clock.now() + 750);
    clock.advance(750);
    await settle();
    expect(outbox.isDelivered(ID(1))).toBe(true);
  });
});

describe('outbox: refused calls', () => {
  it('keeps a refused call in the failed list with the CRM message across a restart; retry sends it, discard removes it for good', async () => {
    const a = setup();
    let refuse = true;
    a.crm.script = async (log) => {
      if (refuse) throw new CrmError('rejected', `CRM refused ${log.id}`, { status: 400, crmMessage: `phone: not a valid number (${log.id})` });
    };
    await a.outbox.start();
    await a.outbox.enqueue(makeCallLog(1));
    await a.outbox.enqueue(makeCallLog(2));
    await settle();
    const failed = [
      { id: ID(1), number: '+79161000001', endedAt: makeCallLog(1).endedAt, reason: `phone: not a valid number (${ID(1)})` },
      { id: ID(2), number: '+79161000002', endedAt: makeCallLog(2).endedAt, reason: `phone: not a valid number (${ID(2)})` },
    ];
    expect(a.outbox.status()).toMatchObject({ waiting: 0, failed });
    expect(a.outbox.mark(ID(1))).toBe('failed');
    a.clock.advance(3_600_000);
    await settle();
    expect(a.crm.received).toHaveLength(2);
    await a.outbox.dispose();

    const b = setup({ journal: a.journal.crashCopy(), clock: a.clock });
    await b.outbox.start();
    await settle();
    expect(b.crm.received).toEqual([]);
    expect(b.outbox.status()).toMatchObject({ waiting: 0, failed });
    await b.outbox.discard(ID(2));
    expect(b.outbox.status().failed).toEqual([failed[0]]);
    b.outbox.retry(ID(1));
    await settle();
    expect(b.crm.ids()).toEqual([ID(1)]);
    expect(b.outbox.isDelivered(ID(1))).toBe(true);
    expect(b.outbox.mark(ID(1))).toBe('sent');
    expect(b.outbox.mark(ID(2))).toBeUndefined();
    expect(b.outbox.status()).toEqual({ sending: false, waiting: 0, failed: [] });
    await b.outbox.dispose();

    refuse = false;
    const c = setup({ journal: b.journal.crashCopy(), clock: a.clock });
    await c.outbox.start();
    await settle();
    expect(c.crm.received).toEqual([]);
    expect(c.outbox.status()).toEqual({ sending: false, waiting: 0, failed: [] });
  });

  it('treats a config error like a refusal (the user must change Settings)', async () => {
    const { outbox, crm } = setup();
    crm.script = async () => {
      throw new CrmError('config', 'No CRM user is mapped to extension 101: map it in Settings -> CRM');
    };
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await settle();
    expect(outbox.status().failed.map((f) => f.reason)).toEqual(['No CRM user is mapped to extension 101: map it in Settings -> CRM']);
    outbox.retry();
    await settle();
    expect(crm.received).toHaveLength(2);
  });
});

describe('outbox: multi-step deliveries', () => {
  it('passes saved steps back after a crash between steps, so step 1 is never repeated', async () => {
    // The CRM: register gives a call id; finish needs it.
    const registered: string[] = [];
    const finished: string[] = [];
    const twoSteps =
      (hangInFinish: boolean): Script =>
      async (log, ctx) => {
        let callId = (ctx.steps['register'] as { callId?: string } | undefined)?.callId;
        if (!callId) {
          registered.push(log.id);
          callId = `CALL-${log.id}`;
          await ctx.saveStep('register', { callId });
        }
        if (hangInFinish) return new Promise<void>(() => undefined); // the process dies here
        finished.push(callId);
      };
    const a = setup();
    a.crm.script = twoSteps(true);
    await a.outbox.start();
    await a.outbox.enqueue(makeCallLog(1));
    await settle();
    expect(registered).toEqual([ID(1)]);
    expect(a.journal.records.map((r) => r.type)).toEqual(['enqueue', 'step']);

    // "kill -9": whatever is on disk now is all the next process has.
    const b = setup({ journal: a.journal.crashCopy() });
    b.crm.script = twoSteps(false);
    await b.outbox.start();
    await settle();
    expect(b.crm.received.map((r) => r.steps)).toEqual([{ register: { callId: `CALL-${ID(1)}` } }]);
    expect(registered).toEqual([ID(1)]);
    expect(finished).toEqual([`CALL-${ID(1)}`]);
    expect(b.outbox.isDelivered(ID(1))).toBe(true);
  });

  it('saveStep resolves only after the step is in the journal', async () => {
    const { outbox, crm, journal } = setup();
    let saved = false;
    crm.script = async (_l, ctx) => {
      journal.hold();
      const p = ctx.saveStep('register', { callId: 'A' }).then(() => (saved = true));
      await settle();
      expect(saved).toBe(false);
      expect(journal.records.some((r) => r.type === 'step')).toBe(false);
      journal.release();
      await p;
      expect(journal.records.at(-1)).toMatchObject({ type: 'step', name: 'register', result: { callId: 'A' } });
    };
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await settle();
    expect(saved).toBe(true);
    expect(outbox.isDelivered(ID(1))).toBe(true);
  });
});

describe('outbox: lifecycle', () => {
  it('dispose aborts an in-flight delivery, which stays queued for the next start', async () => {
    const a = setup();
    let signal: AbortSignal | undefined;
    a.crm.script = (_l, ctx) => {
      signal = ctx.signal;
      return new Promise<void>(() => undefined); // ignores its signal: dispose must not hang on it
    };
    await a.outbox.start();
    await a.outbox.enqueue(makeCallLog(1));
    await settle();
    expect(a.outbox.status().sending).toBe(true);
    await a.outbox.dispose();
    expect(signal?.aborted).toBe(true);
    expect(a.clock.pending).toBe(0);
    await expect(a.outbox.enqueue(makeCallLog(2))).rejects.toThrow(/closed/);
    expect(a.journal.records.map((r) => r.type)).toEqual(['enqueue']);

    const b = setup({ journal: a.journal.crashCopy() });
    await b.outbox.start();
    await settle();
    expect(b.crm.ids()).toEqual([ID(1)]);
    expect(b.outbox.isDelivered(ID(1))).toBe(true);
  });

  it('a start that could not read the journal is tried again by the next start or enqueue', async () => {
    const journal = new MemoryOutboxJournal([{ type: 'enqueue', at: 1, log: makeCallLog(1) }]);
    journal.loadFailures = 2;
    const { outbox, crm } = setup({ journal });
    await expect(outbox.start()).rejects.toThrow(/pid 4242/);
    await expect(outbox.enqueue(makeCallLog(2))).rejects.toThrow(/pid 4242/);
    expect(journal.records).toHaveLength(1);
    expect(await outbox.enqueue(makeCallLog(2))).toBe('queued');
    await settle();
    expect(crm.ids()).toEqual([ID(1), ID(2)]);
  });

  it('discard removes a waiting entry and aborts its delivery', async () => {
    const { outbox, crm, journal } = setup();
    let signal: AbortSignal | undefined;
    crm.script = (_l, ctx) => {
      signal = ctx.signal;
      return new Promise<void>(() => undefined);
    };
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await settle();
    await outbox.discard(ID(1));
    await settle();
    expect(signal?.aborted).toBe(true);
    expect(outbox.status()).toEqual({ sending: false, waiting: 0, failed: [] });
    expect(outbox.isDelivered(ID(1))).toBe(false);
    expect(journal.records.map((r) => r.type)).toEqual(['enqueue', 'discard']);
  });

  it('reports status changes to listeners, and not when nothing changed', async () => {
    const { outbox, crm, statuses } = setup();
    let release: () => void = () => undefined;
    crm.script = () => new Promise<void>((r) => (release = r));
    await outbox.start();
    await outbox.enqueue(makeCallLog(1));
    await settle();
    expect(statuses.at(-1)).toEqual({ sending: true, waiting: 1, failed: [] });
    release();
    await settle();
    expect(statuses.at(-1)).toEqual({ sending: false, waiting: 0, failed: [] });
    const n = statuses.length;
    outbox.resume();
    await settle();
    expect(statuses).toHaveLength(n);
    for (let i = 1; i < statuses.length; i++) expect(statuses[i]).not.toEqual(statuses[i - 1]);
  });

  it('compacts its journal as it grows; the compacted journal remembers every delivered id', async () => {
    const { outbox, crm, journal } = setup({ concurrency: 8 });
    await outbox.start();
    for (let i = 1; i <= 700; i++) await outbox.enqueue(makeCallLog(i));
    await settle();
    for (let i = 0; i < 20 && crm.received.length < 700; i++) await settle();
    expect(crm.received).toHaveLength(700);
    expect(journal.compactions).toBeGreaterThanOrEqual(1);
    expect(journal.records.length).toBeLessThan(1_400);
    await outbox.dispose();
    const b = setup({ journal: journal.crashCopy() });
    await b.outbox.start();
    for (let i = 1; i <= 700; i++) expect(b.outbox.isDelivered(ID(i))).toBe(true);
    expect(await b.outbox.enqueue(makeCallLog(350))).toBe('duplicate');
  });
});
