// Re-registration backoff: exponential with jitter, capped, so a PBX that comes
// back after an outage is not hit by every desk in the same second.
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly factor: number;
  readonly maxMs: number;
  /** Fraction of the delay randomised either way (0.2: +-20 %). */
  readonly jitter: number;
}

/** 1 s, 2 s, 4 s ... up to 60 s, +-20 %. */
export const REGISTER_BACKOFF: BackoffPolicy = { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.2 };

/**
 * The wait before retry number `attempt` (0 = the first retry after a failure).
 * `random` returns [0, 1) (Math.random, or a seeded one in tests).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const n = Math.max(0, Math.floor(attempt));
  const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.min(n, 30));
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : 0.5;
  const spread = raw * policy.jitter * (2 * unit - 1);
  return Math.max(0, Math.round(Math.min(policy.maxMs * (1 + policy.jitter), raw + spread)));
}
