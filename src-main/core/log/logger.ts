// One logger per module (`createLogger('ami/connection')`). Fields whose names
// look like secrets are replaced before anything reaches a sink, so a token or
// AMI secret can never land in a log line by accident.
import type { LogLevel, Logger, LoggerFactory } from '../../ports';

export interface LogRecord {
  readonly at: number;
  readonly level: LogLevel;
  readonly scope: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}
export type LogSink = (record: LogRecord) => void;

const SECRET_KEY = /secret|password|passwd|token|authorization|cookie|apikey|api_key|key$/i;
const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Deep-copies fields with secret-looking keys replaced by "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export function createLoggerFactory(sink: LogSink, minLevel: LogLevel = 'info', now: () => number = Date.now): LoggerFactory {
  return (scope) => {
    const emit = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void => {
      if (LEVELS[level] < LEVELS[minLevel]) return;
      sink(fields ? { at: now(), level, scope, message, fields: redact(fields) as Record<string, unknown> } : { at: now(), level, scope, message });
    };
    const logger: Logger = {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
    };
    return logger;
  };
}

/** A sink writing one JSON line per record to a stream (stderr by default). */
export function streamSink(write: (line: string) => void): LogSink {
  return (r) => write(`${JSON.stringify({ t: new Date(r.at).toISOString(), level: r.level, scope: r.scope, msg: r.message, ...r.fields })}\n`);
}

/** Keeps the last records in memory, for diagnostics and tests. */
export function memorySink(limit = 500): LogSink & { readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = ((r: LogRecord) => {
    records.push(r);
    if (records.length > limit) records.shift();
  }) as LogSink & { readonly records: LogRecord[] };
  Object.defineProperty(sink, 'records', { value: records });
  return sink;
}
