// Reconnect delays: exponential backoff with full jitter, plus a wide first
// spread after a PBX restart. Pure (the random source is handed in), so a test
// with a seeded random checks the exact schedule.
//
// Why full jitter (delay = random * min(cap, base * 2^n)): it spreads clients that
// lost the PBX at the same moment better than "equal" or "decorrelated" jitter
// (AWS Architecture Blog, "Exponential Backoff And Jitter").
// Why the restart spread: Asterisk admits at most `authlimit` (default 50)
// connections that have not logged in yet and closes the rest at once
// (main/manager.c, session_do/authlimit). A floor of 300 operators reconnecting
// within a second after a restart would mostly be turned away, and retry, and be
// turned away again. So the first reconnect after a drop that looks like a
// restart (Shutdown event, connection refused, closed before the greeting) is
// spread uniformly over `restartSpreadMs` (default 30 s).

export interface BackoffOptions {
  /** Ceiling of the first ordinary delay (default 1 s). */
  readonly initialMs?: number;
  /** Largest ceiling (default 60 s). */
  readonly maxMs?: number;
  /** Window over which the first reconnect after a PBX restart is spread (default 30 s). */
  readonly restartSpreadMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 1000, maxMs: 60_000, restartSpreadMs: 30_000 };

/** Ceiling of the ordinary delay before reconnect `attempt` (1-based): min(max, initial * 2^(attempt-1)). */
export function backoffCeiling(attempt: number, opts: BackoffOptions = {}): number {
  const initial = opts.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const max = opts.maxMs ?? DEFAULT_BACKOFF.maxMs;
  // 2^30 already exceeds any sane cap; clamping the exponent avoids Infinity.
  const exp = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(max, initial * 2 ** exp);
}

/**
 * Counts consecutive failed attempts of one outage and hands out the delays.
 * `reset()` when the connection is ready again.
 */
export class Backoff {
  readonly #opts: Required<BackoffOptions>;
  readonly #random: () => number;
  #attempt = 0;
  #spreadUsed = false;

  constructor(random: () => number, opts: BackoffOptions = {}) {
    this.#random = random;
    this.#opts = { ...DEFAULT_BACKOFF, ...opts };
  }

  /** Attempts made in this outage so far. */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * The delay before the next attempt. `restartLike`: this failure looks like a PBX
   * restart; the first such one in an outage gets the wide spread instead.
   */
  next(restartLike: boolean): { readonly attempt: number; readonly delayMs: number; readonly spread: boolean } {
    this.#attempt += 1;
    const r = clampUnit(this.#random());
    if (restartLike && !this.#spreadUsed) {
      this.#spreadUsed = true;
      return { attempt: this.#attempt, delayMs: Math.floor(r * this.#opts.restartSpreadMs), spread: true };
    }
    return { attempt: this.#attempt, delayMs: Math.floor(r * backoffCeiling(this.#attempt, this.#opts)), spread: false };
  }

  reset(): void {
    this.#attempt = 0;
    this.#spreadUsed = false;
  }
}

// A random source outside [0, 1) (a broken test double) must not give a negative
// or runaway delay.
function clampUnit(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 0.999999 : x;
}
