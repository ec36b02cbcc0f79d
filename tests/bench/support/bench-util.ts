// Small helpers shared by the end-to-end latency benchmarks (screen-pop, dial):
// nearest-rank percentiles, ms formatting, step timeouts, the machine's load,
// the fresh renderer build, closing what a run opened, and the end-of-run report.
// Not product code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import type { LogRecord } from '../../../src-main/core/log/logger';
import { fmt, type BenchContext } from '../harness';
import { preciseNow } from './crm-test-server';

const REPO = path.resolve(import.meta.dirname, '../../..');

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

/** Something a benchmark opened and must close, named for the failure message. */
export interface Cleanup {
  readonly what: string;
  readonly fn: () => Promise<void> | void;
}

/** Closes everything newest first, each within 10 s; a failure to close is recorded, never thrown past the others. */
export async function closeAll(cleanups: Cleanup[], failures: string[]): Promise<void> {
  for (const c of cleanups.reverse()) {
    try {
      await withTimeout(Promise.resolve(c.fn()), 10_000, `closing the ${c.what}`);
    } catch (error) {
      failures.push(`closing the ${c.what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** A temp folder (closed with the run) holding a fresh renderer build: dist/renderer may be stale, or in use by another run. */
export async function tempRendererBuild(prefix: string, cleanups: Cleanup[]): Promise<{ readonly dir: string; readonly rendererDir: string; readonly buildMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push({ what: 'temp dir', fn: () => fs.rmSync(dir, { recursive: true, force: true }) });
  const rendererDir = path.join(dir, 'renderer');
  const buildStart = preciseNow();
  await build({ configFile: path.join(REPO, 'src-renderer/vite.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true } });
  return { dir, rendererDir, buildMs: preciseNow() - buildStart };
}

/** The end of a run: page errors fail it, core warnings are shown, and the time taken and the machine's load are printed. */
export function reportRunEnd(ctx: BenchContext, run: { readonly logs: { readonly records: readonly LogRecord[] }; readonly pageErrors: readonly string[]; readonly failures: string[]; readonly started: number }): void {
  if (run.pageErrors.length > 0) run.failures.push(`page errors: ${run.pageErrors.slice(0, 3).join('; ')}`);
  const problems = run.logs.records.filter((r) => r.level === 'error' || r.level === 'warn');
  if (problems.length > 0) ctx.log(`  core warnings/errors (${problems.length}): ${problems.slice(0, 3).map((r) => `${r.scope}: ${r.message}`).join('; ')}`);
  ctx.log(`  done in ${fmt((preciseNow() - run.started) / 1000, 1)} s; load average ${loadAverage()} (other work on these CPUs stretches the tails)`);
}

/** One stage row: label, then median, p99 and max in ms. */
export function stageLine(label: string, values: readonly number[], labelWidth: number): string {
  return `    ${label.padEnd(labelWidth)} ${ms(percentile(values, 50)).padStart(7)} ${ms(percentile(values, 99)).padStart(7)} ${ms(Math.max(...values)).padStart(7)}`;
}

/** The time between two stamps of each sample, skipping samples that miss either stamp. */
export function stampDiffs<S>(samples: readonly S[], pick: (s: S) => readonly [number | undefined, number | undefined]): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const [a, b] = pick(s);
    if (a !== undefined && b !== undefined) out.push(b - a);
  }
  return out;
}
