// Helpers for the AMI integration tests: an AmiConnection on a FakeClock over
// real sockets to the AMI test server, a transport that keeps the sockets it
// opened (for leak checks), and event-driven waits (no sleeps: each wait ends
// when the awaited status or event arrives; vitest's timeout is the backstop).
import type net from 'node:net';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import { AmiConnection, netTransport, type AmiConnectionConfig, type AmiTimingOptions, type AmiTransport } from '../../../src-main/core/ami/connection';
import type { AmiEvent, AmiResync } from '../../../src-main/core/ami/event-source';
import type { Logger } from '../../../src-main/ports';
import { FakeClock } from '../../support/fake-clock';
import { seededRandom } from '../../unit/ami/fake-pbx';

export { seededRandom };

/** A netTransport that remembers every socket it opened. */
export function recordingTransport(): AmiTransport & { readonly sockets: net.Socket[] } {
  const sockets: net.Socket[] = [];
  return {
    sockets,
    connect(target) {
      const s = netTransport.connect(target) as net.Socket;
      sockets.push(s);
      return s;
    },
  };
}

export interface LogRecord {
  readonly level: string;
  readonly message: string;
  readonly fields: unknown;
}

export function memoryLogger(): Logger & { readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: unknown): void =>
      void records.push({ level, message, fields });
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Client {
  readonly conn: AmiConnection;
  readonly clock: FakeClock;
  readonly transport: ReturnType<typeof recordingTransport>;
  readonly statuses: ConnectionStatus[];
  readonly events: AmiEvent[];
  readonly resyncs: AmiResync[];
  readonly log: ReturnType<typeof memoryLogger>;
  /** Resolves with the first status (from now on, or the current one) matching. */
  until(pred: (s: ConnectionStatus) => boolean): Promise<ConnectionStatus>;
  /** Resolves with the first event (already received or coming) matching. */
  event(pred: (e: AmiEvent) => boolean): Promise<AmiEvent>;
  /** Disposes, advancing the fake clock past the Logoff wait if the PBX does not close. */
  close(): Promise<void>;
}

export function client(opts: { seed?: number; timing?: AmiTimingOptions } = {}): Client {
  const clock = new FakeClock();
  const transport = recordingTransport();
  const log = memoryLogger();
  const conn = new AmiConnection({ transport, clock, log, random: seededRandom(opts.seed ?? 1), ...(opts.timing ? { timing: opts.timing } : {}) });
  const statuses: ConnectionStatus[] = [];
  const events: AmiEvent[] = [];
  const resyncs: AmiResync[] = [];
  conn.onStatus((s) => statuses.push(s));
  conn.onEvent((e) => events.push(e));
  conn.onResync((r) => resyncs.push(r));
  return {
    conn,
    clock,
    transport,
    statuses,
    events,
    resyncs,
    log,
    until(pred) {
      const now = conn.status();
      if (pred(now)) return Promise.resolve(now);
      return new Promise((resolve) => {
        const off = conn.onStatus((s) => {
          if (!pred(s)) return;
          off();
          resolve(s);
        });
      });
    },
    event(pred) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const off = conn.onEvent((e) => {
          if (!pred(e)) return;
          off();
          resolve(e);
        });
      });
    },
    async close() {
      const done = conn.dispose();
      clock.advance(2000);
      await done;
    },
  };
}

export const isState =
  (state: ConnectionStatus['state']) =>
  (s: ConnectionStatus): boolean =>
    s.state === state;

/** The config for a test server user. */
export function configFor(server: { readonly host: string; readonly port: number }, user: string, secret: string, extra: Partial<AmiConnectionConfig> = {}): AmiConnectionConfig {
  return { host: server.host, port: server.port, tls: false, username: user, secret, extension: '101', ...extra };
}

/** Fires the pending reconnect of a client now (the fake clock jumps to retryAt). */
export function fireRetry(c: Client): number {
  const s = c.conn.status();
  if (s.state !== 'reconnecting') throw new Error(`expected reconnecting, got ${JSON.stringify(s)}`);
  const delay = s.retryAt - c.clock.now();
  c.clock.advance(delay);
  return delay;
}

/** Waits one turn of the event loop (lets socket I/O happen); not a timed wait. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

