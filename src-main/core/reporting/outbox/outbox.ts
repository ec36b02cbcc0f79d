// The durable outbox: every call log is journaled (fsync) before any request,
// handed to the CRM connector, and dropped only after the CRM confirmed it.
// Retries transient errors with backoff, waits out rate limits (one request at
// a time after a limit error until one succeeds), pauses everything on "needs
// sign-in" until resume(), and keeps refused calls in a failed list with the
// CRM's words. State changes only by applying records the journal accepted, so
// a full disk leaves memory and disk as they were.
import { CallLogSchema, type CallLog } from '../../../../src-shared/domain/call-log';
import type { OutboxFailureView, OutboxStatusView, ReportMark } from '../../../../src-shared/domain/crm-status';
import type { CrmConnector, DeliveryContext } from '../../crm/connector';
import { isCrmError, messageOf } from '../../crm/errors';
import type { Clock, Logger, TimerHandle } from '../../../ports';
import type { OutboxJournal } from './journal';
import { backoffDelay, OutboxState } from './outbox-state';
import type { OutboxRecord } from './records';

/** A call log the CRM refused for good: id, number, when it ended, and the CRM's words (`reason`). */
export type OutboxFailure = OutboxFailureView;
export type OutboxPause = NonNullable<OutboxStatusView['paused']>;
/**
 * `sending`: a delivery is in flight; `waiting`: queued, not yet confirmed (failed
 * ones not counted); `nextAttemptAt`: when the next try is scheduled, while calls
 * wait and none is in flight. The UI's own type (src-shared/domain/crm-status).
 */
export type OutboxStatus = OutboxStatusView;

export interface Outbox {
  /** Replays the journal and begins sending. Idempotent; enqueue and discard start it when needed; after a failure (journal locked or unreadable) the next call tries again. */
  start(): Promise<void>;
  /** Journaled (fsync) before it resolves, before any request. Rejects when the journal could not be written (nothing queued). */
  enqueue(log: CallLog): Promise<'queued' | 'duplicate'>;
  status(): OutboxStatus;
  onChange(listener: (s: OutboxStatus) => void): () => void;
  /** The CRM confirmed this call log (remembered for 30 days). */
  isDelivered(id: string): boolean;
  /** Where a call's report stands (History's mark); undefined when it was never queued, was discarded, or was delivered over 30 days ago. */
  mark(id: string): ReportMark | undefined;
  /** Failed -> waiting now (without an id: all failed), and wakes entries waiting for a backoff. */
  retry(id?: string): void;
  /** Removes a failed or waiting entry (journaled); aborts its delivery when one is in flight. */
  discard(id: string): Promise<void>;
  /** After sign-in or a CRM change: leaves the pause and sends now. */
  resume(): void;
  /** Stops sending and aborts in-flight deliveries (they stay queued). */
  dispose(): Promise<void>;
}

export interface OutboxDeps {
  readonly journal: OutboxJournal;
  /** The CRM connector in force now (read before each delivery; settings may change it). */
  readonly connector: () => CrmConnector | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  /** For backoff jitter; Math.random when not given. */
  readonly random?: () => number;
  /** Deliveries in flight at once (default 4). */
  readonly concurrency?: number;
}

/** Compact once this many records were appended and they outnumber the live ones twice. */
const COMPACT_MIN_RECORDS = 1_000;

class DeliveryAborted extends Error {
  constructor() {
    super('The delivery was aborted; the call log stays queued.');
    this.name = 'DeliveryAborted';
  }
}

/** Settles like `p`, or rejects as soon as `signal` aborts (a connector that ignores its signal cannot hold dispose). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new DeliveryAborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new DeliveryAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** A step's result as the journal will give it back after a restart (plain JSON). */
function asJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function failureOf(id: string, log: CallLog, reason: string): OutboxFailure {
  const n = log.number;
  return { id, number: n.e164 ?? (n.raw !== '' ? n.raw : n.digits), endedAt: log.endedAt, reason };
}

export function createOutbox(deps: OutboxDeps): Outbox {
  const { journal, clock, log } = deps;
  const random = deps.random ?? Math.random;
  const concurrency = Math.max(1, Math.floor(deps.concurrency ?? 4));
  const state = new OutboxState();

  let started: Promise<void> | undefined;
  let ready = false;
  let disposed = false;
  let paused: OutboxPause | undefined;
  let lastError: string | undefined;
  /** No request before this (a rate-limit answer said so). */
  let rateLimitedUntil = 0;
  let rateLimitStreak = 0;
  /** After a limit error: one request at a time until one succeeds. */
  let probing = false;
  const inFlight = new Map<string, { readonly controller: AbortController; readonly done: Promise<void> }>();
  /** The CRM confirmed these but their 'done' record is not on disk yet: never sent again, only journaled again (id -> when). */
  const doneUnwritten = new Map<string, number>();
  let doneWriteFailures = 0;
  let timer: TimerHandle | undefined;
  let wakeAt: number | undefined;
  const listeners = new Set<(s: OutboxStatus) => void>();
  let lastEmitted = '';
  const enqueuing = new Map<string, Promise<unknown>>();

  // Journal gate: appends run concurrently (the journal may batch their fsyncs);
  // compaction waits for them to drain and holds new ones back, so its snapshot
  // includes every record on disk.
  let writers = 0;
  const drained: (() => void)[] = [];
  let compacting: Promise<void> | undefined;
  let recordsSinceCompact = 0;

  const skipBusy = (id: string): boolean => inFlight.has(id) || doneUnwritten.has(id);

  /** Requests at the CRM now: in flight, less those only writing down a confirmation the CRM already gave. */
  function sendingCount(): number {
    let n = 0;
    for (const id of inFlight.keys()) if (!doneUnwritten.has(id)) n += 1;
    return n;
  }

  /** Appends records and applies them to the state before anyone else sees the journal. */
  async function write(records: readonly OutboxRecord[]): Promise<void> {
    while (compacting) await compacting;
    writers += 1;
    try {
      await journal.append(records);
      for (const r of records) state.apply(r);
      recordsSinceCompact += records.length;
    } finally {
      writers -= 1;
      if (writers === 0) for (const f of drained.splice(0)) f();
    }
    maybeCompact();
  }

  function maybeCompact(): void {
    if (compacting || disposed || !ready) return;
    if (recordsSinceCompact < Math.max(COMPACT_MIN_RECORDS, 2 * state.liveRecordCount)) return;
    compacting = (async () => {
      if (writers > 0) await new Promise<void>((r) => drained.push(r));
      const snapshot = state.snapshot(clock.now());
      try {
        await journal.compact(snapshot);
        log.info('outbox journal compacted', { records: snapshot.length, replaced: recordsSinceCompact });
      } catch (error) {
        // The old journal is intact; try again after as many records more.
        log.warn('could not compact the outbox journal; it keeps growing until it can', { error: messageOf(error) });
      }
      recordsSinceCompact = 0;
    })().finally(() => {
      compacting = undefined;
    });
  }

  function status(): OutboxStatus {
    const s: OutboxStatus = {
      sending: sendingCount() > 0,
      waiting: state.pendingCount,
      failed: state.failed().map((e) => failureOf(e.log.id, e.log, e.lastError ?? '')),
    };
    if (paused) s.paused = paused;
    if (lastError !== undefined) s.lastError = lastError;
    if (wakeAt !== undefined && state.pendingCount > 0 && inFlight.size === 0) s.nextAttemptAt = wakeAt;
    return s;
  }

  function emit(): void {
    if (listeners.size === 0) return;
    const s = status();
    const key = JSON.stringify(s);
    if (key === lastEmitted) return;
    lastEmitted = key;
    for (const l of [...listeners]) {
      try {
        l(s);
      } catch (error) {
        log.error('outbox status listener threw', { error: messageOf(error) });
      }
    }
  }

  function clearTimer(): void {
    if (timer) clock.clearTimeout(timer);
    timer = undefined;
    wakeAt = undefined;
  }

  /** One timer for the earliest thing that waits; kept as it is when that time did not change. */
  function setWake(at: number | undefined): void {
    if (at === wakeAt && (timer !== undefined || at === undefined)) return;
    clearTimer();
    if (at === undefined) return;
    wakeAt = at;
    timer = clock.setTimeout(
      () => {
        timer = undefined;
        wakeAt = undefined;
        pump();
      },
      Math.max(0, at - clock.now()),
    );
  }

  /** Starts what can start now and sets the timer for what waits. */
  function pump(): void {
    if (disposed || !ready) return;
    const now = clock.now();
    let next: number | undefined;
    const later = (at: number): void => {
      next = next === undefined ? at : Math.min(next, at);
    };
    for (const [id, at] of doneUnwritten) {
      if (inFlight.has(id)) continue;
      if (at <= now) journalDone(id);
      else later(at);
    }
    sendDue(now, later);
    setWake(next);
    emit();
  }

  function sendDue(now: number, later: (at: number) => void): void {
    if (state.pendingCount === 0) {
      if (paused === 'noCrm') paused = undefined;
      return;
    }
    if (paused === 'needsSignIn') return;
    const connector = deps.connector();
    if (!connector?.logCall) {
      if (paused !== 'noCrm') log.info('no CRM to report calls to; they wait in the outbox', { waiting: state.pendingCount });
      paused = 'noCrm';
      return;
    }
    if (paused === 'noCrm') paused = undefined;
    if (now < rateLimitedUntil) {
      later(rateLimitedUntil);
      return;
    }
    const limit = probing ? 1 : concurrency;
    const sendingNow = sendingCount();
    const due = state.due(now, limit - sendingNow, skipBusy);
    for (const entry of due) deliver(entry.log.id, connector);
    // At the limit, the next completion pumps again; no timer needed (and no scan).
    if (sendingNow + due.length >= limit) return;
    const waitingAt = state.nextAttemptAt(skipBusy);
    if (waitingAt !== undefined && waitingAt > now) later(waitingAt);
  }

  function track(id: string, controller: AbortController, run: () => Promise<void>): void {
    const done = run()
      .catch((error: unknown) => log.error('outbox delivery bookkeeping failed', { id, error: messageOf(error) }))
      .finally(() => {
        if (inFlight.get(id)?.controller === controller) inFlight.delete(id);
        if (!disposed) pump();
      });
    inFlight.set(id, { controller, done });
  }

  function deliver(id: string, connector: CrmConnector): void {
    const entry = state.get(id);
    const logCall = connector.logCall?.bind(connector);
    if (!entry || !logCall) return;
    const controller = new AbortController();
    const ctx: DeliveryContext = {
      signal: controller.signal,
      steps: { ...entry.steps },
      async saveStep(name: string, result: unknown): Promise<void> {
        if (controller.signal.aborted) throw new DeliveryAborted();
        await write([{ type: 'step', at: clock.now(), id, name, result: asJson(result) }]);
      },
    };
    track(id, controller, async () => {
      let failure: { readonly error: unknown } | undefined;
      try {
        await abortable(logCall(entry.log, ctx), controller.signal);
      } catch (error) {
        failure = { error };
      }
      if (!failure) {
        probing = false;
        rateLimitStreak = 0;
        lastError = undefined;
        await finishDelivered(id);
      } else if (!controller.signal.aborted) {
        await deliveryFailed(id, failure.error);
      }
    });
  }

  async function finishDelivered(id: string): Promise<void> {
    try {
      await write([{ type: 'done', at: clock.now(), id }]);
      doneUnwritten.delete(id);
      doneWriteFailures = 0;
    } catch (error) {
      // The CRM has it: never send it again, only keep trying to write that down.
      doneWriteFailures += 1;
      doneUnwritten.set(id, clock.now() + backoffDelay(doneWriteFailures, random));
      lastError = messageOf(error);
      log.error('the CRM confirmed a call but the outbox could not record it', { id, error: lastError });
    }
  }

  function journalDone(id: string): void {
    const controller = new AbortController();
    track(id, controller, () => finishDelivered(id));
  }

  async function deliveryFailed(id: string, error: unknown): Promise<void> {
    const now = clock.now();
    const message = messageOf(error);
    if (isCrmError(error) && error.kind === 'auth') {
      if (paused !== 'needsSignIn') log.warn('CRM needs sign-in; reporting paused', { error: message });
      paused = 'needsSignIn';
      lastError = message;
      return;
    }
    if (isCrmError(error) && error.kind === 'rateLimited') {
      rateLimitStreak += 1;
      const wait = error.retryAfterMs ?? backoffDelay(rateLimitStreak, random);
      rateLimitedUntil = Math.max(rateLimitedUntil, now + Math.max(0, wait));
      probing = true;
      state.deferUntil(id, rateLimitedUntil, message);
      lastError = message;
      log.info('CRM rate limit; waiting', { waitMs: rateLimitedUntil - now });
      return;
    }
    if (isCrmError(error) && (error.kind === 'rejected' || error.kind === 'config')) {
      const reason = error.crmMessage ?? message;
      try {
        await write([{ type: 'failed', at: now, id, reason }]);
        lastError = reason;
        log.warn('CRM refused a call log; kept in the failed list', { id, kind: error.kind, reason });
        return;
      } catch (writeError) {
        log.error('could not record a refused call log as failed; will try it again', { id, error: messageOf(writeError) });
      }
    }
    const entry = state.get(id);
    if (!entry) return;
    const delay = backoffDelay(entry.attempts + 1, random);
    state.attemptFailed(id, now, message, delay);
    lastError = message;
    log.info('call log delivery failed; will retry', { id, attempts: entry.attempts + 1, delayMs: delay, error: message });
  }

  async function whenReady(): Promise<void> {
    if (disposed) throw new Error('The outbox is closed.');
    await start();
  }

  function start(): Promise<void> {
    started ??= (async () => {
      const records = await journal.load();
      for (const r of records) state.apply(r);
      const now = clock.now();
      state.prune(now);
      recordsSinceCompact = records.length;
      ready = true;
      log.info('outbox loaded', { waiting: state.pendingCount, failed: state.failedCount, delivered: state.deliveredCount, records: records.length });
      maybeCompact();
      pump();
    })().catch((error: unknown) => {
      // The journal could not be read (locked by another process, unreadable folder): the next call tries again.
      started = undefined;
      log.error('could not open the CRM outbox', { error: messageOf(error) });
      throw error;
    });
    return started;
  }

  return {
    start,

    async enqueue(input: CallLog): Promise<'queued' | 'duplicate'> {
      await whenReady();
      const callLog = CallLogSchema.parse(input);
      const id = callLog.id;
      // A second enqueue of the same id while the first is being written waits for its outcome.
      for (let other = enqueuing.get(id); other; other = enqueuing.get(id)) await other.catch(() => undefined);
      if (state.classify(id) !== 'unknown') return 'duplicate';
      const writing = write([{ type: 'enqueue', at: clock.now(), log: callLog }]);
      enqueuing.set(id, writing);
      try {
        await writing;
      } catch (error) {
        lastError = messageOf(error);
        log.error('could not queue a call log', { id, error: lastError });
        emit();
        throw error;
      } finally {
        enqueuing.delete(id);
      }
      pump();
      return 'queued';
    },

    status,

    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    isDelivered(id) {
      return state.isDelivered(id);
    },

    mark(id) {
      const c = state.classify(id);
      if (c === 'delivered') return 'sent';
      if (c === 'pending') return 'waiting';
      if (c === 'failed') return 'failed';
      return undefined;
    },

    retry(id) {
      if (disposed || !ready) return;
      const now = clock.now();
      const failed = id === undefined ? state.failed().map((e) => e.log.id) : state.classify(id) === 'failed' ? [id] : [];
      state.wake(now, id);
      if (failed.length > 0) {
        write(failed.map((f) => ({ type: 'retry', at: now, id: f }))).then(
          () => pump(),
          (error: unknown) => {
            lastError = messageOf(error);
            log.error('could not record a retry', { error: lastError });
            emit();
          },
        );
      }
      pump();
    },

    async discard(id) {
      await whenReady();
      if (!state.get(id)) return;
      inFlight.get(id)?.controller.abort();
      doneUnwritten.delete(id);
      await write([{ type: 'discard', at: clock.now(), id }]);
      log.info('call log discarded by the operator', { id });
      pump();
    },

    resume() {
      if (disposed || !ready) return;
      paused = undefined;
      state.wake(clock.now());
      pump();
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      clearTimer();
      for (const f of inFlight.values()) f.controller.abort();
      await Promise.allSettled([...inFlight.values()].map((f) => f.done));
      await compacting;
    },
  };
}
