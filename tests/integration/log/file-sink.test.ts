// Log files on a real disk: rotated by size, a fixed number kept, the newest
// lines in sidecall.log, and a sink reopened over an existing file carries on.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileSink, logFiles } from '../../../src-main/adapters/log/file-sink';
import { createLoggerFactory } from '../../../src-main/core/log/logger';
import { tempDir } from '../../support/core-fixture';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = tempDir('sidecall-logs-');
  dirs.push(d);
  return path.join(d, 'logs');
}
const lines = (file: string): string[] => fs.readFileSync(file, 'utf8').trim().split('\n');
const seq = (file: string): number[] => lines(file).map((l) => (JSON.parse(l) as { n: number }).n);

describe('fileSink', () => {
  it('rotates past the size limit and keeps only `keep` old files, newest first', () => {
    const logDir = dir();
    const log = createLoggerFactory(fileSink(logDir, { maxBytes: 2000, keep: 3 }))('test');
    for (let n = 0; n < 200; n++) log.info('a line of about a hundred bytes, padded to make rotation happen often', { n });
    expect(fs.readdirSync(logDir).sort()).toEqual(['sidecall.log', 'sidecall.log.1', 'sidecall.log.2', 'sidecall.log.3']);
    const [current, first, second, third] = logFiles(logDir, 3) as [string, string, string, string];
    for (const f of [current, first, second, third]) expect(fs.statSync(f).size).toBeLessThanOrEqual(2000);
    // Continuous and in order across the files: .3 is oldest, sidecall.log has the last line.
    const all = [third, second, first, current].flatMap(seq);
    expect(all.at(-1)).toBe(199);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => 200 - all.length + i));
    // Older lines were dropped, not kept somewhere.
    expect(all[0]).toBeGreaterThan(0);
  });

  it('appends to an existing file and counts its size', () => {
    const logDir = dir();
    createLoggerFactory(fileSink(logDir, { maxBytes: 1000, keep: 2 }))('a').info('first run', { n: 1 });
    const again = createLoggerFactory(fileSink(logDir, { maxBytes: 1000, keep: 2 }))('a');
    again.info('second run', { n: 2 });
    expect(seq(path.join(logDir, 'sidecall.log'))).toEqual([1, 2]);
    for (let n = 3; n < 40; n++) again.info('more', { n });
    expect(fs.existsSync(path.join(logDir, 'sidecall.log.1'))).toBe(true);
    expect(fs.existsSync(path.join(logDir, 'sidecall.log.3'))).toBe(false);
  });
});
