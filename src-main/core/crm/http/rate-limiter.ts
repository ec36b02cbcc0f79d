// Client-side rate limiting for one CRM account, so the CRM never has to tell us
// twice: a sliding window (amoCRM: 7 requests per second) or a leaky bucket
// (Bitrix24: block at N, draining M per second). Requests wait their turn in FIFO
// order; `pause(ms)` holds everyone after the CRM answered 429/limit anyway.
// Time comes from the Clock port, so the schedule is exact under a fake clock.
import type { Clock, TimerHandle } from '../../../ports';
import type { RateLimitPolicy } from './types';

export interface RateLimiter {
  /** Resolves when a request may start now (and counts it); rejects with the signal's reason when aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Nobody starts before `ms` from now (the CRM said "too many requests"); a shorter pause never shortens a longer one. */
  pause(ms: number): void;
  /** Requests waiting for their turn. */
  readonly waiting: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** The limiting policy's bookkeeping: how long until the next start is allowed, and recording a start. */
interface Meter {
  delayMs(now: number): number;
  record(now: number): void;
}

function windowMeter(requests: number, perMs: number): Meter {
  const max = Math.max(1, Math.floor(requests));
  // Start times of the last `max` requests, oldest first.
  const starts: number[] = [];
  const prune = (now: number): void => {
    while (starts.length > 0 && (starts[0] as number) <= now - perMs) starts.shift();
  };
  return {
    delayMs(now) {
      prune(now);
      if (starts.length < max) return 0;
      return (starts[0] as number) + perMs - now;
    },
    record(now) {
      prune(now);
      starts.push(now);
    },
  };
}

function bucketMeter(capacity: number, drainPerSecond: number): Meter {
  const cap = Math.max(1, capacity);
  const drainPerMs = Math.max(drainPerSecond, 1e-6) / 1000;
  let level = 0;
  let at = 0;
  const drained = (now: number): number => Math.max(0, level - (now - at) * drainPerMs);
  return {
    delayMs(now) {
      const current = drained(now);
      if (current + 1 <= cap + 1e-9) return 0;
      return Math.ceil((current + 1 - cap) / drainPerMs);
    },
    record(now) {
      level = drained(now) + 1;
      at = now;
    },
  };
}

function meterFor(policy: RateLimitPolicy | undefined): Meter | undefined {
  if (!policy) return undefined;
  return policy.kind === 'window' ? windowMeter(policy.requests, policy.perMs) : bucketMeter(policy.capacity, policy.drainPerSecond);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** A limiter for `policy` (undefined: no limit of its own, only `pause`). */
export function createRateLimiter(policy: RateLimitPolicy | undefined, clock: Clock): RateLimiter {
  const meter = meterFor(policy);
  const queue: Waiter[] = [];
  let pausedUntil = 0;
  let timer: TimerHandle | undefined;

  const delayFor = (now: number): number => Math.max(pausedUntil - now, meter ? meter.delayMs(now) : 0, 0);

  const pump = (): void => {
    if (timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length > 0) {
      const now = clock.now();
      const delay = delayFor(now);
      if (delay > 0) {
        timer = clock.setTimeout(() => {
          timer = undefined;
          pump();
        }, delay);
        return;
      }
      const next = queue.shift() as Waiter;
      next.signal?.removeEventListener('abort', next.onAbort);
      meter?.record(now);
      next.resolve();
    }
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      // Fast path: nobody waiting and the policy allows a start now.
      if (queue.length === 0 && delayFor(clock.now()) <= 0) {
        meter?.record(clock.now());
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            const i = queue.indexOf(waiter);
            if (i >= 0) queue.splice(i, 1);
            reject(abortReason(signal as AbortSignal));
            pump();
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        queue.push(waiter);
        if (queue.length === 1) pump();
      });
    },
    pause(ms) {
      if (!(ms > 0)) return;
      pausedUntil = Math.max(pausedUntil, clock.now() + ms);
      if (queue.length > 0) pump();
    },
    get waiting() {
      return queue.length;
    },
  };
}
