// The outbox's state machine, without I/O or timers: entries keyed by the call
// log's id, the ids already delivered (so a second enqueue of a delivered call
// is a duplicate), what is due at a given time, and the backoff schedule. The
// journal's records are applied here in order, on replay and as they are
// written, so memory is always exactly what the disk says plus the in-memory
// retry schedule (attempts and wait times, which a restart resets).
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { OutboxRecord } from './records';

/** A delivered id is remembered this long (a duplicate later than that is sent again). */
export const DELIVERED_KEEP_MS = 30 * 24 * 60 * 60 * 1000;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 10 * 60 * 1_000;

export type OutboxEntryState = 'pending' | 'failed';

export interface OutboxEntry {
  readonly log: CallLog;
  /** Results of the delivery steps already done at the CRM (DeliveryContext.steps). */
  readonly steps: Readonly<Record<string, unknown>>;
  /** Failed tries since it was queued or retried (in memory only). */
  readonly attempts: number;
  /** Unix ms; due when this is <= now (pending entries only). */
  readonly nextAttemptAt: number;
  readonly state: OutboxEntryState;
  readonly lastError?: string;
  readonly enqueuedAt: number;
}

export type OutboxIdStatus = 'pending' | 'failed' | 'delivered' | 'unknown';

/**
 * Exponential backoff with "equal jitter": the n-th failure waits between half
 * and all of min(cap, base * 2^(n-1)), so retries of many calls spread out
 * and the wait still grows with every failure.
 */
export function backoffDelay(attempts: number, random: () => number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  const n = Math.max(1, Math.floor(attempts));
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(n - 1, 40));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}

export class OutboxState {
  /** Insertion order is enqueue order: due entries go out oldest first. */
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly failedIds = new Set<string>();
  /** id -> when the CRM confirmed it. */
  private readonly delivered = new Map<string, number>();

  /** Applies one journal record; returns whether it changed anything (a record about an unknown id does not). */
  apply(record: OutboxRecord): boolean {
    switch (record.type) {
      case 'enqueue': {
        const id = record.log.id;
        if (this.entries.has(id) || this.delivered.has(id)) return false;
        this.entries.set(id, { log: record.log, steps: {}, attempts: 0, nextAttemptAt: record.at, state: 'pending', enqueuedAt: record.at });
        return true;
      }
      case 'step': {
        const e = this.entries.get(record.id);
        if (!e) return false;
        this.entries.set(record.id, { ...e, steps: { ...e.steps, [record.name]: record.result } });
        return true;
      }
      case 'failed': {
        const e = this.entries.get(record.id);
        if (!e) return false;
        this.entries.set(record.id, { ...e, state: 'failed', lastError: record.reason });
        this.failedIds.add(record.id);
        return true;
      }
      case 'retry': {
        const e = this.entries.get(record.id);
        if (!e || e.state !== 'failed') return false;
        this.entries.set(record.id, { log: e.log, steps: e.steps, attempts: 0, nextAttemptAt: record.at, state: 'pending', enqueuedAt: e.enqueuedAt });
        this.failedIds.delete(record.id);
        return true;
      }
      case 'done': {
        const had = this.entries.delete(record.id);
        this.failedIds.delete(record.id);
        const known = this.delivered.get(record.id);
        // Kept in time order, so pruning can stop at the first one young enough.
        this.delivered.delete(record.id);
        this.delivered.set(record.id, Math.max(record.at, known ?? record.at));
        return had || known === undefined;
      }
      case 'discard': {
        this.failedIds.delete(record.id);
        return this.entries.delete(record.id);
      }
    }
  }

  get(id: string): OutboxEntry | undefined {
    return this.entries.get(id);
  }

  classify(id: string): OutboxIdStatus {
    const e = this.entries.get(id);
    if (e) return e.state;
    return this.delivered.has(id) ? 'delivered' : 'unknown';
  }

  isDelivered(id: string): boolean {
    return this.delivered.has(id);
  }

  get pendingCount(): number {
    return this.entries.size - this.failedIds.size;
  }

  get failedCount(): number {
    return this.failedIds.size;
  }

  get deliveredCount(): number {
    return this.delivered.size;
  }

  /** Failed entries, oldest first. */
  failed(): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const id of this.failedIds) {
      const e = this.entries.get(id);
      if (e) out.push(e);
    }
    return out.sort((a, b) => a.enqueuedAt - b.enqueuedAt);
  }

  /** Pending entries due at `now`, oldest first, at most `limit`, leaving out those `skip` names (in flight). */
  due(now: number, limit = Infinity, skip: (id: string) => boolean = () => false): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    if (limit <= 0) return out;
    for (const [id, e] of this.entries) {
      if (e.state !== 'pending' || e.nextAttemptAt > now || skip(id)) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The earliest nextAttemptAt of the pending entries `skip` does not name; undefined when none waits. */
  nextAttemptAt(skip: (id: string) => boolean = () => false): number | undefined {
    let next: number | undefined;
    for (const [id, e] of this.entries) {
      if (e.state !== 'pending' || skip(id)) continue;
      if (next === undefined || e.nextAttemptAt < next) next = e.nextAttemptAt;
    }
    return next;
  }

  /** A try failed for a reason worth retrying: one more attempt, next one after `delayMs`. */
  attemptFailed(id: string, now: number, error: string, delayMs: number): OutboxEntry | undefined {
    const e = this.entries.get(id);
    if (!e || e.state !== 'pending') return undefined;
    const next: OutboxEntry = { ...e, attempts: e.attempts + 1, nextAttemptAt: now + Math.max(0, delayMs), lastError: error };
    this.entries.set(id, next);
    return next;
  }

  /** Not before `at`, without counting an attempt (rate limit, sign-in pause). */
  deferUntil(id: string, at: number, error?: string): void {
    const e = this.entries.get(id);
    if (!e || e.state !== 'pending') return;
    this.entries.set(id, error === undefined ? { ...e, nextAttemptAt: Math.max(e.nextAttemptAt, at) } : { ...e, nextAttemptAt: Math.max(e.nextAttemptAt, at), lastError: error });
  }

  /** Makes waiting entries due at `now` (one id, or all pending ones); returns how many woke. */
  wake(now: number, id?: string): number {
    let woke = 0;
    const one = (key: string, e: OutboxEntry): void => {
      if (e.state !== 'pending' || e.nextAttemptAt <= now) return;
      this.entries.set(key, { ...e, nextAttemptAt: now });
      woke += 1;
    };
    if (id !== undefined) {
      const e = this.entries.get(id);
      if (e) one(id, e);
    } else {
      for (const [key, e] of this.entries) one(key, e);
    }
    return woke;
  }

  /** Forgets delivered ids older than DELIVERED_KEEP_MS; returns how many. */
  prune(now: number): number {
    let dropped = 0;
    for (const [id, at] of this.delivered) {
      if (now - at <= DELIVERED_KEEP_MS) break;
      this.delivered.delete(id);
      dropped += 1;
    }
    return dropped;
  }

  /** How many records a snapshot would hold (to decide when compaction pays). */
  get liveRecordCount(): number {
    let steps = 0;
    for (const e of this.entries.values()) steps += Object.keys(e.steps).length;
    return this.delivered.size + this.entries.size + steps + this.failedIds.size;
  }

  /** The records that rebuild this state (delivered ids still kept, then each entry with its steps and failure). */
  snapshot(now: number): OutboxRecord[] {
    this.prune(now);
    const out: OutboxRecord[] = [];
    for (const [id, at] of this.delivered) out.push({ type: 'done', at, id });
    for (const [id, e] of this.entries) {
      out.push({ type: 'enqueue', at: e.enqueuedAt, log: e.log });
      for (const [name, result] of Object.entries(e.steps)) out.push({ type: 'step', at: e.enqueuedAt, id, name, result });
      if (e.state === 'failed') out.push({ type: 'failed', at: e.enqueuedAt, id, reason: e.lastError ?? '' });
    }
    return out;
  }
}
