// The softphone's registration state machine: start -> connect -> register,
// backoff on losses that may pass, a stop on refusals that will not, and the
// network / sleep events that cut a backoff short.
import { describe, expect, it } from 'vitest';
import { backoffDelay, REGISTER_BACKOFF } from '../../../src-shared/softphone/backoff';
import { registerFailure, softphoneError } from '../../../src-shared/softphone/errors';
import { INITIAL_REGISTRATION, reduceRegistration, type RegistrationEffect, type RegistrationEvent, type RegistrationState } from '../../../src-shared/softphone/registration';
import { seededRandom } from '../../../src-main/core/seeded-random';

const NOW = 1_700_000_000_000;

function run(events: readonly RegistrationEvent[], random: () => number = () => 0.5, from: RegistrationState = INITIAL_REGISTRATION) {
  let state = from;
  const effects: RegistrationEffect[][] = [];
  for (const e of events) {
    const t = reduceRegistration(state, e, { now: NOW, random });
    state = t.state;
    effects.push([...t.effects]);
  }
  return { state, effects };
}

const lost = { type: 'disconnected', error: softphoneError('unreachable') } as const;

describe('backoffDelay', () => {
  it('doubles from 1 s up to 60 s, with +-20 % jitter', () => {
    const mid = Array.from({ length: 9 }, (_, i) => backoffDelay(i, REGISTER_BACKOFF, () => 0.5));
    expect(mid).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(backoffDelay(0, REGISTER_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelay(0, REGISTER_BACKOFF, () => 0.999999)).toBe(1200);
    expect(backoffDelay(40, REGISTER_BACKOFF, () => 0.999999)).toBe(72000);
  });

  it('stays finite and in range whatever the random source returns', () => {
    for (const r of [Number.NaN, -3, 7, Infinity]) {
      const d = backoffDelay(3, REGISTER_BACKOFF, () => r);
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(6400);
      expect(d).toBeLessThanOrEqual(9600);
    }
    const rnd = seededRandom(9);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(i % 12, REGISTER_BACKOFF, rnd);
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(72000);
    }
  });
});

describe('reduceRegistration', () => {
  it('start connects, an open WebSocket registers, a 200 is registered', () => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registered' }]);
    expect(r.effects[0]).toContainEqual({ type: 'connect' });
    expect(r.effects[1]).toContainEqual({ type: 'register' });
    expect(r.state).toMatchObject({ phase: 'registered', transport: 'up', attempt: 0 });
    expect(r.state.error).toBeUndefined();
  });

  it('a dropped WebSocket retries after the backoff, then reconnects and re-registers', () => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registered' }, lost]);
    expect(r.state).toMatchObject({ phase: 'retrying', transport: 'down', attempt: 1, retryAt: NOW + 1000 });
    expect(r.effects[3]).toEqual([{ type: 'scheduleRetry', inMs: 1000 }]);
    const again = run([{ type: 'retryDue' }, { type: 'connected' }, { type: 'registered' }], () => 0.5, r.state);
    expect(again.effects[0]).toContainEqual({ type: 'connect' });
    expect(again.effects[1]).toContainEqual({ type: 'register' });
    expect(again.state).toMatchObject({ phase: 'registered', attempt: 0 });
  });

  it('backs off 1, 2, 4, 8 s while the server stays away', () => {
    let s = run([{ type: 'start' }]).state;
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t = reduceRegistration(s, lost, { now: NOW, random: () => 0.5 });
      const sched = t.effects.find((e) => e.type === 'scheduleRetry');
      waits.push(sched?.type === 'scheduleRetry' ? sched.inMs : -1);
      s = reduceRegistration(t.state, { type: 'retryDue' }, { now: NOW, random: () => 0.5 }).state;
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('a second loss report while a retry is scheduled changes nothing', () => {
    const r = run([{ type: 'start' }, lost, lost]);
    expect(r.effects[2]).toEqual([]);
    expect(r.state.attempt).toBe(1);
  });

  it('a wrong password stops retrying and says so', () => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registerFailed', error: registerFailure(401, 'Unauthorized', true) }, lost, { type: 'retryDue' }]);
    expect(r.state.phase).toBe('failed');
    expect(r.state.error?.code).toBe('wrongPassword');
    expect(r.effects.slice(2).flat().filter((e) => e.type === 'scheduleRetry' || e.type === 'connect' || e.type === 'register')).toEqual([]);
  });

  it.each([
    [403, 'forbidden', 'failed'],
    [404, 'notFound', 'failed'],
    [503, 'serverError', 'retrying'],
    [408, 'timeout', 'retrying'],
    [488, 'rejected', 'failed'],
  ] as const)('REGISTER answered %i: %s, %s', (status, code, phase) => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registerFailed', error: registerFailure(status, 'x', true) }]);
    expect(r.state.error?.code).toBe(code);
    expect(r.state.phase).toBe(phase);
  });

  it('offline: no retries are burnt until the network is back, then one at once', () => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registered' }, { type: 'offline' }, lost]);
    expect(r.state.phase).toBe('retrying');
    expect(r.state.retryAt).toBeUndefined();
    expect(r.effects[4]).toEqual([{ type: 'cancelRetry' }]);
    const back = run([{ type: 'online' }], () => 0.5, r.state);
    expect(back.effects[0]).toContainEqual({ type: 'connect' });
    expect(back.state.phase).toBe('connecting');
  });

  it('waking from sleep opens a new WebSocket (the old one may be half dead)', () => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registered' }, { type: 'wake' }]);
    expect(r.effects[3]).toContainEqual({ type: 'reconnect' });
    expect(r.state).toMatchObject({ phase: 'connecting', transport: 'down' });
  });

  it('waking during a backoff tries at once; waking when failed or off does nothing', () => {
    const retrying = run([{ type: 'start' }, lost]).state;
    expect(run([{ type: 'wake' }], () => 0.5, retrying).effects[0]).toContainEqual({ type: 'connect' });
    const failed = run([{ type: 'start' }, { type: 'connected' }, { type: 'registerFailed', error: registerFailure(403, 'Forbidden', true) }]).state;
    expect(run([{ type: 'wake' }], () => 0.5, failed).effects[0]).toEqual([]);
    expect(run([{ type: 'wake' }]).effects[0]).toEqual([]);
  });

  it('stop unregisters when registered, disconnects, and ignores late events', () => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registered' }, { type: 'stop' }, lost, { type: 'registered' }, { type: 'retryDue' }]);
    expect(r.effects[3]).toEqual([{ type: 'cancelRetry' }, { type: 'unregister' }, { type: 'disconnect' }]);
    expect(r.effects.slice(4).flat()).toEqual([]);
    expect(r.state.phase).toBe('off');
  });

  it('the registrar dropping the binding re-registers on the open WebSocket', () => {
    const r = run([{ type: 'start' }, { type: 'connected' }, { type: 'registered' }, { type: 'unregistered' }]);
    expect(r.effects[3]).toEqual([{ type: 'register' }]);
    expect(r.state.phase).toBe('registering');
  });

  it('a fatal media error stops registration until restarted', () => {
    const r = run([{ type: 'start' }, { type: 'fatal', error: softphoneError('micDenied') }]);
    expect(r.state).toMatchObject({ phase: 'failed', error: { code: 'micDenied' } });
    const again = run([{ type: 'stop' }, { type: 'start' }], () => 0.5, r.state);
    expect(again.state.phase).toBe('connecting');
    expect(again.state.error).toBeUndefined();
  });
});
