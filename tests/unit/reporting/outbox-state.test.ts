import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, DELIVERED_KEEP_MS, OutboxState, backoffDelay } from '../../../src-main/core/reporting/outbox/outbox-state';
import { OutboxRecordSchema, type OutboxRecord } from '../../../src-main/core/reporting/outbox/records';
import { makeCallLog } from '../../support/outbox-call-logs';

const T0 = 1_700_000_000_000;

function stateOf(records: readonly OutboxRecord[]): OutboxState {
  const s = new OutboxState();
  for (const r of records) s.apply(r);
  return s;
}

describe('OutboxState', () => {
  it('queues by id, ignores a second enqueue of a queued or delivered id, and forgets an entry once done', () => {
    const s = new OutboxState();
    expect(s.apply({ type: 'enqueue', at: T0, log: makeCallLog(1) })).toBe(true);
    expect(s.apply({ type: 'enqueue', at: T0 + 1, log: makeCallLog(1, { talkSeconds: 5 }) })).toBe(false);
    expect(s.get('1700000000.1')?.log.talkSeconds).toBe(90);
    expect(s.classify('1700000000.1')).toBe('pending');
    expect(s.pendingCount).toBe(1);

    expect(s.apply({ type: 'done', at: T0 + 2, id: '1700000000.1' })).toBe(true);
    expect(s.classify('1700000000.1')).toBe('delivered');
    expect(s.isDelivered('1700000000.1')).toBe(true);
    expect(s.pendingCount).toBe(0);
    expect(s.apply({ type: 'enqueue', at: T0 + 3, log: makeCallLog(1) })).toBe(false);
    expect(s.classify('1700000000.1')).toBe('delivered');
    expect(s.classify('nope')).toBe('unknown');
  });

  it('keeps step results, moves refused entries to failed and back on retry, and drops discarded ones', () => {
    const s = stateOf([
      { type: 'enqueue', at: T0, log: makeCallLog(1) },
      { type: 'enqueue', at: T0, log: makeCallLog(2) },
      { type: 'step', at: T0 + 1, id: '1700000000.1', name: 'register', result: { callId: 'X1' } },
      { type: 'step', at: T0 + 2, id: '1700000000.1', name: 'finish', result: null },
      { type: 'failed', at: T0 + 3, id: '1700000000.2', reason: 'phone: invalid' },
    ]);
    expect(s.get('1700000000.1')?.steps).toEqual({ register: { callId: 'X1' }, finish: null });
    expect(s.classify('1700000000.2')).toBe('failed');
    expect(s.failedCount).toBe(1);
    expect(s.pendingCount).toBe(1);
    expect(s.failed().map((e) => [e.log.id, e.lastError])).toEqual([['1700000000.2', 'phone: invalid']]);
    expect(s.due(T0 + 10).map((e) => e.log.id)).toEqual(['1700000000.1']);

    expect(s.apply({ type: 'retry', at: T0 + 20, id: '1700000000.1' })).toBe(false); // not failed
    expect(s.apply({ type: 'retry', at: T0 + 20, id: '1700000000.2' })).toBe(true);
    expect(s.get('1700000000.2')).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: T0 + 20 });
    expect(s.failedCount).toBe(0);

    expect(s.apply({ type: 'discard', at: T0 + 30, id: '1700000000.2' })).toBe(true);
    expect(s.classify('1700000000.2')).toBe('unknown');
    expect(s.apply({ type: 'step', at: T0 + 31, id: '1700000000.2', name: 'x', result: 1 })).toBe(false);
  });

  it('gives due entries oldest first, up to a limit, leaving out skipped ones, and the next wake time', () => {
    const s = stateOf([1, 2, 3, 4].map((i) => ({ type: 'enqueue', at: T0, log: makeCallLog(i) }) as const));
    s.attemptFailed('1700000000.2', T0, 'down', 5_000);
    expect(s.due(T0, 2).map((e) => e.log.id)).toEqual(['1700000000.1', '1700000000.3']);
    expect(s.due(T0, 10, (id) => id === '1700000000.1').map((e) => e.log.id)).toEqual(['1700000000.3', '1700000000.4']);
    expect(s.due(T0, 0)).toEqual([]);
    expect(s.nextAttemptAt()).toBe(T0);
    expect(s.nextAttemptAt((id) => id !== '1700000000.2')).toBe(T0 + 5_000);
    expect(s.due(T0 + 5_000).map((e) => e.log.id)).toEqual(['1700000000.1', '1700000000.2', '1700000000.3', '1700000000.4']);
  });

  it('counts failed attempts, defers without counting, and wakes waiting entries', () => {
    const s = stateOf([{ type: 'enqueue', at: T0, log: makeCallLog(1) }]);
    s.attemptFailed('1700000000.1', T0, 'CRM down', 1_000);
    s.attemptFailed('1700000000.1', T0 + 1_000, 'CRM down again', 2_000);
    expect(s.get('1700000000.1')).toMatchObject({ attempts: 2, nextAttemptAt: T0 + 3_000, lastError: 'CRM down again' });
    s.deferUntil('1700000000.1', T0 + 10_000, 'limit');
    expect(s.get('1700000000.1')).toMatchObject({ attempts: 2, nextAttemptAt: T0 + 10_000, lastError: 'limit' });
    s.deferUntil('1700000000.1', T0 + 4_000);
    expect(s.get('1700000000.1')?.nextAttemptAt).toBe(T0 + 10_000);
    expect(s.wake(T0 + 5_000)).toBe(1);
    expect(s.get('1700000000.1')?.nextAttemptAt).toBe(T0 + 5_000);
    expect(s.wake(T0 + 5_000, '1700000000.1')).toBe(0);
    expect(s.attemptFailed('missing', T0, 'x', 1)).toBeUndefined();
  });

  it('forgets delivered ids after 30 days', () => {
    const s = stateOf([
      { type: 'done', at: T0, id: 'old' },
      { type: 'done', at: T0 + DELIVERED_KEEP_MS, id: 'young' },
    ]);
    expect(s.prune(T0 + DELIVERED_KEEP_MS)).toBe(0);
    expect(s.prune(T0 + DELIVERED_KEEP_MS + 1)).toBe(1);
    expect(s.isDelivered('old')).toBe(false);
    expect(s.isDelivered('young')).toBe(true);
  });

  it('rebuilds itself from its snapshot, and the snapshot is valid journal records', () => {
    const s = stateOf([
      { type: 'done', at: T0 - DELIVERED_KEEP_MS - 10, id: 'ancient' },
      { type: 'enqueue', at: T0, log: makeCallLog(1) },
      { type: 'enqueue', at: T0 + 1, log: makeCallLog(2) },
      { type: 'enqueue', at: T0 + 2, log: makeCallLog(3) },
      { type: 'step', at: T0 + 3, id: '1700000000.1', name: 'register', result: { callId: 'X1' } },
      { type: 'failed', at: T0 + 4, id: '1700000000.2', reason: 'no such user' },
      { type: 'done', at: T0 + 5, id: '1700000000.3' },
    ]);
    const snap = s.snapshot(T0 + 10);
    for (const r of snap) expect(OutboxRecordSchema.safeParse(r).success).toBe(true);
    expect(s.liveRecordCount).toBe(snap.length);
    const t = stateOf(snap);
    expect(t.isDelivered('ancient')).toBe(false);
    expect(t.isDelivered('1700000000.3')).toBe(true);
    expect(t.get('1700000000.1')?.steps).toEqual({ register: { callId: 'X1' } });
    expect(t.failed().map((e) => [e.log.id, e.lastError])).toEqual([['1700000000.2', 'no such user']]);
    expect(t.due(T0 + 10).map((e) => e.log.id)).toEqual(['1700000000.1']);
  });
});

describe('backoffDelay', () => {
  it('doubles with each failure, jittered between half and all of the step', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 0.999999))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffDelay(3, () => 0.5)).toBe(3_000);
  });

  it('stops growing at about ten minutes, however many failures', () => {
    expect(backoffDelay(11, () => 0.999999)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(1_000, () => 0.999999)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(1_000, () => 0)).toBe(BACKOFF_CAP_MS / 2);
  });
});
