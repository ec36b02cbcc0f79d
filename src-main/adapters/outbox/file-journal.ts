// The outbox journal on disk: append-only JSON lines, each prefixed with the
// CRC-32 of its JSON (`<8 hex> <json>\n`), fsync'd before an append resolves.
// Why not a rewrite-the-whole-file store: kill -9 mid-rewrite or a full disk
// can lose records that were already acknowledged. Here a crash can only tear
// the line being written; on open a torn or corrupt tail is cut off (it was
// never acknowledged) and a corrupt line in the middle is skipped and logged.
// A failed append (ENOSPC) is truncated away, so the journal stays valid and
// the next append works once there is space. Concurrent appends share one
// write + fsync (group commit). Compaction writes a temp file, fsyncs it,
// renames it over the journal and fsyncs the folder. A lock file keeps a
// second process from writing the same journal.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Logger } from '../../ports';
import type { OutboxJournal } from '../../core/reporting/outbox/journal';
import { OutboxWriteError } from '../../core/reporting/outbox/journal';
import { OutboxRecordSchema, type OutboxRecord } from '../../core/reporting/outbox/records';
import { acquireJournalLock, type JournalLock } from './journal-lock';

interface PendingAppend {
  readonly data: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** What open() found in the file, for diagnostics and tests. */
export interface JournalOpenReport {
  readonly records: number;
  /** Unreadable lines skipped in the middle of the file. */
  readonly skippedLines: number;
  /** Bytes of a torn or corrupt tail cut off. */
  readonly truncatedBytes: number;
}

const NEWLINE = 0x0a;
const LINE = /^([0-9a-f]{8}) (.*)$/s;

function crcHex(text: string): string {
  return zlib.crc32(text).toString(16).padStart(8, '0');
}

/** One journal line for a record. */
export function encodeJournalLine(record: OutboxRecord): string {
  const json = JSON.stringify(record);
  return `${crcHex(json)} ${json}\n`;
}

/** The record of one line (without its newline), or undefined when the line is torn or corrupt. */
export function decodeJournalLine(line: string): OutboxRecord | undefined {
  const m = LINE.exec(line);
  if (!m?.[1] || m[2] === undefined) return undefined;
  if (crcHex(m[2]) !== m[1]) return undefined;
  try {
    const parsed = OutboxRecordSchema.safeParse(JSON.parse(m[2]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function describeFsError(file: string, error: unknown, what: string): OutboxWriteError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk is full. Free some disk space; calls already queued are kept'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `permission denied. Check that ${path.dirname(file)} is writable`
        : `${(error as Error | undefined)?.message ?? String(error)}`;
  return new OutboxWriteError(`Could not ${what} the CRM outbox (${file}): ${why}.`, { ...(code ? { code } : {}), cause: error });
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a folder; there the rename itself is what we have.
    const code = (error as NodeJS.ErrnoException).code;
    if (process.platform !== 'win32' || (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL')) throw error;
  } finally {
    await handle?.close();
  }
}

export class FileOutboxJournal implements OutboxJournal {
  readonly path: string;
  readonly openReport: JournalOpenReport;
  private readonly log: Logger;
  private readonly lock: JournalLock;
  private handle: fs.promises.FileHandle | undefined;
  private records: OutboxRecord[] | undefined;
  /** Bytes of whole, acknowledged lines: what a failed append is cut back to. */
  private size: number;
  /** A failed append could not be cut back yet: do that before the next write. */
  private needsTruncate = false;
  private pending: PendingAppend[] = [];
  private flushQueued = false;
  /** Appends and compactions run one after another on this chain. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(file: string, log: Logger, lock: JournalLock, handle: fs.promises.FileHandle, records: OutboxRecord[], size: number, report: JournalOpenReport) {
    this.path = file;
    this.log = log;
    this.lock = lock;
    this.handle = handle;
    this.records = records;
    this.size = size;
    this.openReport = report;
  }

  /**
   * Takes the lock (JournalLockedError when another process holds it), reads
   * the journal, cuts off a torn or corrupt tail and opens it for appending.
   */
  static async open(file: string, log: Logger): Promise<FileOutboxJournal> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const lock = acquireJournalLock(`${file}.lock`, log);
    try {
      // A temp file left by a compaction that did not finish: the journal itself is whole.
      await fs.promises.rm(`${file}.compact`, { force: true });
      let bytes: Buffer;
      try {
        bytes = await fs.promises.readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        bytes = Buffer.alloc(0);
      }
      const records: OutboxRecord[] = [];
      let goodEnd = 0;
      let badSinceGood = 0;
      let skipped = 0;
      let start = 0;
      while (start < bytes.length) {
        const nl = bytes.indexOf(NEWLINE, start);
        if (nl < 0) break; // a torn last write: no newline
        const record = decodeJournalLine(bytes.toString('utf8', start, nl));
        if (record) {
          records.push(record);
          skipped += badSinceGood;
          badSinceGood = 0;
          goodEnd = nl + 1;
        } else {
          badSinceGood += 1;
        }
        start = nl + 1;
      }
      const truncatedBytes = bytes.length - goodEnd;
      if (skipped > 0) log.warn('skipped unreadable lines in the middle of the outbox journal', { file, lines: skipped });
      if (truncatedBytes > 0) {
        log.warn('cut a torn or corrupt tail off the outbox journal (it was never confirmed)', { file, bytes: truncatedBytes });
        await fs.promises.truncate(file, goodEnd);
      }
      const handle = await fs.promises.open(file, 'a', 0o600);
      if (truncatedBytes > 0) await handle.sync();
      if (bytes.length === 0 || truncatedBytes > 0) await fsyncDir(path.dirname(file));
      return new FileOutboxJournal(file, log, lock, handle, records, goodEnd, { records: records.length, skippedLines: skipped, truncatedBytes });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** The records read at open (each call after the first re-reads the file). */
  async load(): Promise<OutboxRecord[]> {
    if (this.records) {
      const r = this.records;
      this.records = undefined;
      return r;
    }
    const text = await fs.promises.readFile(this.path, 'utf8');
    return text
      .split('\n')
      .map(decodeJournalLine)
      .filter((r): r is OutboxRecord => r !== undefined);
  }

  append(records: readonly OutboxRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new OutboxWriteError(`The CRM outbox journal (${this.path}) is closed.`));
    if (records.length === 0) return Promise.resolve();
    const data = Buffer.from(records.map(encodeJournalLine).join(''), 'utf8');
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ data, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        this.chain = this.chain.then(() => this.flush());
      }
    });
  }

  compact(snapshot: readonly OutboxRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new OutboxWriteError(`The CRM outbox journal (${this.path}) is closed.`));
    const run = this.chain.then(() => this.rewrite(snapshot));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Finishes queued writes, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.handle?.close();
    this.handle = undefined;
    this.lock.release();
  }

  /** Writes every append queued so far with one write and one fsync. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const data = batch.length === 1 && batch[0] ? batch[0].data : Buffer.concat(batch.map((b) => b.data));
    try {
      const handle = this.handle;
      if (!handle) throw new Error('the journal file is not open (a compaction failed to reopen it)');
      if (this.needsTruncate) {
        await handle.truncate(this.size);
        this.needsTruncate = false;
      }
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset);
        if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
        offset += bytesWritten;
      }
      await handle.sync();
      this.size += data.length;
    } catch (error) {
      await this.cutBack();
      const failure = describeFsError(this.path, error, 'save to');
      this.log.error('outbox journal append failed; nothing of it counts', { file: this.path, code: failure.code, error: failure.message });
      for (const b of batch) b.reject(failure);
      return;
    }
    for (const b of batch) b.resolve();
  }

  /** Removes whatever part of a failed append reached the file, so the journal ends on a whole line. */
  private async cutBack(): Promise<void> {
    try {
      if (!this.handle) throw new Error('not open');
      await this.handle.truncate(this.size);
      await this.handle.sync();
      this.needsTruncate = false;
    } catch (error) {
      this.needsTruncate = true;
      this.log.error('could not cut a failed append off the outbox journal; will before the next write', { file: this.path, error: (error as Error).message });
    }
  }

  private async rewrite(snapshot: readonly OutboxRecord[]): Promise<void> {
    const tmp = `${this.path}.compact`;
    const data = Buffer.from(snapshot.map(encodeJournalLine).join(''), 'utf8');
    try {
      const out = await fs.promises.open(tmp, 'w', 0o600);
      try {
        let offset = 0;
        while (offset < data.length) {
          const { bytesWritten } = await out.write(data, offset, data.length - offset);
          if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
          offset += bytesWritten;
        }
        await out.sync();
      } finally {
        await out.close();
      }
    } catch (error) {
      await fs.promises.rm(tmp, { force: true });
      throw describeFsError(this.path, error, 'compact');
    }
    // Close before the rename: Windows cannot replace a file that is open.
    await this.handle?.close();
    this.handle = undefined;
    let renamed = false;
    try {
      await fs.promises.rename(tmp, this.path);
      renamed = true;
      await fsyncDir(path.dirname(this.path));
    } catch (error) {
      if (!renamed) await fs.promises.rm(tmp, { force: true });
      throw describeFsError(this.path, error, 'compact');
    } finally {
      // Whichever file is the journal now, appends go on at its end.
      this.handle = await fs.promises.open(this.path, 'a', 0o600);
      if (renamed) {
        this.size = data.length;
        this.needsTruncate = false;
      }
    }
  }
}
