// A JSON document on disk that survives crashes, full disks and hand edits.
// Why not electron-store/conf directly: with `clearInvalidConfig` they wipe a
// file that fails to parse or validate, and their write path offers no guard
// against a short write on a full disk. Here: write a temp file, fsync, check
// the size on disk, keep the previous good file as `.bak`, then rename. A file
// that does not parse is never overwritten without first being kept aside.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../src-shared/errors';

export type ReadResult =
  | { readonly kind: 'missing' }
  | { readonly kind: 'ok'; readonly doc: unknown }
  /** The file did not parse; `fallback` is the last good copy if one exists. */
  | { readonly kind: 'corrupt'; readonly error: string; readonly fallback: unknown };

/** Minimal fs surface, so a test can simulate ENOSPC / short writes without a full disk. */
export interface DocumentFs {
  readonly openSync: typeof fs.openSync;
  readonly writeSync: (fd: number, data: Buffer) => number;
  readonly fsyncSync: typeof fs.fsyncSync;
  readonly closeSync: typeof fs.closeSync;
}

export class JsonFileDocument {
  readonly path: string;
  private readonly fsOps: DocumentFs;
  private corruptKeptAside = false;

  constructor(filePath: string, fsOps: DocumentFs = fs) {
    this.path = filePath;
    this.fsOps = fsOps;
  }

  get backupPath(): string {
    return `${this.path}.bak`;
  }

  read(): ReadResult {
    const text = readIfExists(this.path);
    if (text === undefined) return { kind: 'missing' };
    try {
      return { kind: 'ok', doc: JSON.parse(text) as unknown };
    } catch (error) {
      const backup = readIfExists(this.backupPath);
      let fallback: unknown = undefined;
      if (backup !== undefined) {
        try {
          fallback = JSON.parse(backup) as unknown;
        } catch {
          fallback = undefined;
        }
      }
      return { kind: 'corrupt', error: error instanceof Error ? error.message : String(error), fallback };
    }
  }

  /** Writes the document durably; throws AppError('settings.writeFailed') and leaves the old file intact on failure. */
  write(doc: unknown): void {
    const data = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const current = this.read();
    if (current.kind === 'corrupt' && !this.corruptKeptAside) {
      // Keep the user's broken file for them (and for support) before replacing it.
      fs.copyFileSync(this.path, `${this.path}.corrupt-${Date.now()}`);
      this.corruptKeptAside = true;
    }
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      const fd = this.fsOps.openSync(tmp, 'w', 0o600);
      try {
        let offset = 0;
        while (offset < data.length) {
          const n = this.fsOps.writeSync(fd, data.subarray(offset));
          if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
          offset += n;
        }
        this.fsOps.fsyncSync(fd);
      } finally {
        this.fsOps.closeSync(fd);
      }
      const written = fs.statSync(tmp).size;
      if (written !== data.length) throw Object.assign(new Error(`short write: ${written} of ${data.length} bytes`), { code: 'ENOSPC' });
      if (current.kind === 'ok') fs.copyFileSync(this.path, this.backupPath);
      fs.renameSync(tmp, this.path);
    } catch (error) {
      fs.rmSync(tmp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : String((error as Error).message);
      throw new AppError('settings.writeFailed', `Could not save settings to ${this.path}: ${why}. Your previous settings are unchanged.`, { cause: error });
    }
  }
}

function readIfExists(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
