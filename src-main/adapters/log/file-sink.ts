// Log sink appending JSON lines to <logDir>/sidecall.log, rotating to
// sidecall.log.1 past a size limit so logs never fill the disk.
import fs from 'node:fs';
import path from 'node:path';
import { streamSink, type LogSink } from '../../core/log/logger';

export function fileSink(logDir: string, maxBytes = 5 * 1024 * 1024): LogSink {
  fs.mkdirSync(logDir, { recursive: true });
  const file = path.join(logDir, 'sidecall.log');
  let size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  return streamSink((line) => {
    try {
      if (size + line.length > maxBytes) {
        fs.renameSync(file, `${file}.1`);
        size = 0;
      }
      fs.appendFileSync(file, line);
      size += Buffer.byteLength(line);
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
