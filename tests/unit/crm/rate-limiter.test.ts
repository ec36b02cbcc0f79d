// The CRM rate limiter on the fake clock: exact start times for amoCRM's window
// and Bitrix24's leaky bucket, FIFO order, aborts, and the pause after a 429.
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../src-main/core/crm/http/rate-limiter';
import { FakeClock } from '../../support/fake-clock';

/** Starts `n` acquisitions and records the clock time at which each one was granted. */
function startMany(limiter: ReturnType<typeof createRateLimiter>, clock: FakeClock, n: number): { granted: number[]; order: number[] } {
  const granted: number[] = [];
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    void limiter.acquire().then(() => {
      granted.push(clock.now());
      order.push(i);
    });
  }
  return { granted, order };
}

/** Lets promise callbacks run after timers fired. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

async function runFor(clock: FakeClock, totalMs: number, stepMs = 1): Promise<void> {
  for (let t = 0; t < totalMs; t += stepMs) {
    await flush();
    clock.advance(stepMs);
  }
  await flush();
}

describe('window policy (amoCRM: 7 per second)', () => {
  it('lets 7 start at once and the 8th exactly one window after the first', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'window', requests: 7, perMs: 1000 }, clock);
    const { granted, order } = startMany(limiter, clock, 15);
    await runFor(clock, 2100, 10);
    expect(granted).toEqual([0, 0, 0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 2000]);
    expect(order).toEqual([...Array(15).keys()]);
  });

  it('is a sliding window: starts spread over time free their slots one by one', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'window', requests: 2, perMs: 1000 }, clock);
    await limiter.acquire(); // t=0
    clock.advance(400);
    await limiter.acquire(); // t=400
    const { granted } = startMany(limiter, clock, 2);
    await runFor(clock, 1200, 10);
    expect(granted).toEqual([1000, 1400]);
  });

  it('never has more than N starts inside any window', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'window', requests: 7, perMs: 1000 }, clock);
    const { granted } = startMany(limiter, clock, 50);
    await runFor(clock, 8000, 50);
    expect(granted).toHaveLength(50);
    for (const t of granted) expect(granted.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(7);
  });
});

describe('bucket policy (Bitrix24: block at 50, drain 2/s)', () => {
  it('lets the bucket fill, then one request per drained unit', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'bucket', capacity: 3, drainPerSecond: 2 }, clock);
    const { granted } = startMany(limiter, clock, 6);
    await runFor(clock, 2000, 10);
    expect(granted).toEqual([0, 0, 0, 500, 1000, 1500]);
  });

  it('drains while idle', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'bucket', capacity: 2, drainPerSecond: 1 }, clock);
    await limiter.acquire();
    await limiter.acquire();
    clock.advance(5000);
    const { granted } = startMany(limiter, clock, 3);
    await runFor(clock, 1100, 10);
    expect(granted).toEqual([5000, 5000, 6000]);
  });
});

describe('abort and pause', () => {
  it('an aborted waiter leaves the queue with the abort reason and does not use a slot', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'window', requests: 1, perMs: 1000 }, clock);
    await limiter.acquire();
    const ac = new AbortController();
    const aborted = limiter.acquire(ac.signal);
    const { granted } = startMany(limiter, clock, 1);
    expect(limiter.waiting).toBe(2);
    ac.abort(new Error('operator gave up'));
    await expect(aborted).rejects.toThrow('operator gave up');
    expect(limiter.waiting).toBe(1);
    await runFor(clock, 1100, 10);
    expect(granted).toEqual([1000]);
  });

  it('rejects at once for an already aborted signal', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(undefined, clock);
    const ac = new AbortController();
    ac.abort();
    await expect(limiter.acquire(ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('pause holds the next request until Retry-After passed, also without a policy', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(undefined, clock);
    await limiter.acquire();
    limiter.pause(3000);
    limiter.pause(1000); // a shorter pause does not shorten the longer one
    const { granted } = startMany(limiter, clock, 2);
    await runFor(clock, 3100, 10);
    expect(granted).toEqual([3000, 3000]);
  });

  it('a pause that arrives while requests wait pushes them back', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'window', requests: 1, perMs: 100 }, clock);
    await limiter.acquire();
    const { granted } = startMany(limiter, clock, 2);
    await runFor(clock, 50, 10);
    limiter.pause(2000); // at t=50
    await runFor(clock, 2200, 10);
    expect(granted).toEqual([2050, 2150]);
  });

  it('leaves no timer behind once the queue is empty', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter({ kind: 'window', requests: 1, perMs: 1000 }, clock);
    startMany(limiter, clock, 3);
    await runFor(clock, 2100, 10);
    expect(limiter.waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
