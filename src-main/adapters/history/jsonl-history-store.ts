// History on disk: one JSON line per finished call, appended and fsync'd, so a
// crash loses at most the line being written; a torn last line is skipped on
// load. The file is compacted to the newest entries once it grows past twice
// the limit.
import fs from 'node:fs';
import path from 'node:path';
import { HistoryEntrySchema, type HistoryEntry } from '../../../src-shared/domain/history';
import type { HistoryStore, Logger } from '../../ports';

export class JsonlHistoryStore implements HistoryStore {
  private readonly file: string;
  private readonly limit: number;
  private readonly log: Logger;
  private entries: HistoryEntry[] = [];
  private lines = 0;

  constructor(file: string, log: Logger, limit = 1000) {
    this.file = file;
    this.limit = limit;
    this.log = log;
    this.load();
  }

  all(): readonly HistoryEntry[] {
    return this.entries;
  }

  append(entry: HistoryEntry): void {
    // Replace an earlier record of the same call (e.g. a call that ended while disconnected, then confirmed).
    this.entries = this.entries.filter((e) => e.call.id !== entry.call.id);
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const fd = fs.openSync(this.file, 'a', 0o600);
      try {
        fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      this.lines += 1;
      if (this.lines > this.limit * 2) this.compact();
    } catch (error) {
      // History is a convenience; the call itself is still reported to the CRM. Keep it in memory.
      this.log.error('could not write call history', { file: this.file, error });
    }
  }

  private load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error('could not read call history', { file: this.file, error });
      return;
    }
    const byId = new Map<string, HistoryEntry>();
    let bad = 0;
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) {
      try {
        const entry = HistoryEntrySchema.parse(JSON.parse(line));
        byId.delete(entry.call.id);
        byId.set(entry.call.id, entry);
      } catch {
        bad += 1;
      }
    }
    if (bad > 0) this.log.warn('skipped unreadable history lines', { count: bad, file: this.file });
    this.entries = [...byId.values()].slice(-this.limit);
    this.lines = lines.length;
  }

  private compact(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, this.entries.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: 0o600 });
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    this.lines = this.entries.length;
  }
}
