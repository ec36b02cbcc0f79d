// Test harness: an AMI test server on a fake clock plus raw clients, and a
// cleanup that closes both (no sockets or timers left behind after a test).
import type { AmiMessage } from '../../../src-main/core/ami/codec';
import { getHeader } from '../../../src-main/core/ami/codec';
import { startAmiServer, type AmiServer, type AmiServerOptions } from '../../../src-main/core/demo/pbx/server';
import { FakeClock } from '../fake-clock';
import { RawAmiClient, type RawClientOptions } from './raw-client';

export interface Harness {
  readonly server: AmiServer;
  readonly clock: FakeClock;
  /** Connects a raw client and waits for the greeting. */
  connect(opts?: RawClientOptions): Promise<RawAmiClient>;
  /** Connects and logs in (default: the lab's crm user). */
  login(username?: string, secret?: string, opts?: RawClientOptions): Promise<RawAmiClient>;
  /** Moves the PBX clock and lets the sockets deliver what it produced. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export const LAB_SECRETS: Readonly<Record<string, string>> = { crm: 'crmsecret', op101: 'op101secret' };

/** Lets pending socket I/O happen (a few macrotask turns). */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export async function startHarness(opts: AmiServerOptions = {}): Promise<Harness> {
  const clock = new FakeClock(Date.parse('2026-11-22T08:00:00.000Z'));
  const server = await startAmiServer({ clock, loginFailureDelayMs: 0, ...opts });
  const clients: RawAmiClient[] = [];
  const connect = async (copts: RawClientOptions = {}): Promise<RawAmiClient> => {
    const c = await RawAmiClient.connect(server.port, copts);
    clients.push(c);
    await c.until(() => c.greeting, 2000, 'greeting');
    return c;
  };
  return {
    server,
    clock,
    connect,
    async login(username = 'crm', secret = LAB_SECRETS[username] ?? '', copts: RawClientOptions = {}): Promise<RawAmiClient> {
      const c = await connect(copts);
      const r = await c.login(username, secret, `login-${username}`);
      if (getHeader(r, 'Response') !== 'Success') throw new Error(`login ${username} failed: ${getHeader(r, 'Message') ?? ''}`);
      await flush();
      return c;
    },
    async advance(ms: number): Promise<void> {
      clock.advance(ms);
      await flush();
    },
    async close(): Promise<void> {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
      // A handler that threw answered "Internal error"; surface it in the test that caused it.
      if (server.errors.length > 0) throw server.errors[0] instanceof Error ? server.errors[0] : new Error(String(server.errors[0]));
    },
  };
}

/** Header value helper for assertions. */
export function hv(m: AmiMessage | undefined, name: string): string | undefined {
  return m ? getHeader(m, name) : undefined;
}

/** Names of the events in a message list, in order. */
export function eventNames(messages: readonly AmiMessage[]): string[] {
  return messages.map((m) => getHeader(m, 'Event')).filter((e): e is string => e !== undefined);
}
