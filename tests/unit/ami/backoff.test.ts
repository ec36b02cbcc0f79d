// The reconnect schedule: exponential ceilings, full jitter from the injected
// random source, the wide spread after a PBX restart, and reset.
import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling } from '../../../src-main/core/ami/connection';
import { seededRandom } from './fake-pbx';

describe('backoffCeiling', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffCeiling(n))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(backoffCeiling(1000)).toBe(60000);
    expect(backoffCeiling(0)).toBe(1000);
    expect([1, 2, 3].map((n) => backoffCeiling(n, { initialMs: 250, maxMs: 700 }))).toEqual([250, 500, 700]);
  });
});

describe('Backoff', () => {
  it('gives floor(random * ceiling) for each attempt (full jitter), exactly', () => {
    const expectedRandom = seededRandom(42);
    const b = new Backoff(seededRandom(42));
    const delays = Array.from({ length: 9 }, () => b.next(false));
    expect(delays.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(delays.map((d) => d.delayMs)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => Math.floor(expectedRandom() * backoffCeiling(n))));
    expect(delays.every((d) => !d.spread)).toBe(true);
  });

  it('spreads the first reconnect after a restart over restartSpreadMs, once per outage', () => {
    const r = seededRandom(7);
    const b = new Backoff(seededRandom(7), { restartSpreadMs: 30_000 });
    const first = b.next(true);
    expect(first).toEqual({ attempt: 1, delayMs: Math.floor(r() * 30_000), spread: true });
    // Still refused: ordinary backoff from here on, not another 30 s spread.
    expect(b.next(true)).toEqual({ attempt: 2, delayMs: Math.floor(r() * 2000), spread: false });
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next(true).spread).toBe(true);
  });

  it('keeps delays inside [0, ceiling) whatever the random source returns', () => {
    for (const value of [0, 0.999999, 1, 2, -1, Number.NaN]) {
      const b = new Backoff(() => value);
      const d = b.next(false).delayMs;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1000);
    }
  });

  it('spreads a floor of operators over the window instead of one instant', () => {
    const random = seededRandom(1);
    const firsts = Array.from({ length: 300 }, () => new Backoff(random).next(true).delayMs);
    const perSecond = new Map<number, number>();
    for (const d of firsts) perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
    // 300 operators over 30 s: about 10 a second, and never near authlimit (50).
    expect(Math.max(...perSecond.values())).toBeLessThan(50);
    expect(perSecond.size).toBeGreaterThan(25);
  });
});
