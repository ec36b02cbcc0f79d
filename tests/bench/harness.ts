// The benchmark contract. Each `tests/bench/*.bench.ts` file exports a
// `benchmark` object; `run.ts` finds them, so adding a benchmark is adding a file.
// A figure is printed once as a machine line, `BENCH <id> <value> <unit>`, beside
// whatever human lines the benchmark logs.

export interface BenchContext {
  /** Whether this figure was asked for (`npm run bench -- <prefix>`). */
  wants(id: string): boolean;
  /** Prints `BENCH <id> <value> <unit>`. */
  report(id: string, value: number, unit: string): void;
  /** Prints a human line. */
  log(line: string): void;
}

export interface Benchmark {
  /** Every figure id this benchmark can report, e.g. `ami.ingest.sidecall`. */
  readonly ids: readonly string[];
  run(ctx: BenchContext): Promise<void>;
}

/** Formats a number for the human lines (the BENCH lines carry the raw value). */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
