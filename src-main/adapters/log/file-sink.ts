// Log sink appending JSON lines to <logDir>/sidecall.log. Past a size limit
// the file is rotated (sidecall.log -> .1 -> .2 ... up to `keep` old files,
// the oldest dropped), so logs never fill the disk and support still gets
// the last few days. The core's logger stays plain Node: both hosts use this.
import fs from 'node:fs';
import path from 'node:path';
import { streamSink, type LogSink } from '../../core/log/logger';

export const LOG_FILE_NAME = 'sidecall.log';

export interface FileSinkOptions {
  /** Rotate when the file would grow past this (default 5 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept besides the current one (default 5). */
  readonly keep?: number;
}

/** sidecall.log, sidecall.log.1 ... sidecall.log.<keep>: newest first. */
export function logFiles(logDir: string, keep: number): string[] {
  const file = path.join(logDir, LOG_FILE_NAME);
  return [file, ...Array.from({ length: keep }, (_, i) => `${file}.${i + 1}`)];
}

/** Shifts every file one place down (the last one is dropped) and leaves the current name free. */
function rotate(files: readonly string[]): void {
  const last = files.at(-1);
  if (last !== undefined) fs.rmSync(last, { force: true });
  for (let i = files.length - 2; i >= 0; i--) {
    const from = files[i];
    const to = files[i + 1];
    if (from !== undefined && to !== undefined && fs.existsSync(from)) fs.renameSync(from, to);
  }
}

export function fileSink(logDir: string, options: FileSinkOptions = {}): LogSink {
  const { maxBytes = 5 * 1024 * 1024, keep = 5 } = options;
  fs.mkdirSync(logDir, { recursive: true });
  const files = logFiles(logDir, Math.max(1, keep));
  const file = files[0] ?? path.join(logDir, LOG_FILE_NAME);
  let size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  return streamSink((line) => {
    try {
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > maxBytes) {
        rotate(files);
        size = 0;
      }
      fs.appendFileSync(file, line);
      size += bytes;
    } catch {
      // A log write must never take the app down; stderr still has the line.
    }
  });
}

/** Fans one record out to several sinks. */
export function teeSink(...sinks: readonly LogSink[]): LogSink {
  return (r) => {
    for (const s of sinks) s(r);
  };
}
