// Small helpers shared by the end-to-end latency benchmarks (screen-pop, dial):
// nearest-rank percentiles, ms formatting, step timeouts, the machine's load.
// Not product code.
import os from 'node:os';

/** Nearest-rank percentile of unsorted values (NaN when there are none). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
}

/** A latency in ms with one decimal, '-' when not finite. */
export function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : '-';
}

/** Rejects with `timed out after <n> ms: <what>` when `p` has not settled by then. */
export function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** 1-minute load average against the CPU count: tails measured on a busy machine are not the app's. */
export function loadAverage(): string {
  return `${(os.loadavg()[0] ?? 0).toFixed(1)}/${os.cpus().length}`;
}

export const sleep = (msec: number): Promise<void> => new Promise((r) => setTimeout(r, msec));
