// The outbox's file journal on real files: torn and corrupt lines, compaction,
// a really full disk (a small tmpfs), and the single-writer lock.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileOutboxJournal, encodeJournalLine } from '../../../src-main/adapters/outbox/file-journal';
import { JournalLockedError } from '../../../src-main/adapters/outbox/journal-lock';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createOutbox } from '../../../src-main/core/reporting/outbox';
import { OutboxWriteError } from '../../../src-main/core/reporting/outbox/journal';
import type { OutboxRecord } from '../../../src-main/core/reporting/outbox/records';
import { systemClock } from '../../../src-main/core/clock';
import { tempDir } from '../../support/core-fixture';
import { makeCallLog } from '../../support/outbox-call-logs';
import { withTmpfs } from '../../support/tmpfs';

const dirs: string[] = [];
const journals: FileOutboxJournal[] = [];
afterEach(async () => {
  for (const j of journals.splice(0)) await j.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function journalPath(): string {
  const d = tempDir('sidecall-outbox-');
  dirs.push(d);
  return path.join(d, 'outbox.journal');
}

function logger() {
  const sink = memorySink();
  return { sink, log: createLoggerFactory(sink, 'debug')('outbox/journal') };
}

async function open(file: string, log = logger().log): Promise<FileOutboxJournal> {
  const j = await FileOutboxJournal.open(file, log);
  journals.push(j);
  return j;
}

async function reopen(j: FileOutboxJournal, log = logger().log): Promise<FileOutboxJournal> {
  await j.close();
  journals.splice(journals.indexOf(j), 1);
  return open(j.path, log);
}

const T0 = 1_700_000_000_000;
const enq = (i: number): OutboxRecord => ({ type: 'enqueue', at: T0 + i, log: makeCallLog(i) });
const done = (i: number): OutboxRecord => ({ type: 'done', at: T0 + i, id: makeCallLog(i).id });

/** A call log whose record takes more than a 4 KiB page (so it cannot fit in a file's last partial page). */
const bigEnq = (i: number): OutboxRecord => ({
  type: 'enqueue',
  at: T0 + i,
  log: makeCallLog(i, { recording: { url: `https://pbx.example.test/${'r'.repeat(1_900)}`, files: Array.from({ length: 12 }, (_, k) => `${k}-${'f'.repeat(400)}.wav`) } }),
});

describe('FileOutboxJournal', () => {
  it('gives back what it appended, each line checksummed, concurrent appends in order', async () => {
    const j = await open(journalPath());
    expect(await j.load()).toEqual([]);
    await j.append([enq(1), { type: 'step', at: T0, id: makeCallLog(1).id, name: 'register', result: { callId: 'X', n: [1, 2] } }]);
    await Promise.all(Array.from({ length: 50 }, (_, k) => j.append([enq(100 + k)])));
    await j.append([done(1)]);
    const lines = fs.readFileSync(j.path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^[0-9a-f]{8} \{/);
    const again = await reopen(j);
    const records = await again.load();
    expect(records).toHaveLength(53);
    expect(records[1]).toEqual({ type: 'step', at: T0, id: makeCallLog(1).id, name: 'register', result: { callId: 'X', n: [1, 2] } });
    expect(records.slice(2, 52).map((r) => (r.type === 'enqueue' ? r.log.id : ''))).toEqual(Array.from({ length: 50 }, (_, k) => makeCallLog(100 + k).id));
    expect(again.openReport).toEqual({ records: 53, skippedLines: 0, truncatedBytes: 0 });
  });

  it('ignores a torn last write, cuts it off on open, and appends after it cleanly', async () => {
    const j = await open(journalPath());
    await j.append([enq(1), enq(2), enq(3)]);
    await j.close();
    const goodSize = fs.statSync(j.path).size;
    const line = encodeJournalLine(enq(4));
    fs.appendFileSync(j.path, line.slice(0, Math.floor(line.length / 2))); // the process died mid-write
    const { sink, log } = logger();
    const k = await open(j.path, log);
    expect((await k.load()).map((r) => r.type === 'enqueue' && r.log.id)).toEqual([1, 2, 3].map((i) => makeCallLog(i).id));
    expect(k.openReport.truncatedBytes).toBe(Math.floor(line.length / 2));
    expect(fs.statSync(j.path).size).toBe(goodSize);
    expect(sink.records.some((r) => r.level === 'warn' && /torn or corrupt tail/.test(r.message))).toBe(true);
    await k.append([enq(5)]);
    const m = await reopen(k);
    expect((await m.load()).map((r) => r.type === 'enqueue' && r.log.id)).toEqual([1, 2, 3, 5].map((i) => makeCallLog(i).id));
    expect(m.openReport).toEqual({ records: 4, skippedLines: 0, truncatedBytes: 0 });
  });

  it('skips a corrupt line in the middle and keeps the rest; a corrupt last line is cut off', async () => {
    const j = await open(journalPath());
    await j.append([enq(1), enq(2), enq(3), enq(4)]);
    await j.close();
    const lines = fs.readFileSync(j.path, 'utf8').split('\n');
    // A flipped digit in line 2 (same length, valid JSON: only the checksum can tell) and garbage as line 4.
    lines[1] = (lines[1] ?? '').replace('"talkSeconds":90', '"talkSeconds":91');
    lines[3] = 'not a record at all';
    fs.writeFileSync(j.path, lines.join('\n'));
    const { sink, log } = logger();
    const k = await open(j.path, log);
    expect((await k.load()).map((r) => r.type === 'enqueue' && r.log.id)).toEqual([1, 3].map((i) => makeCallLog(i).id));
    expect(k.openReport).toEqual({ records: 2, skippedLines: 1, truncatedBytes: 'not a record at all\n'.length });
    expect(sink.records.find((r) => /middle/.test(r.message))?.fields).toMatchObject({ lines: 1 });
    await k.append([enq(5)]);
    const m = await reopen(k);
    expect((await m.load()).map((r) => r.type === 'enqueue' && r.log.id)).toEqual([1, 3, 5].map((i) => makeCallLog(i).id));
  });

  it('compacts to a snapshot atomically, keeps appending to the new file, and ignores a half-written compaction', async () => {
    const j = await open(journalPath());
    for (let i = 1; i <= 100; i++) await j.append([enq(i), done(i)]);
    const before = fs.statSync(j.path).size;
    const pendingAppend = j.append([enq(500)]);
    await j.compact([done(99), done(100), enq(500)]);
    await pendingAppend;
    await j.append([enq(501)]);
    expect(fs.statSync(j.path).size).toBeLessThan(before / 10);
    expect(fs.existsSync(`${j.path}.compact`)).toBe(false);
    fs.writeFileSync(`${j.path}.compact`, encodeJournalLine(enq(999)).slice(0, 40)); // a compaction killed mid-way
    const k = await reopen(j);
    // The append queued before the compaction is in the journal once (written, then part of the snapshot).
    expect(await k.load()).toEqual([done(99), done(100), enq(500), enq(501)]);
    expect(fs.existsSync(`${j.path}.compact`)).toBe(false);
  });

  it('on a full disk rejects the append with a clear error, keeps the journal valid, and works again once there is space', async () => {
    const parent = tempDir('sidecall-enospc-');
    dirs.push(parent);
    await withTmpfs(parent, 256, async (mnt) => {
      const file = path.join(mnt, 'outbox.journal');
      const j = await FileOutboxJournal.open(file, logger().log);
      try {
        await j.append([enq(1), enq(2), enq(3)]);
        await j.compact([enq(2)]);
        await j.append([enq(6)]);
        const filler = fillDisk(mnt);
        const sizeBefore = fs.statSync(file).size;
        const error = await j.append([bigEnq(7), bigEnq(4)]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(OutboxWriteError);
        expect((error as OutboxWriteError).code).toBe('ENOSPC');
        expect((error as Error).message).toMatch(/Could not save to the CRM outbox \(.*outbox\.journal\): the disk is full/);
        // What reached the disk's last partial page was cut off again.
        expect(fs.statSync(file).size).toBe(sizeBefore);
        fs.rmSync(filler);
        await j.append([bigEnq(5)]);
      } finally {
        await j.close();
      }
      const k = await FileOutboxJournal.open(file, logger().log);
      try {
        expect(k.openReport).toMatchObject({ skippedLines: 0, truncatedBytes: 0 });
        expect((await k.load()).map((r) => r.type === 'enqueue' && r.log.id)).toEqual([2, 6, 5].map((i) => makeCallLog(i).id));
      } finally {
        await k.close();
      }
    });
  });

  it('on a full disk the outbox refuses the enqueue and its state stays as it was; after space frees, enqueue works', async () => {
    const parent = tempDir('sidecall-enospc-');
    dirs.push(parent);
    await withTmpfs(parent, 256, async (mnt) => {
      const file = path.join(mnt, 'outbox.journal');
      const j = await FileOutboxJournal.open(file, logger().log);
      // No CRM: entries stay waiting, so `waiting` shows exactly what the outbox holds.
      const outbox = createOutbox({ journal: j, connector: () => undefined, clock: systemClock, log: logger().log });
      try {
        await outbox.start();
        expect(await outbox.enqueue((bigEnq(1) as Extract<OutboxRecord, { type: 'enqueue' }>).log)).toBe('queued');
        const filler = fillDisk(mnt);
        const big = (bigEnq(2) as Extract<OutboxRecord, { type: 'enqueue' }>).log;
        await expect(outbox.enqueue(big)).rejects.toThrow(/the disk is full/);
        expect(outbox.status()).toMatchObject({ waiting: 1, paused: 'noCrm', lastError: expect.stringMatching(/disk is full/) as unknown });
        expect(outbox.mark(big.id)).toBeUndefined();
        fs.rmSync(filler);
        expect(await outbox.enqueue(big)).toBe('queued');
        expect(outbox.status().waiting).toBe(2);
      } finally {
        await outbox.dispose();
        await j.close();
      }
      const k = await FileOutboxJournal.open(file, logger().log);
      try {
        expect((await k.load()).map((r) => r.type === 'enqueue' && r.log.id)).toEqual([1, 2].map((i) => makeCallLog(i).id));
      } finally {
        await k.close();
      }
    });
  });
});

/** Writes a file until the disk refuses more; returns its path (remove it to free the space). */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

describe('journal lock', () => {
  it('lets one journal writer at a time, in this process too', async () => {
    const file = journalPath();
    const a = await open(file);
    await expect(FileOutboxJournal.open(file, logger().log)).rejects.toThrow(/already open in this process/);
    await a.close();
    journals.splice(journals.indexOf(a), 1);
    const b = await open(file);
    await b.append([enq(1)]);
    expect(fs.existsSync(`${file}.lock`)).toBe(true);
    await b.close();
    journals.splice(journals.indexOf(b), 1);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses while another live process holds the lock, naming it, and takes over once that process is gone', async () => {
    const file = journalPath();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const pid = holder.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid, host: (await import('node:os')).hostname(), since: Date.now(), token: 'other' }));
    try {
      const error = await FileOutboxJournal.open(file, logger().log).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(JournalLockedError);
      expect((error as Error).message).toContain(`Another Sidecall process (pid ${pid}) is using the CRM outbox`);
    } finally {
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
    }
    const { sink, log } = logger();
    const j = await open(file, log);
    await j.append([enq(1)]);
    expect(sink.records.some((r) => /stale outbox lock/.test(r.message) && r.fields?.['pid'] === pid)).toBe(true);
    expect(JSON.parse(fs.readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
  });
});
