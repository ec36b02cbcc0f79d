// Benchmark runner: `npm run bench` runs every tests/bench/*.bench.ts;
// `npm run bench -- <prefix>` only the figures whose id starts with <prefix>.
// Exit code 1 when a benchmark throws (e.g. a correctness check inside it failed).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchContext, Benchmark } from './harness';

function isBenchmark(value: unknown): value is Benchmark {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { ids?: unknown; run?: unknown };
  return Array.isArray(candidate.ids) && typeof candidate.run === 'function';
}

async function main(): Promise<number> {
  const prefix = process.argv[2] ?? '';
  const selected = (id: string): boolean => id.startsWith(prefix);
  const dir = import.meta.dirname;
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  let ran = 0;
  let failed = 0;
  for (const file of files) {
    const mod: Record<string, unknown> = await import(pathToFileURL(path.join(dir, file)).href);
    for (const [name, value] of Object.entries(mod)) {
      if (!isBenchmark(value) || !value.ids.some(selected)) continue;
      ran += 1;
      const ctx: BenchContext = {
        wants: selected,
        report: (id, figure, unit) => {
          if (selected(id)) console.log(`BENCH ${id} ${Number.isInteger(figure) ? figure : figure.toPrecision(6)} ${unit}`);
        },
        log: (line) => console.log(line),
      };
      console.log(`# ${file} (${name}): ${value.ids.filter(selected).join(', ')}`);
      try {
        await value.run(ctx);
      } catch (error) {
        failed += 1;
        console.error(`# ${file} failed:`, error);
      }
    }
  }
  if (ran === 0) {
    console.error(`No benchmark has an id starting with "${prefix}".`);
    return 1;
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
