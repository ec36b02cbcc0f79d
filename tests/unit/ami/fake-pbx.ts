// An in-memory AmiTransport with a scripted Asterisk behind it, for state-machine
// tests on a FakeClock: no sockets, no real time. The real-socket behaviour is
// covered by tests/integration/ami against the AMI test server.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { AmiDecoder, encodeMessage, getHeader } from '../../../src-main/core/ami/codec';
import type { AmiHeader, AmiMessage } from '../../../src-main/core/ami/codec';
import type { AmiSocket, AmiTransport, AmiTransportTarget } from '../../../src-main/core/ami/connection';
import type { Logger } from '../../../src-main/ports';

/** A socket whose far end is the test: it reads what the client wrote and pushes bytes back. */
export class FakeSocket extends EventEmitter implements AmiSocket {
  readonly written: Buffer[] = [];
  readonly actions: AmiMessage[] = [];
  ended = false;
  destroyed = false;
  readonly #decoder = new AmiDecoder({ greeting: false });

  constructor(readonly target: AmiTransportTarget) {
    super();
  }

  write(chunk: Buffer): boolean {
    if (this.destroyed) throw new Error('write after destroy');
    this.written.push(chunk);
    this.#decoder.push(chunk, (f) => {
      if (f.type === 'message') {
        this.actions.push(f.message);
        this.emit('action', f.message);
      }
    });
    return true;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // Like net.Socket: close comes asynchronously.
    queueMicrotask(() => this.emit('close'));
  }

  /** The PBX sends raw text (delivered on a later microtask, as a socket would). */
  send(text: string): void {
    this.#deliver(Buffer.from(text, 'utf8'));
  }

  /** The PBX sends one message. */
  sendMessage(headers: readonly AmiHeader[]): void {
    this.#deliver(encodeMessage(headers));
  }

  #deliver(bytes: Buffer): void {
    queueMicrotask(() => {
      if (!this.destroyed) this.emit('data', bytes);
    });
  }

  /** The PBX (or the network) fails the socket. */
  fail(code: string, message = code): void {
    queueMicrotask(() => {
      if (this.destroyed) return;
      this.emit('error', Object.assign(new Error(message), { code }));
      this.destroy();
    });
  }

  /** The PBX closes the connection (after what it already sent). */
  hangUp(): void {
    queueMicrotask(() => this.destroy());
  }

  actionNames(): string[] {
    return this.actions.map((a) => getHeader(a, 'Action') ?? '?');
  }
}

export interface FakePbxOptions {
  readonly username?: string;
  readonly secret?: string;
  /** What Filter answers (default Permission denied). */
  readonly filterAllowed?: boolean;
  /** Channels CoreShowChannels lists (header lists without Event/ActionID). */
  readonly channels?: readonly (readonly AmiHeader[])[];
  /** How connect() behaves: greet (default), refuse (ECONNREFUSED), silent (no greeting). */
  readonly onConnect?: 'greet' | 'refuse' | 'silent';
  /** Answer Ping (default true). */
  readonly answerPing?: boolean;
  /** Hold CoreShowChannels' list until release() is called. */
  readonly holdResync?: boolean;
  /** Actions (lowercase) answered with Permission denied, as for a user without the write= class. */
  readonly deny?: readonly string[];
}

/** A scripted Asterisk: greets, does Challenge/Login, Filter, CoreShowChannels, Ping, Logoff. */
export class FakePbx implements AmiTransport {
  readonly sockets: FakeSocket[] = [];
  opts: FakePbxOptions;
  readonly #held: (() => void)[] = [];

  constructor(opts: FakePbxOptions = {}) {
    this.opts = opts;
  }

  get last(): FakeSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (s === undefined) throw new Error('no socket yet');
    return s;
  }

  /** Sockets not destroyed. */
  get open(): FakeSocket[] {
    return this.sockets.filter((s) => !s.destroyed);
  }

  /** Lets held CoreShowChannels lists go out. */
  release(): void {
    for (const f of this.#held.splice(0)) f();
  }

  connect(target: AmiTransportTarget): AmiSocket {
    const socket = new FakeSocket(target);
    this.sockets.push(socket);
    const mode = this.opts.onConnect ?? 'greet';
    let challenge = '';
    socket.on('action', (m: AmiMessage) => {
      const action = (getHeader(m, 'Action') ?? '').toLowerCase();
      const id = getHeader(m, 'ActionID') ?? '';
      const reply = (...h: AmiHeader[]): void => socket.sendMessage([...h.slice(0, 1), ['ActionID', id], ...h.slice(1)]);
      if (this.opts.deny?.includes(action) === true) {
        reply(['Response', 'Error'], ['Message', 'Permission denied']);
        return;
      }
      switch (action) {
        case 'challenge':
          challenge = '123456789';
          reply(['Response', 'Success'], ['Challenge', challenge]);
          return;
        case 'login': {
          const user = getHeader(m, 'Username');
          const secret = this.opts.secret ?? 'op101secret';
          const key = getHeader(m, 'Key');
          const ok =
            user === (this.opts.username ?? 'op101') &&
            (key !== undefined ? key === createHash('md5').update(challenge + secret).digest('hex') : getHeader(m, 'Secret') === secret);
          if (ok) reply(['Response', 'Success'], ['Message', 'Authentication accepted']);
          else {
            reply(['Response', 'Error'], ['Message', 'Authentication failed']);
            socket.hangUp();
          }
          return;
        }
        case 'filter':
          if (this.opts.filterAllowed === true) reply(['Response', 'Success'], ['Message', 'Filter Added Successfully']);
          else reply(['Response', 'Error'], ['Message', 'Permission denied']);
          return;
        case 'coreshowchannels': {
          const channels = this.opts.channels ?? [];
          reply(['Response', 'Success'], ['EventList', 'start'], ['Message', 'Channels will follow']);
          const rest = (): void => {
            for (const c of channels) socket.sendMessage([['Event', 'CoreShowChannel'], ['ActionID', id], ...c]);
            socket.sendMessage([['Event', 'CoreShowChannelsComplete'], ['ActionID', id], ['EventList', 'Complete'], ['ListItems', String(channels.length)]]);
          };
          if (this.opts.holdResync === true) this.#held.push(rest);
          else rest();
          return;
        }
        case 'ping':
          if (this.opts.answerPing !== false) reply(['Response', 'Success'], ['Ping', 'Pong'], ['Timestamp', '1795334421.085003']);
          return;
        case 'logoff':
          reply(['Response', 'Goodbye'], ['Message', 'Thanks for all the fish.']);
          socket.hangUp();
          return;
        default:
          this.onAction?.(m, socket, reply);
      }
    });
    if (mode === 'refuse') socket.fail('ECONNREFUSED', `connect ECONNREFUSED ${target.host}:${target.port}`);
    else if (mode === 'greet') socket.send('Asterisk Call Manager/11.0.0\r\n');
    return socket;
  }

  /** Extra actions (Originate, Hangup...): the test answers them. */
  onAction: ((m: AmiMessage, socket: FakeSocket, reply: (...h: AmiHeader[]) => void) => void) | undefined;
}

/** Lets pending fake socket I/O and promise chains run (macrotask turns; the FakeClock is untouched). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export { seededRandom } from '../../../src-main/core/seeded-random';

/** A logger that keeps records, for assertions on warnings. */
export function memoryLogger(): { readonly records: { level: string; message: string; fields?: unknown }[] } & Logger {
  const records: { level: string; message: string; fields?: unknown }[] = [];
  const at = (level: string) => (message: string, fields?: unknown) => void records.push({ level, message, fields });
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
