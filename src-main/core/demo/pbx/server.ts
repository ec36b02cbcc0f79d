// A real AMI listener on 127.0.0.1 (TCP, or TLS with a given key/cert) in front
// of the demo PBX. Besides speaking AMI it records every connection (raw bytes
// in and out, parsed actions) and can misbehave on purpose: cut a message and
// drop the socket, split writes at every byte or at random sizes, stall, restart
// (Shutdown event, close, new greeting on new connections), refuse logins, and
// replay a recorded trace instead of live events. Plain Node: no test framework
// in here, so the demo host can embed it.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import type { AmiMessage } from '../../ami/codec';
import { systemClock } from '../../clock';
import type { Clock } from '../../../ports';
import { installRunner } from './apps';
import { simulateInbound, simulateTraffic, type InboundCallOptions, type SimulatedCall, type TrafficOptions } from './calls';
import type { AnswerMode } from './config';
import { labConfig, type PbxConfig } from './config';
import { AmiSession, type SessionTransport } from './manager';
import { buildUser, parseManagerConf, type ManagerUser, type ManagerUserSpec } from './manager-config';
import { EVENT_FLAG } from './permissions';
import { Pbx } from './pbx';
import { seededRandom as prng } from '../../seeded-random';

/** How writes reach the socket: whole, one byte per write, or random sizes. */
export type SplitMode = 'none' | 'every-byte' | { readonly random: { readonly min: number; readonly max: number; readonly seed?: number } };

export interface ReplayOptions {
  /** A recorded .raw trace: banner, login response, then the rest. */
  readonly trace: Buffer;
  /** Close the connection after the last byte (default false: stay open). */
  readonly closeAfter?: boolean;
}

export interface AmiServerOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Serve TLS with this key and certificate (node:tls). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Clock for the call model and delays; a fake clock makes calls run as fast as the test advances it. */
  readonly clock?: Clock;
  /** Call model configuration on top of the recorded lab (see config.ts). */
  readonly config?: Partial<PbxConfig>;
  /** Share one PBX between servers (e.g. a TCP and a TLS listener). */
  readonly pbx?: Pbx;
  /** AMI users: manager.conf text or a map username -> spec. Default: the lab's crm and op101. */
  readonly users?: string | Readonly<Record<string, ManagerUserSpec>>;
  /** Delay before "Authentication failed" (Asterisk: 1000 ms), on the clock. */
  readonly loginFailureDelayMs?: number;
  readonly splitWrites?: SplitMode;
  readonly replay?: ReplayOptions;
  /** Keep every byte in and out per connection (default true; the long-running demo turns it off). */
  readonly recordTraffic?: boolean;
}

/** The recorded lab's users (asterisk-etc/manager.conf). */
export const LAB_USERS: Readonly<Record<string, ManagerUserSpec>> = {
  crm: { secret: 'crmsecret', read: 'all', write: 'all' },
  op101: { secret: 'op101secret', read: 'call,cdr,reporting,agent,dialplan', write: 'call,originate,reporting' },
};

/** One client connection and everything recorded about it. */
export interface AmiConnection {
  readonly id: number;
  readonly remotePort: number;
  /** Every byte the client sent, in order. */
  readonly received: Buffer;
  /** The actions parsed from those bytes (by the shared codec). */
  readonly actions: readonly AmiMessage[];
  /** Every byte written to the client, in order. */
  readonly sent: Buffer;
  /** The AMI user once logged in. */
  readonly username: string | undefined;
  readonly closed: boolean;
  /** Resolves when the socket is closed, whoever closed it. */
  readonly done: Promise<void>;
  /** Stop writing and answering (true) or resume, flushing what waited (false). */
  stall(on?: boolean): void;
  splitWrites(mode: SplitMode): void;
  /** The next message is cut after `afterBytes` (default: half of it) and the socket destroyed. */
  dropMidMessage(opts?: { readonly afterBytes?: number }): void;
  /** Writes `partial` (default: half an event) now and destroys the socket. */
  dropNow(partial?: string): void;
  /** Writes raw bytes to the client (anything, e.g. malformed data). */
  inject(data: string | Buffer): void;
  destroy(): void;
}

/** A phone registered on an endpoint, as a test or the demo drives it. */
export interface PhoneControl {
  /** Picks up the ringing call; false when nothing rings. */
  answer(): boolean;
  /** Hangs up (a BYE from the phone); false when the phone has no call. */
  hangup(): boolean;
  /** How the phone treats new calls, and whether it is registered at all. */
  set(patch: { readonly answer?: AnswerMode; readonly answerAfterMs?: number; readonly registered?: boolean }): void;
}

export interface AmiServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly tls: boolean;
  readonly pbx: Pbx;
  /** All connections so far, open and closed, oldest first. */
  readonly connections: readonly AmiConnection[];
  /** Exceptions thrown by action handlers (answered "Internal error"); tests expect none. */
  readonly errors: readonly unknown[];
  /** Resolves with the next connection accepted. */
  nextConnection(): Promise<AmiConnection>;
  close(): Promise<void>;
  /**
   * Asterisk restart: Event Shutdown (Restart: True) to sessions with read
   * system, every connection closed, calls dropped, the listener down for
   * `downMs` (connections refused), then up again with a new greeting.
   */
  restart(opts?: { readonly downMs?: number }): Promise<void>;
  /** Every Login fails with "Authentication failed" (and the socket closes) while on. */
  refuseLogins(on?: boolean): void;
  /** Stall every live and future connection (true) or resume them (false). */
  stall(on?: boolean): void;
  splitWrites(mode: SplitMode): void;
  /** Every live connection cuts its next message and drops. */
  dropMidMessage(opts?: { readonly afterBytes?: number }): void;
  /** Serve a recorded trace after Login instead of live events (undefined: back to live). */
  replay(opts: ReplayOptions | undefined): void;
  /** Replace the AMI users. */
  setUsers(users: string | Readonly<Record<string, ManagerUserSpec>>): void;
  /** An outside caller rings an operator (see calls.ts). */
  simulateInbound(opts: InboundCallOptions): SimulatedCall;
  /** Calls to many extensions at once or spaced on the clock. */
  simulateTraffic(opts: TrafficOptions): void;
  /** The phone of an endpoint. */
  phone(endpoint: string): PhoneControl;
}

function buildUsers(users: string | Readonly<Record<string, ManagerUserSpec>>): ManagerUser[] {
  if (typeof users === 'string') return [...parseManagerConf(users).users];
  return Object.entries(users).map(([name, spec]) => buildUser(name, spec));
}


/** Creates the PBX with its dialplan runner installed. */
export function createPbx(opts: { readonly clock?: Clock; readonly config?: Partial<PbxConfig> } = {}): Pbx {
  const pbx = new Pbx({ clock: opts.clock ?? systemClock, config: labConfig(opts.config) });
  installRunner(pbx);
  return pbx;
}

class Connection implements AmiConnection, SessionTransport {
  readonly #received: Buffer[] = [];
  readonly #sent: Buffer[] = [];
  readonly actionsList: AmiMessage[] = [];
  readonly #out: Buffer[] = [];
  #stalled = false;
  #stalledInput: Buffer[] = [];
  #split: SplitMode;
  #rand: () => number = Math.random;
  #pumping = false;
  #drop: { afterBytes?: number } | undefined;
  #ending = false;
  #closed = false;
  session: AmiSession | undefined;
  readonly done: Promise<void>;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    readonly tls: boolean,
    split: SplitMode,
    stalled: boolean,
    readonly record: boolean,
  ) {
    this.#split = split;
    this.splitWrites(split);
    this.#stalled = stalled;
    socket.setNoDelay(true);
    this.localAddress = socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    this.remotePort = socket.remotePort ?? 0;
    this.done = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => {
      this.#closed = true;
      this.session?.detach();
    });
    // A reset from the client is an ordinary way for a test to end.
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (this.record) this.#received.push(chunk);
      if (this.#stalled) this.#stalledInput.push(chunk);
      else this.session?.receive(chunk);
    });
  }

  get received(): Buffer {
    return Buffer.concat(this.#received);
  }

  get sent(): Buffer {
    return Buffer.concat(this.#sent);
  }

  get actions(): readonly AmiMessage[] {
    return this.actionsList;
  }

  get username(): string | undefined {
    return this.session?.user?.username;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: string | Buffer): void {
    if (this.#closed || this.#ending) return;
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.#drop) {
      const cut = Math.max(0, Math.min(buf.length - 1, this.#drop.afterBytes ?? Math.floor(buf.length / 2)));
      this.#drop = undefined;
      buf = buf.subarray(0, cut);
      this.#out.push(buf);
      this.#ending = true;
      this.#pump(() => this.socket.destroy());
      return;
    }
    this.#out.push(buf);
    this.#pump();
  }

  /** Moves queued bytes to the socket according to the split mode; `then` runs after the last byte. */
  #pump(then?: () => void): void {
    if (this.#stalled) {
      if (then) this.#afterPump = then;
      return;
    }
    if (this.#split === 'none' && !this.#pumping) {
      // Whole writes are coalesced per turn of the event loop: a burst of events
      // (a 300-call load test) goes out in a few large writes instead of one per event.
      if (then) {
        this.#flushWhole();
        this.socket.write(Buffer.alloc(0), then);
        return;
      }
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(() => this.#flushWhole());
      }
      return;
    }
    if (then) this.#afterPump = then;
    if (this.#pumping) return;
    this.#pumping = true;
    const step = (): void => {
      if (this.#closed || this.#stalled) {
        this.#pumping = false;
        return;
      }
      const head = this.#out[0];
      if (!head) {
        this.#pumping = false;
        const after = this.#afterPump;
        this.#afterPump = undefined;
        if (after) this.socket.write(Buffer.alloc(0), after);
        return;
      }
      const size = this.#split === 'every-byte' || this.#split === 'none' ? (this.#split === 'none' ? head.length : 1) : this.#randomSize(this.#split.random);
      const piece = head.subarray(0, Math.min(size, head.length));
      if (piece.length >= head.length) this.#out.shift();
      else this.#out[0] = head.subarray(piece.length);
      if (piece.length > 0) {
        if (this.record) this.#sent.push(piece);
        this.socket.write(piece);
      }
      // A macrotask between writes, so each piece leaves in its own segment.
      setImmediate(step);
    };
    step();
  }

  #afterPump: (() => void) | undefined;
  #flushQueued = false;

  #flushWhole(): void {
    this.#flushQueued = false;
    if (this.#stalled || this.#closed || this.#out.length === 0) return;
    const b = this.#out.length === 1 ? (this.#out[0] ?? Buffer.alloc(0)) : Buffer.concat(this.#out);
    this.#out.length = 0;
    if (b.length === 0) return;
    if (this.record) this.#sent.push(b);
    this.socket.write(b);
  }

  #randomSize(r: { min: number; max: number }): number {
    const min = Math.max(1, Math.floor(r.min));
    const max = Math.max(min, Math.floor(r.max));
    return min + Math.floor(this.#rand() * (max - min + 1));
  }

  end(): void {
    if (this.#ending || this.#closed) return;
    this.#ending = true;
    const close = (): void => {
      this.socket.end();
      // Do not wait for a client that never closes its side.
      setTimeout(() => this.socket.destroy(), 200).unref();
    };
    if (this.#out.length > 0 || this.#pumping) this.#pump(close);
    else close();
  }

  stall(on = true): void {
    this.#stalled = on;
    if (on) return;
    const input = this.#stalledInput;
    this.#stalledInput = [];
    for (const chunk of input) this.session?.receive(chunk);
    const after = this.#afterPump;
    this.#afterPump = undefined;
    this.#pump(after);
  }

  splitWrites(mode: SplitMode): void {
    this.#split = mode;
    if (typeof mode === 'object') this.#rand = prng(mode.random.seed ?? 1);
  }

  dropMidMessage(opts: { readonly afterBytes?: number } = {}): void {
    this.#drop = opts.afterBytes === undefined ? {} : { afterBytes: opts.afterBytes };
  }

  dropNow(partial = 'Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/101-000'): void {
    if (this.#closed) return;
    const buf = Buffer.from(partial, 'utf8');
    if (this.record) this.#sent.push(buf);
    this.socket.write(buf, () => this.socket.destroy());
  }

  inject(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#out.push(buf);
    this.#pump();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Skips the banner line and the first message (the recorded Login response) of a .raw trace. */
export function traceAfterLogin(trace: Buffer): Buffer {
  const banner = trace.indexOf('\r\n');
  const start = banner < 0 ? 0 : banner + 2;
  const end = trace.indexOf('\r\n\r\n', start);
  return end < 0 ? Buffer.alloc(0) : trace.subarray(end + 4);
}

/** Starts an AMI server on 127.0.0.1 (port 0 by default). */
export async function startAmiServer(opts: AmiServerOptions = {}): Promise<AmiServer> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? systemClock;
  const pbx = opts.pbx ?? createPbx({ clock, ...(opts.config ? { config: opts.config } : {}) });
  let users = buildUsers(opts.users ?? LAB_USERS);
  let refusing = false;
  let stalled = false;
  let split: SplitMode = opts.splitWrites ?? 'none';
  let replay = opts.replay;
  const connections: Connection[] = [];
  const errors: unknown[] = [];
  const record = opts.recordTraffic ?? true;
  const waiters: ((c: AmiConnection) => void)[] = [];
  let nextId = 1;
  const isTls = opts.tls !== undefined;

  const onSocket = (socket: net.Socket): void => {
    const conn = new Connection(nextId++, socket, isTls, split, stalled, record);
    connections.push(conn);
    // Without recording, closed connections are forgotten so a long run does not grow.
    if (!record) void conn.done.then(() => connections.splice(connections.indexOf(conn), 1));
    conn.session = new AmiSession(
      {
        pbx,
        users: () => users,
        loginFailureDelayMs: opts.loginFailureDelayMs ?? 1000,
        refuseLogins: () => refusing,
        onAction: (_s, action) => {
          if (record) conn.actionsList.push(action);
        },
        onError: (err) => errors.push(err),
        // Replay: the recorded bytes after the recorded Login response, verbatim.
        replayFor: () => (replay ? { bytes: traceAfterLogin(replay.trace), closeAfter: replay.closeAfter === true } : undefined),
      },
      conn,
    );
    for (const w of waiters.splice(0)) w(conn);
  };

  const makeListener = (): net.Server => {
    const server = opts.tls ? tls.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onSocket) : net.createServer(onSocket);
    // TLS handshake failures (a plain TCP client) must not crash the server.
    server.on('tlsClientError', () => undefined);
    server.on('error', () => undefined);
    return server;
  };

  const listen = (server: net.Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });

  const closeListener = (server: net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

  let listener = makeListener();
  const port = await listen(listener, opts.port ?? 0);

  const closeAll = async (): Promise<void> => {
    const live = connections.filter((c) => !c.closed);
    for (const c of live) {
      if (c.session) c.session.close();
      else c.end();
    }
    await Promise.all(live.map((c) => c.done));
  };

  return {
    host,
    port,
    url: `${isTls ? 'tls' : 'tcp'}://${host}:${port}`,
    tls: isTls,
    pbx,
    get connections(): readonly AmiConnection[] {
      return connections;
    },
    errors,
    nextConnection(): Promise<AmiConnection> {
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close(): Promise<void> {
      pbx.stopTimers();
      const closing = closeListener(listener);
      for (const c of connections) if (!c.closed) c.destroy();
      await Promise.all(connections.map((c) => c.done));
      await closing;
    },
    async restart(restartOpts: { readonly downMs?: number } = {}): Promise<void> {
      pbx.run(() => pbx.publish('Shutdown', EVENT_FLAG.system, [['Shutdown', 'Cleanly'], ['Restart', 'True']]));
      const closing = closeListener(listener);
      await closeAll();
      await closing;
      pbx.reset();
      const down = restartOpts.downMs ?? 0;
      if (down > 0) await new Promise((r) => setTimeout(r, down));
      listener = makeListener();
      await listen(listener, port);
    },
    refuseLogins(on = true): void {
      refusing = on;
    },
    stall(on = true): void {
      stalled = on;
      for (const c of connections) if (!c.closed) c.stall(on);
    },
    splitWrites(mode: SplitMode): void {
      split = mode;
      for (const c of connections) if (!c.closed) c.splitWrites(mode);
    },
    dropMidMessage(dropOpts: { readonly afterBytes?: number } = {}): void {
      for (const c of connections) if (!c.closed) c.dropMidMessage(dropOpts);
    },
    replay(r: ReplayOptions | undefined): void {
      replay = r;
    },
    setUsers(u: string | Readonly<Record<string, ManagerUserSpec>>): void {
      users = buildUsers(u);
    },
    simulateInbound: (o: InboundCallOptions): SimulatedCall => simulateInbound(pbx, o),
    simulateTraffic: (o: TrafficOptions): void => simulateTraffic(pbx, o),
    phone: (endpoint: string): PhoneControl => ({
      answer: () => pbx.answerPhone(endpoint),
      hangup: () => pbx.hangupPhone(endpoint),
      set: (patch) => pbx.setPhone(endpoint, patch),
    }),
  };
}
